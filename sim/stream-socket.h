// A byte stream over a simulated TCP connection for the control protocol (docs/sim.md, "Control
// streams"): dial with a timeout or adopt an accepted socket, write with a queue that waits for
// send-buffer space, read, close after the queued bytes, abort; one "closed" callback for every
// way a connection ends (dial failed or timed out, peer closed, reset).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "core/bytes.h"
#include "ns3/event-id.h"
#include "ns3/inet-socket-address.h"
#include "ns3/node.h"
#include "ns3/nstime.h"
#include "ns3/ptr.h"
#include "ns3/socket.h"

namespace weft::sim {

class StreamSocket {
 public:
  using BytesHandler = std::function<void(core::ByteView)>;
  using Handler = std::function<void()>;

  /// `on_bytes` gets every byte read, in order; `on_closed` is called once when the connection
  /// ends by itself (never after Abort() or CloseAfterSending()). Handlers must not delete this
  /// socket (ns-3 may still be inside one of its callbacks): owners keep ended sockets until they
  /// are destroyed themselves, before Simulator::Destroy().
  StreamSocket(BytesHandler on_bytes, Handler on_closed);
  ~StreamSocket();
  StreamSocket(const StreamSocket&) = delete;
  StreamSocket& operator=(const StreamSocket&) = delete;

  /// Connects from `node` to `to`; `on_connected` when the connection is up. Not connected
  /// within `timeout`: aborted, and on_closed() (a failed dial).
  void Dial(ns3::Ptr<ns3::Node> node, const ns3::InetSocketAddress& to, ns3::Time timeout,
            Handler on_connected);
  /// Takes an accepted, connected socket.
  void Adopt(ns3::Ptr<ns3::Socket> socket);

  bool IsConnected() const { return m_connected; }
  /// Queues bytes; they go out as the socket's send buffer has room.
  void Send(const std::vector<uint8_t>& bytes);
  /// Closes (FIN) once the queued bytes are in the socket; no more callbacks.
  void CloseAfterSending();
  /// Ends the connection now (a process that died, a dial given up); no more callbacks.
  void Abort();

  /// Bytes queued here that the socket has not taken yet. A writer holding output back while this
  /// is high (a relay's bounded queues) resumes from the drained handler.
  std::size_t QueuedBytes() const { return m_queue.size(); }
  /// `on_drained` runs each time the socket's freed room took the last queued byte.
  void SetDrainedHandler(Handler on_drained) { m_onDrained = std::move(on_drained); }

  uint64_t BytesSent() const { return m_bytesSent; }
  uint64_t BytesReceived() const { return m_bytesReceived; }

 private:
  void Attach(ns3::Ptr<ns3::Socket> socket);
  void Detach();
  void OnConnected(ns3::Ptr<ns3::Socket> socket);
  void OnConnectFailed(ns3::Ptr<ns3::Socket> socket);
  void OnDialTimeout();
  void OnRead(ns3::Ptr<ns3::Socket> socket);
  void OnSendSpace(ns3::Ptr<ns3::Socket> socket, uint32_t available);
  void OnPeerClose(ns3::Ptr<ns3::Socket> socket);
  void OnError(ns3::Ptr<ns3::Socket> socket);
  /// Moves queued bytes into the socket as far as its buffer allows.
  void Flush();
  /// The connection ended by itself: detach, then tell the owner (the last thing done).
  void Ended();

  BytesHandler m_onBytes;
  Handler m_onClosed;
  Handler m_onConnected;
  Handler m_onDrained;
  ns3::Ptr<ns3::Socket> m_socket;
  ns3::EventId m_dialTimer;
  bool m_connected = false;
  bool m_closeWhenFlushed = false;
  std::deque<uint8_t> m_queue;
  /// Grown on the first read: a dial that never connects (hundreds per node through an outage,
  /// kept until the driver goes) holds none.
  std::vector<uint8_t> m_readBuffer;
  uint64_t m_bytesSent = 0;
  uint64_t m_bytesReceived = 0;
};

}  // namespace weft::sim
