// The unchanged relay server core (weft::relay::Server, docs/connectivity.md "Relay protocol") as an
// ns-3 application: a listening simulated TCP socket whose connections are the core's ConnIds
// (past the HTTP upgrade, which is the Linux front's), one ns-3 event at its next_deadline().
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "core/random.h"
#include "core/time.h"
#include "ns3/application.h"
#include "ns3/socket.h"
#include "relay/server.h"
#include "stream-listener.h"
#include "stream-socket.h"

namespace weft::sim {

/// Calling contract of relay::Server, as relayserver::RelayService keeps it on Linux: accept() for
/// every accepted connection, receive() with its bytes, closed() once when it ends (whoever ended
/// it); after every call the events are drained and each connection poll_writable() names gets
/// poll_output() only while fewer than kHighWater bytes wait in its stream (the rest stays in the
/// core's bounded queue until the stream drains).
class RelayServerApp : public ns3::Application {
 public:
  /// Output a connection's stream may hold before the core keeps the rest (RelayService's).
  static constexpr std::size_t kHighWater = 256 * 1024;

  static ns3::TypeId GetTypeId();
  RelayServerApp();
  ~RelayServerApp() override;

  /// Builds the core; `seed` drives its Random (challenges). Clients are not verified: the
  /// simulated relay runs as `weft derp` without --verify-clients.
  void Setup(const relay::ServerConfig& config, uint16_t port, uint64_t seed,
             core::WallTime wall_epoch);

  const relay::Server& Core() const { return *m_core; }
  std::size_t OpenConnections() const { return m_connections.size(); }
  uint64_t Accepted() const { return m_nextConnection - 1; }
  /// Connections the core cut off (ServerEventKind::kCutOff), e.g. "relay.replaced".
  uint64_t CutOffs() const { return m_cutOffs; }

 protected:
  void DoDispose() override;

 private:
  void StartApplication() override;
  void StopApplication() override;
  core::Now Now() const;
  void OnAccepted(ns3::Ptr<ns3::Socket> socket);
  void OnBytes(relay::ConnId id, core::ByteView bytes);
  void OnClosed(relay::ConnId id);
  void OnTimer();
  /// Events, then the writable connections' output into their streams, then the timer.
  void AfterCall();
  /// Pulls `id`'s output while its stream keeps up; carries out the core's close.
  void Flush(relay::ConnId id);

  uint16_t m_port = 0;
  core::WallTime m_wallEpoch{};
  std::unique_ptr<core::SeededRandom> m_random;
  std::unique_ptr<relay::Server> m_core;
  StreamListener m_listener;
  std::map<relay::ConnId, std::unique_ptr<StreamSocket>> m_connections;
  /// Streams that ended or close after their last bytes (not deleted inside their callbacks).
  std::vector<std::unique_ptr<StreamSocket>> m_ended;
  std::vector<uint8_t> m_chunk;
  relay::ConnId m_nextConnection = 1;
  uint64_t m_cutOffs = 0;
  DeadlineEvent m_timer;
};

}  // namespace weft::sim
