// Discovery and path selection (docs/connectivity.md, "Discovery" and "Path selection"): for
// every peer, which way WireGuard's datagrams go now — a direct UDP address that a pong proved,
// or the peer's relay — and the pings, pongs and call-me-maybes that find and keep direct paths.
// Sans-IO with the WireGuard core's contract; C++17-clean. The node engine holds one.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/key.h"
#include "core/path.h"
#include "core/random.h"
#include "core/time.h"
#include "disco/message.h"
#include "disco/peer_paths.h"
#include "util/result.h"

namespace weft::disco {

/// Pings answered with a ping back, per peer and second: a peer (or a replay of its pings
/// with spoofed sources) must not make us ping arbitrary addresses at its rate.
inline constexpr uint32_t kMaxPingBacksPerSecond = 8;
/// Larger discovery datagrams are dropped unopened (we never send more than kMaxMessageSize).
inline constexpr std::size_t kMaxDatagram = kMaxMessageSize + 512;

/// A peer as the netmap describes it.
struct PeerInfo {
  core::NodePublicKey node_key{};
  core::DiscoPublicKey disco_key{};
  std::vector<core::SocketAddress> endpoints;  ///< as the peer reported them
  uint16_t home_region = 0;                    ///< 0: none
};

/// A sealed discovery message to send: to a UDP address, or through a relay
/// (core::Path::via_relay(region, peer node key)).
struct Transmit {
  core::Path to;
  std::vector<uint8_t> bytes;
};

/// The answer to ping(): which way it went and how long the round trip took.
struct PingResult {
  core::NodePublicKey peer{};
  uint32_t id = 0;  ///< ping()'s id
  core::Path via;   ///< a UDP address or a relay region (via_relay(region, peer))
  core::Duration rtt{};
};

struct DiscoveryStats {
  uint64_t pings_sent = 0;
  uint64_t pongs_sent = 0;
  uint64_t call_me_maybe_sent = 0;
  uint64_t pings_received = 0;
  uint64_t pongs_received = 0;
  uint64_t call_me_maybe_received = 0;
  uint64_t direct_upgrades = 0;   ///< a peer went from relay (or nothing) to a proven address
  uint64_t direct_changes = 0;    ///< a better proven address replaced another
  uint64_t relay_fallbacks = 0;   ///< a direct path stopped answering: back to the relay
  // Drops, each counted:
  uint64_t unknown_sender = 0;    ///< a disco key no netmap peer has (or our own)
  uint64_t bad_message = 0;       ///< did not open (key, tag) or did not parse
  uint64_t wrong_node_key = 0;    ///< a ping whose node key is not the netmap's for that disco key
  uint64_t unexpected_pong = 0;   ///< no ping of ours with that tx id (late, replayed, forged)
  uint64_t replayed_ping = 0;     ///< a ping tx id seen before from that peer
  uint64_t unusable_address = 0;  ///< a ping from, or a call-me-maybe naming, an unusable address
  uint64_t call_me_maybe_limited = 0;  ///< call-me-maybe within kCallMeMaybeMinInterval: ignored
  uint64_t ping_backs_limited = 0;     ///< pings back beyond kMaxPingBacksPerSecond: not sent
  uint64_t oversized = 0;              ///< a discovery datagram larger than any we send
  uint64_t transmit_overflow = 0; ///< the output queue was full
};

/// Calling contract (single-threaded; never throws; every call takes `now`):
///  - set_peers() whenever the netmap's peers change; set_local_endpoints() whenever this node's
///    endpoints (interfaces, STUN-observed address) change; set_region_down() from the relay
///    links.
///  - For every WireGuard datagram to a peer, ask path_for() where it goes (this also marks the
///    peer active and may queue discovery messages); for every WireGuard datagram received from
///    a peer, call note_received().
///  - A datagram with the discovery magic, from a UDP address or a relay path -> receive().
///  - When next_deadline() passes, update_timers(). After any call, drain poll_transmit() and
///    poll_ping_result().
class Discovery {
 public:
  /// `rng` (nonces, tx ids) must outlive the object.
  Discovery(const core::DiscoPrivateKey& disco_key, const core::NodePublicKey& node_key,
            core::Random& rng);
  Discovery(const Discovery&) = delete;
  Discovery& operator=(const Discovery&) = delete;

  const core::DiscoPublicKey& disco_public_key() const { return disco_public_; }
  /// This node's node key changed (the server rotated it): pings name the new one.
  void set_node_key(const core::NodePublicKey& node_key) { node_key_ = node_key; }

  /// The netmap's peers: new ones are added (idle), gone ones forgotten, reported endpoints and
  /// home regions of the rest updated (a proven path survives a netmap that no longer lists it
  /// until it stops answering).
  void set_peers(const std::vector<PeerInfo>& peers, core::Now now);
  /// This node's endpoints, as call-me-maybe sends them.
  void set_local_endpoints(const std::vector<core::SocketAddress>& endpoints);
  /// A relay region this node cannot reach now (its connection failed) or can again.
  void set_region_down(uint16_t region, bool down);
  /// This node's own home relay region (0: none). It is the relay guess for a peer whose home
  /// region is down and whose packets came through no region that is up: when a region fails,
  /// the nodes homed there re-home, most often to the same surviving region, and the server
  /// that would tell everyone their new homes may be gone too.
  void set_home_region(uint16_t region) { home_region_ = region; }

