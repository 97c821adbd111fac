// The relay client as a sans-IO core (docs/connectivity.md, "Relay protocol", "Client"): one
// per relay connection. The driver dials and upgrades, then feeds bytes in and pulls bytes
// out; packets to and from peers by node key; keepalive pings and a silence timeout. It never
// reconnects by itself: a closed connection is an event, and connected() starts over.
// C++17-clean: the node engine and ns-3 drive it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/key.h"
#include "core/random.h"
#include "core/time.h"
#include "relay/byte_ring.h"
#include "relay/frame.h"
#include "relay/protocol.h"

namespace weft::relay {

struct ClientConfig {
  core::NodePrivateKey node_key;
  /// Ping after this long without a frame from the server.
  core::Duration ping_after = std::chrono::seconds(25);
  /// Closed as "relay.timeout" when a ping stays unanswered this long, or the handshake
  /// (ServerKey through ServerInfo) takes longer.
  core::Duration timeout = std::chrono::seconds(10);
  /// Bytes of frames waiting to be pulled by the driver (packets before the server accepted
  /// the client wait here too); a packet that does not fit is dropped.
  std::size_t max_send_queue_bytes = 1u << 20;
  /// Bytes of received packets waiting for poll_packet(); beyond, received packets are dropped.
  std::size_t max_recv_queue_bytes = 1u << 20;
  /// This relay is in the node's home region (sent in ClientInfo's flags).
  bool preferred = false;
};

enum class ClientState : uint8_t {
  kIdle,            ///< not connected (before connected(), after a close)
  kAwaitServerKey,  ///< upgraded; waiting for ServerKey
  kAwaitInfo,       ///< ClientInfo sent; waiting for ServerInfo (verification may take a while)
  kReady,           ///< accepted: packets flow
};
const char* to_string(ClientState state);

enum class ClientDrop : uint8_t {
  kSendQueueFull,   ///< send_packet() while the send queue is full
  kRecvQueueFull,   ///< a received packet while poll_packet() lags
  kNotConnected,    ///< send_packet() while idle
  kTooLarge,        ///< send_packet() beyond kMaxPacketSize
  kBufferTooSmall,  ///< poll_packet() with a buffer smaller than the packet
  kUnknownFrame,    ///< a frame type this version does not know (skipped)
  kCount
};
inline constexpr std::size_t kClientDropCount = static_cast<std::size_t>(ClientDrop::kCount);

struct ClientStats {
  uint64_t packets_sent = 0;      ///< SendPacket frames queued for the driver
  uint64_t packets_received = 0;  ///< RecvPacket frames queued for poll_packet()
  uint64_t pings_sent = 0;
  uint64_t keepalives_received = 0;
  std::array<uint64_t, kClientDropCount> drops{};
};

enum class ClientEventKind : uint8_t {
  kReady,     ///< the server accepted us (`relay_key`, `rate_bytes_per_second`, `burst_bytes`)
  kPeerGone,  ///< `peer` left this relay or is not on it (`reason`)
  kPong,      ///< our ping came back after `rtt`
  kClosed,    ///< the connection is over (`code`, `message`): the driver closes its socket
};

struct ClientEvent {
  ClientEventKind kind = ClientEventKind::kReady;
  core::RelayPublicKey relay_key;
  uint64_t rate_bytes_per_second = 0;
  uint64_t burst_bytes = 0;
  core::NodePublicKey peer;
  PeerGoneReason reason = PeerGoneReason::kDisconnected;
  core::Duration rtt{};
  /// kClosed: "relay.timeout", "relay.disconnected" (transport_closed), "relay.protocol" (the
  /// server broke the protocol), or the code of the server's Error frame.
  std::string code;
  std::string message;
};

/// Calling contract: single-threaded. connected() after each successful upgrade; receive()
/// with every byte read; after any call the driver pulls poll_output() until it returns 0 and
/// drains poll_event() (a kClosed event means: close the socket, no more output follows);
/// update_timers() when next_deadline() passes; transport_closed() when the socket ends.
class Client {
 public:
  /// `rng` draws the ClientInfo nonce and ping payloads; it must outlive the client.
  Client(ClientConfig config, core::Random& rng);
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const core::NodePublicKey& node_key() const { return node_public_; }
  ClientState state() const { return state_; }
  /// The relay's key, from its ServerKey (zero before).
  const core::RelayPublicKey& relay_key() const { return relay_key_; }

  /// A fresh connection is upgraded: starts the handshake (anything left from an earlier
  /// connection is forgotten, queued packets included).
  void connected(core::Now now);
  /// Bytes read from the connection.
  void receive(core::ByteView bytes, core::Now now);
  /// The socket ended (peer closed, error): kClosed "relay.disconnected" unless already idle.
  void transport_closed(core::Now now);
  /// Queues a packet for `dst`; false when dropped (counted): too large, not connected, or the
  /// queue is full. Before kReady, packets wait (bounded) until the server accepts us.
  bool send_packet(core::Now now, const core::NodePublicKey& dst, core::ByteView packet);
  /// Tells the server whether this is the home region's relay (sent now, or with ClientInfo).
  void note_preferred(bool preferred);
  /// Sends a Ping now (kPong reports its round trip). False when not ready.
  bool ping(core::Now now);

  /// Moves up to out.size bytes to be written into `out`; 0 when nothing is pending.
  std::size_t poll_output(core::MutableBytes out);
  /// The next received packet: its source into `src`, its bytes into `out`; returns its size,
  /// 0 when none is waiting. `out` should hold kMaxPacketSize bytes: a packet larger than
  /// `out` is dropped (counted) and the next one is tried. No allocation per packet.
  std::size_t poll_packet(core::NodePublicKey& src, core::MutableBytes out);
  bool poll_event(ClientEvent& event);

  void update_timers(core::Now now);
  std::optional<core::Duration> next_deadline() const;

  const ClientStats& stats() const { return stats_; }

 private:
  bool on_frame(const Frame& f, core::Now now);
  void close(std::string code, std::string message);
  void push_control(FrameType type, const uint8_t* payload, std::size_t n);
  void drop(ClientDrop why) { ++stats_.drops[static_cast<std::size_t>(why)]; }

  ClientConfig config_;
  core::Random& rng_;
  core::NodePublicKey node_public_;
  core::RelayPublicKey relay_key_;
  ClientState state_ = ClientState::kIdle;
  FrameReader reader_;
  ByteRing out_;      // frames for the driver (ClientInfo first)
  ByteRing pending_;  // SendPackets queued before kReady
  ByteRing recv_;     // received packets: src (32) + length (4, BE) + bytes
  std::deque<ClientEvent> events_;
  core::Duration handshake_deadline_{};
  core::Duration last_received_{};
  std::optional<core::Duration> ping_sent_at_;
  std::array<uint8_t, kPingPayload> ping_data_{};
  ClientStats stats_;
};

}  // namespace weft::relay
