// The node's relay connections (docs/connectivity.md, "Relays in the node"): one relay client
// core per region in use, the dial and close requests the driver acts on, reconnection with
// backoff, and the idle close of regions other than the home one. Internal to lib/engine.
// C++17-clean.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "control/messages.h"
#include "core/bytes.h"
#include "core/key.h"
#include "core/path.h"
#include "core/random.h"
#include "core/time.h"
#include "relay/client.h"

namespace weft::engine {

/// What the driver must do for a relay connection.
struct RelayRequest {
  enum class Kind : uint8_t {
    kDial,   ///< connect to `node` and upgrade; then relay_connected() or relay_dial_failed()
    kClose,  ///< close the connection of `link` (no relay_disconnected() needed afterwards)
  };
  Kind kind = Kind::kDial;
  uint32_t link = 0;  ///< the driver's handle for this connection, never reused
  uint16_t region = 0;
  control::RelayNode node;
};

/// A region's relay connection as `weft status` shows it.
struct RelayLinkStatus {
  uint16_t region = 0;
  std::string code;
  std::string node;  ///< the relay node in use
  bool home = false;
  bool ready = false;  ///< the relay accepted us
  std::optional<core::Duration> rtt;  ///< the last Ping/Pong round trip
};

struct RelayLinkStats {
  uint64_t dials = 0;
  uint64_t dial_failures = 0;
  uint64_t disconnects = 0;     ///< connections that ended or were closed as broken
  uint64_t idle_closes = 0;     ///< non-home connections closed after kIdleClose unused
  uint64_t packets_sent = 0;    ///< packets handed to a relay client
  uint64_t packets_received = 0;
  uint64_t send_dropped = 0;    ///< no such region in the map, or the client's queue refused it
  uint64_t peer_gone = 0;       ///< PeerGone notices from relays
};

class RelayLinks {
 public:
  /// A non-home connection unused (no packet sent or received) this long is closed.
  static constexpr core::Duration kIdleClose = std::chrono::seconds(60);
  /// Redial backoff after a failed dial or a lost connection: doubling from the first, jittered.
  static constexpr core::Duration kFirstBackoff = std::chrono::milliseconds(500);
  static constexpr core::Duration kMaxBackoff = std::chrono::seconds(30);
  /// Packets kept for a link still being dialed (sent once it is connected).
  static constexpr std::size_t kMaxEarlyPackets = 16;

  RelayLinks(const core::NodePrivateKey& node_key, core::Random& rng);
  ~RelayLinks();
  RelayLinks(const RelayLinks&) = delete;
  RelayLinks& operator=(const RelayLinks&) = delete;

  /// A new relay map: connections to regions that left it (or whose relay nodes changed) are
  /// closed; the home is kept only if its region is still there.
  void set_map(const std::vector<control::RelayRegion>& regions, core::Now now);
  const std::vector<control::RelayRegion>& map() const { return map_; }
  const control::RelayRegion* region(uint16_t id) const;
  /// The home region (0: none): kept connected, marked preferred.
  void set_home(uint16_t region, core::Now now);
  uint16_t home() const { return home_; }
  /// A new node key (rotation): every connection starts over under it.
  void set_node_key(const core::NodePrivateKey& key, core::Now now);
  /// Opens a connection to `region` if there is none (and pings it once ready: `probe`).
  void want(uint16_t region, core::Now now, bool probe = false);

  /// Queues `packet` for `dst` through `region`'s relay, connecting first if needed (up to
  /// kMaxEarlyPackets wait for the dial). False (counted in send_dropped) when the region is
  /// not in the map or has no relay nodes, the link is between connections (backoff), or a
  /// queue is full.
  bool send(uint16_t region, const core::NodePublicKey& dst, core::ByteView packet,
            core::Now now);

  // ---- the driver ----
  bool poll_request(RelayRequest& out);
  void connected(uint32_t link, core::Now now);
  void dial_failed(uint32_t link, core::Now now);
  void bytes(uint32_t link, core::ByteView data, core::Now now);
  void disconnected(uint32_t link, core::Now now);
  /// Bytes to write to `link`'s connection: moves up to out.size bytes, returns the count; false
  /// when no connection has any.
  bool poll_output(uint32_t& link, core::MutableBytes out, std::size_t& size);
  /// The same for one connection: up to out.size bytes for `link`; 0 when it has none.
  std::size_t poll_output_of(uint32_t link, core::MutableBytes out);
  /// The next packet received through any relay: its path (region, source node) and bytes.
  std::size_t poll_packet(core::Path& from, core::MutableBytes out);

  /// Round trips measured by relay Ping/Pong, for the home-region choice: (region, rtt).
  bool poll_latency(uint16_t& region, core::Duration& rtt);
  /// Regions whose connection broke since the last call (for the home-region choice).
  bool poll_region_down(uint16_t& region);
  /// Latencies or failures are waiting for poll_latency() / poll_region_down().
  bool has_news() const { return !latencies_.empty() || !down_.empty(); }

  void update_timers(core::Now now);
  std::optional<core::Duration> next_deadline() const;

  std::vector<RelayLinkStatus> status() const;
  const RelayLinkStats& stats() const { return stats_; }

 private:
  enum class LinkState : uint8_t { kDialing, kConnected, kBackoff };
  struct Link {
    uint32_t id = 0;  // 0 while in backoff (no connection)
    uint16_t region = 0;
    std::size_t node_index = 0;
    LinkState state = LinkState::kDialing;
    std::unique_ptr<relay::Client> client;
    core::Duration last_used{};
    core::Duration retry_at{};
    core::Duration backoff{};
    bool probe = false;  // ping once ready
    std::vector<std::pair<core::NodePublicKey, std::vector<uint8_t>>> early;  // while dialing
    std::optional<core::Duration> rtt;
  };

  Link* find_link(uint32_t id);
  void dial(Link& l, core::Now now);
  void drain_events(Link& l, core::Now now);
  void lost(Link& l, core::Now now, bool dial_failure);
  void close(uint16_t region);

  core::NodePrivateKey node_key_;
  core::Random& rng_;
  std::vector<control::RelayRegion> map_;
  std::map<uint16_t, Link> links_;  // by region
  uint16_t home_ = 0;
  uint32_t next_link_ = 1;
  std::deque<RelayRequest> requests_;
  std::deque<std::pair<uint16_t, core::Duration>> latencies_;
  std::deque<uint16_t> down_;
  RelayLinkStats stats_;
};

}  // namespace weft::engine