  /// Where a WireGuard datagram to `peer` goes now: the proven direct address while it is
  /// trusted, else the relay (the peer's home region, or the region its packets last came
  /// through when the home is down or unknown, or this node's own home region when neither is
  /// up), else the best guess among its reported
  /// addresses (also when every relay region it could use is down: a guess may answer, a dead
  /// relay cannot), else the down relay (so that the relay links redial it); nullopt for an
  /// unknown peer or one with nowhere to go. Marks the peer active:
  /// discovery runs for active peers only.
  std::optional<core::Path> path_for(const core::NodePublicKey& peer, core::Now now);
  /// path_for() without its effects (for status): where a datagram would go now.
  std::optional<core::Path> peek_path(const core::NodePublicKey& peer, core::Now now) const;
  /// A WireGuard datagram from `peer` arrived on `from` (keeps the peer active; a relayed one
  /// tells which region reaches it).
  void note_received(const core::NodePublicKey& peer, const core::Path& from, core::Now now);

  /// A discovery datagram (it has kMagic). Dropped and counted when it does not come from a
  /// netmap peer, does not open, or does not parse. Errors (for the caller's log; all counted):
  /// "disco.unknown_sender", "disco.short", "disco.magic", "disco.auth", "disco.malformed",
  /// "disco.version", "disco.unknown_type", "disco.wrong_node_key", "disco.unexpected_pong",
  /// "disco.replayed_ping", "disco.unusable_address", "disco.rate_limited" (a call-me-maybe too
  /// soon after the last).
  Status receive(const core::Path& from, core::ByteView datagram, core::Now now);

  /// Sends one discovery ping to `peer` the way its data goes now (direct or relay) and marks
  /// the peer active; the pong comes out of poll_ping_result() with `id`. No pong, no result.
  /// Errors: "disco.no_peer", "disco.no_path" (no address and no relay).
  Status ping(const core::NodePublicKey& peer, uint32_t id, core::Now now);

  std::optional<core::Duration> next_deadline() const;
  void update_timers(core::Now now);

  bool poll_transmit(Transmit& out);
  bool poll_ping_result(PingResult& out);

  /// The peer's path state now (kIdle for an unknown peer).
  PathStatus status(const core::NodePublicKey& peer, core::Now now) const;
  const DiscoveryStats& stats() const { return stats_; }

 private:
  struct Peer {
    PeerInfo info;
    PeerPaths paths;
    std::optional<SharedKey> key;  // derived at first use
    bool key_failed = false;       // a low-order disco key: never usable
    uint16_t heard_region = 0;     // the relay region its WireGuard packets last came through
    std::deque<TxId> seen_pings;   // the last kSeenPingIds ping tx ids received (replays)
    std::optional<core::Duration> last_call_me_maybe;  // when one was last acted on
    core::Duration ping_back_window{};  // the start of the second ping_backs counts in
    uint32_t ping_backs = 0;
  };


  Peer* find(const core::NodePublicKey& node);
  const Peer* find(const core::NodePublicKey& node) const;
  const SharedKey* key_of(Peer& p);
  /// The relay path to `p` through a region that is not down (`allow_down`: through its home
  /// region or the region last heard from even when down).
  std::optional<core::Path> relay_path(const Peer& p, bool allow_down = false) const;
  /// Seals `m` for `p` and queues it to `to`; false when it could not.
  bool send(Peer& p, const core::Path& to, const Message& m);
  void send_ping(Peer& p, const core::Path& to, PingPurpose purpose, uint32_t user_id,
                 core::Now now);
  /// Runs what PeerPaths says is due for `p` (pings, a call-me-maybe).
  void run_due(Peer& p, core::Now now);
  void handle_ping(Peer& p, const core::Path& from, const Ping& ping, core::Now now);
  void handle_pong(Peer& p, const core::Path& from, const Pong& pong, core::Now now);
  void handle_call_me_maybe(Peer& p, const CallMeMaybe& cmm, core::Now now);
  void count_path_change(PathChange c);

  static constexpr std::size_t kMaxQueued = 1024;

  core::DiscoPrivateKey disco_private_;
  core::DiscoPublicKey disco_public_;
  core::NodePublicKey node_key_;
  core::Random& rng_;
  std::map<core::NodePublicKey, Peer> peers_;
  std::map<core::DiscoPublicKey, core::NodePublicKey> by_disco_;
  std::vector<core::SocketAddress> local_endpoints_;
  std::vector<uint16_t> down_regions_;
  uint16_t home_region_ = 0;  // this node's own home relay region (set_home_region)
  std::deque<Transmit> out_;
  std::deque<PingResult> results_;
  DiscoveryStats stats_;
  /// The latest `now` seen: next_deadline() judges which peers are active by it.
  core::Duration last_now_{};
  void saw(core::Now now) { last_now_ = std::max(last_now_, now.mono); }
};

}  // namespace weft::disco
