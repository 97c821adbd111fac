// The relay server as a sans-IO core (docs/connectivity.md, "Relay protocol", "Server"): one
// connection per client, identified by the driver's ids; bytes in, frames out through a bounded
// queue per connection that the driver pulls; authentication, verification, forwarding by node
// key, rate limits, keepalives. C++17-clean: the Linux driver and ns-3 both drive it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/bytes.h"
#include "core/key.h"
#include "core/random.h"
#include "core/time.h"
#include "relay/protocol.h"

namespace weft::relay {

using ConnId = uint64_t;

struct ServerConfig {
  core::RelayPrivateKey private_key;
  /// Ask the driver (Event kVerify) whether each authenticated node key may use the relay.
  bool verify_clients = false;
  /// Per-client token bucket on SendPacket bytes (packet bytes, headers not counted).
  /// 64 MiB/s (~537 Mbit/s): a relayed tunnel is limited by the relay's link, not by this;
  /// 4 MiB/s, the first default, held relayed iperf3 to ~38 Mbit/s (docs/connectivity.md).
  uint64_t rate_bytes_per_second = 64u << 20;
  uint64_t burst_bytes = 16u << 20;
  /// A client whose rate-limited drops exceed this many bytes within flood_window is cut off.
  uint64_t flood_cutoff_bytes = 32u << 20;
  core::Duration flood_window = std::chrono::seconds(10);
  /// Bytes queued towards one client before RecvPackets to it are dropped; control frames
  /// (PeerGone, Pong, KeepAlive, Error) get kControlHeadroom more.
  std::size_t max_queue_bytes = 512u * 1024;
  core::Duration auth_timeout = kAuthTimeout;
  core::Duration keepalive_interval = kKeepAliveInterval;
  /// At most one PeerGone(not here) per sender and destination within this long.
  core::Duration not_here_interval = std::chrono::seconds(5);
};

inline constexpr std::size_t kControlHeadroom = 4096;

/// Packets (or frames) the server did not forward; every one counted in ServerStats::drops.
enum class ServerDrop : uint8_t {
  kRateLimited,   ///< over the sender's token bucket
  kQueueFull,     ///< the destination's output queue is full (the sender is not punished)
  kNotHere,       ///< the destination node key is not connected here
  kNotReady,      ///< a SendPacket before the sender was registered (verification pending)
  kUnknownFrame,  ///< a frame type this version does not know (skipped: forward compatibility)
  kCount
};
inline constexpr std::size_t kServerDropCount = static_cast<std::size_t>(ServerDrop::kCount);

/// Why the server cut a connection off; every cut counted in ServerStats::cuts.
enum class CutReason : uint8_t {
  kBadFraming,     ///< "relay.bad_frame": a length above the maximum
  kNotClientInfo,  ///< "relay.auth_required": another frame before authentication
  kMalformed,      ///< "relay.malformed": a known frame with a wrong payload
  kAuthFailed,     ///< "relay.auth_failed": the ClientInfo does not prove its node key
  kAuthTimeout,    ///< "relay.auth_timeout": no ClientInfo within auth_timeout
  kNotAllowed,     ///< "relay.not_allowed": the verifier refused the node key
  kReplaced,       ///< "relay.replaced": the same node key connected again
  kFlood,          ///< "relay.flood": rate-limited far beyond the bucket
  kCount
};
inline constexpr std::size_t kCutReasonCount = static_cast<std::size_t>(CutReason::kCount);
/// The stable code sent in the Error frame.
const char* to_code(CutReason reason);
const char* to_string(ServerDrop drop);

struct ServerStats {
  uint64_t connections = 0;   ///< open now (accepted, not yet closed by the driver)
  uint64_t clients = 0;       ///< registered now
  uint64_t accepted = 0;
  uint64_t registered = 0;    ///< registrations, ever
  uint64_t packets_forwarded = 0;
  uint64_t bytes_forwarded = 0;  ///< packet bytes
  uint64_t keepalives_sent = 0;
  uint64_t peer_gone_sent = 0;
  uint64_t verify_asked = 0;
  std::array<uint64_t, kServerDropCount> drops{};
  std::array<uint64_t, kCutReasonCount> cuts{};
};

enum class ServerEventKind : uint8_t {
  kVerify,      ///< answer with verified(conn, allowed): may `node_key` use the relay?
  kRegistered,  ///< `node_key` is served on `conn`
  kCutOff,      ///< the core cut `conn` off for `reason`; its output ends with an Error frame
};

struct ServerEvent {
  ServerEventKind kind = ServerEventKind::kRegistered;
  ConnId conn = 0;
  core::NodePublicKey node_key;
  CutReason reason = CutReason::kBadFraming;
};

/// What poll_output hands the driver for one connection.
struct ConnOutput {
  std::size_t size = 0;  ///< bytes written into the caller's buffer, to be sent in order
  bool close = false;    ///< nothing follows: close the connection once these are written
};

struct ServerConn;  // server.cc

/// Calling contract: single-threaded. The driver calls accept() for every upgraded connection
/// (its own unique ids), receive() with its bytes and closed() once when it ends, whoever ended
/// it. After any call it drains poll_event() and, for every connection poll_writable() names,
/// poll_output() as far as its socket accepts (it may leave bytes queued in the core: that queue
/// is the bounded one). update_timers() runs when next_deadline() passes.
class Server {
 public:
  /// `rng` draws the challenges; it must outlive the server.
  Server(ServerConfig config, core::Random& rng);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  const core::RelayPublicKey& public_key() const { return public_key_; }

  /// A new connection; ServerKey is queued for it. An id already open is ignored.
  void accept(ConnId conn, core::Now now);
  /// Bytes read from `conn`. Garbage cuts the connection off (an Error frame, then close).
  void receive(ConnId conn, core::ByteView bytes, core::Now now);
  /// The driver's answer to a kVerify event. Ignored when `conn` is gone or was not asking.
  void verified(ConnId conn, bool allowed, core::Now now);
  /// The connection ended (after the driver closed it, or the peer did). Frees it.
  void closed(ConnId conn, core::Now now);

  /// A connection with output (or a close) pending since it was last named; false when none.
  bool poll_writable(ConnId& conn);
  /// Moves up to out.size queued bytes of `conn` into `out`. Unknown ids give {0, false}.
  ConnOutput poll_output(ConnId conn, core::MutableBytes out);
  /// Bytes queued for `conn`.
  std::size_t queued(ConnId conn) const;
  /// True when `conn`'s client said this relay is in its home region (ClientInfo's flag or
  /// NotePreferred); false for unknown ids.
  bool preferred(ConnId conn) const;
  bool poll_event(ServerEvent& event);

  void update_timers(core::Now now);
  std::optional<core::Duration> next_deadline() const;

  const ServerStats& stats() const { return stats_; }
  const ServerConfig& config() const { return config_; }

 private:
  friend struct ServerOps;
  ServerConfig config_;
  core::Random& rng_;
  core::RelayPublicKey public_key_;
  std::unordered_map<ConnId, std::unique_ptr<ServerConn>> conns_;
  /// Seeded from the server's Random, so clients cannot grind node keys into one bucket.
  struct KeyHash {
    uint64_t seed0;
    uint64_t seed1;
    std::size_t operator()(const core::NodePublicKey& k) const;
  };
  std::unordered_map<core::NodePublicKey, ServerConn*, KeyHash> clients_;
  std::deque<ConnId> writable_;
  std::deque<ServerEvent> events_;
  using Timer = std::pair<core::Duration, ConnId>;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers_;
  ServerStats stats_;
};

}  // namespace weft::relay
