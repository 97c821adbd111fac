// What every simulated server application needs besides its core: a listening TCP socket whose
// accepted connections become StreamSockets, and one ns-3 event kept at the core's next_deadline()
// (the coordinator and the relay share both).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "core/time.h"
#include "ns3/event-id.h"
#include "ns3/node.h"
#include "ns3/nstime.h"
#include "ns3/ptr.h"
#include "ns3/socket.h"

namespace weft::sim {

/// A TCP listener on every address of a node. Accepts every connection request.
class StreamListener {
 public:
  using AcceptHandler = std::function<void(ns3::Ptr<ns3::Socket>)>;

  StreamListener() = default;
  ~StreamListener() { Close(); }
  StreamListener(const StreamListener&) = delete;
  StreamListener& operator=(const StreamListener&) = delete;

  /// Listens on `port` of `node`; `on_accepted` gets each connected socket (to adopt). Aborts
  /// when the port is taken.
  void Listen(ns3::Ptr<ns3::Node> node, uint16_t port, AcceptHandler on_accepted);
  /// Stops listening; accepted connections are not touched.
  void Close();

 private:
  bool OnRequest(ns3::Ptr<ns3::Socket> socket, const ns3::Address& from);
  void OnAccepted(ns3::Ptr<ns3::Socket> socket, const ns3::Address& from);

  ns3::Ptr<ns3::Socket> m_socket;
  AcceptHandler m_onAccepted;
};

/// One ns-3 event at a core's deadline: re-armed only when the deadline moves.
class DeadlineEvent {
 public:
  DeadlineEvent() = default;
  ~DeadlineEvent() { Cancel(); }
  DeadlineEvent(const DeadlineEvent&) = delete;
  DeadlineEvent& operator=(const DeadlineEvent&) = delete;

  /// Keeps the event at `deadline` (a past one: now; none: cancelled); `fire` runs then.
  void Arm(std::optional<core::Duration> deadline, std::function<void()> fire);
  void Cancel() { m_event.Cancel(); }

 private:
  void Fire();

  ns3::EventId m_event;
  ns3::Time m_at = ns3::Seconds(-1);
  std::function<void()> m_fire;
};

}  // namespace weft::sim
