// One peer's paths (docs/connectivity.md, "Path selection"): the candidate addresses, the pings
// in flight, the proven best address and how long it is trusted, and what discovery must send
// when. Pure bookkeeping with `now` passed in: no crypto, no output queue (discovery.h sends).
// C++17-clean.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/path.h"
#include "core/time.h"
#include "disco/message.h"

namespace weft::disco {

// ---- timers (implementation choices, documented in docs/connectivity.md) ----
/// A proven address is used for this long after its last pong: a path that stops answering
/// gives way to the relay within this time (the 5 s failover goal). With heartbeats every 2 s,
/// one lost pong is tolerated.
inline constexpr core::Duration kTrustDuration = std::chrono::milliseconds(4500);
/// While a peer is active on a direct path, its address is pinged this often.
inline constexpr core::Duration kHeartbeatInterval = std::chrono::seconds(2);
/// While a peer is active without a trusted direct path, every candidate is pinged (and a
/// call-me-maybe sent through the relay) this often.
inline constexpr core::Duration kDiscoveryInterval = std::chrono::seconds(3);
/// While on a direct path, the other candidates are pinged this often, so that a better one
/// (a LAN address that appeared, a faster route) can win.
inline constexpr core::Duration kUpgradeInterval = std::chrono::seconds(30);
/// A peer with no WireGuard traffic either way for this long is idle: no discovery traffic.
inline constexpr core::Duration kActiveTimeout = std::chrono::seconds(45);
/// A ping unanswered for this long is forgotten (its pong would be refused).
inline constexpr core::Duration kPingTimeout = std::chrono::seconds(5);
/// One candidate is pinged at most this often, whatever asks for it.
inline constexpr core::Duration kMinPingInterval = std::chrono::milliseconds(900);
/// Addresses learned from call-me-maybe or from a ping's source, not heard of again for this
/// long, are forgotten.
inline constexpr core::Duration kLearnedLifetime = std::chrono::minutes(2);
/// A peer's call-me-maybe is acted on at most this often (each one makes us ping its
/// addresses: a peer must not turn us into a packet cannon).
inline constexpr core::Duration kCallMeMaybeMinInterval = std::chrono::seconds(1);
inline constexpr std::size_t kMaxCandidates = 16;
/// Ping tx ids remembered per peer to refuse replays (a captured ping sent again, maybe from a
/// spoofed source, must not make us pong or ping anyone).
inline constexpr std::size_t kSeenPingIds = 64;
inline constexpr std::size_t kMaxPingsInFlight = 64;

/// Why a ping was sent.
enum class PingPurpose : uint8_t { kDiscovery, kHeartbeat, kUser };

/// What a pong or a timer did to the peer's path.
enum class PathChange : uint8_t {
  kNone,
  kUpgraded,  ///< from the relay (or nothing) to a proven direct address
  kChanged,   ///< a better proven address replaced the one in use
  kFellBack,  ///< the direct address stopped answering: the relay again
};

/// Where a candidate address came from (a bit set: one address can come from several).
enum CandidateSource : uint8_t {
  kFromReport = 1,       ///< the netmap (the peer's own report to the server)
  kFromCallMeMaybe = 2,  ///< the peer's call-me-maybe
  kFromPing = 4,         ///< the source address of a ping the peer sent us
};

struct Candidate {
  core::SocketAddress addr;
  uint8_t sources = 0;
  core::Duration refreshed{};                ///< last time a source named it
  std::optional<core::Duration> last_ping;   ///< last ping sent to it
  std::optional<core::Duration> last_pong;   ///< last pong from it
  core::Duration latency{};                  ///< the round trip of that pong
};

/// `weft status`'s view of a peer.
enum class PathState : uint8_t {
  kIdle,    ///< no traffic for kActiveTimeout (nothing sent, no discovery)
  kDirect,  ///< a proven address in use
  kRelay,   ///< active, through the relay
  kNone,    ///< active, but neither a proven address nor a relay: best guess
};

const char* to_string(PathState s);

struct PathStatus {
  PathState state = PathState::kIdle;
  std::optional<core::SocketAddress> direct;  ///< the proven (or last proven) address
  core::Duration latency{};                   ///< its last pong's round trip
  std::vector<Candidate> candidates;
};

/// A ping in flight.
struct SentPing {
  TxId tx{};
  core::Path to;
  core::Duration sent{};
  PingPurpose purpose = PingPurpose::kDiscovery;
  uint32_t user_id = 0;
};

/// What is due for a peer now.
struct DueWork {
  std::vector<core::SocketAddress> ping;  ///< addresses to ping (discovery or heartbeat)
  PingPurpose purpose = PingPurpose::kDiscovery;
  bool call_me_maybe = false;  ///< send this node's endpoints through the relay too
};

class PeerPaths {
 public:
  /// The peer's reported endpoints (the netmap): replaces the previous report.
  void set_reported(const std::vector<core::SocketAddress>& endpoints, core::Now now);
  /// The addresses of a call-me-maybe: replace the previous one's.
  void set_call_me_maybe(const std::vector<core::SocketAddress>& endpoints, core::Now now);
  /// A ping arrived from `addr`: a candidate (the peer's NAT mapping towards us).
  void learn_from_ping(const core::SocketAddress& addr, core::Now now);

  /// WireGuard traffic to or from the peer.
  void note_active(core::Now now) { last_active_ = now.mono; }
  bool active(core::Now now) const;

  /// The proven address while it is trusted.
  std::optional<core::SocketAddress> trusted(core::Now now) const;
  /// Without a trusted address and without a relay: the last proven address, else the first
  /// reported one.
  std::optional<core::SocketAddress> best_guess() const;

  /// The pings (and call-me-maybe) due now; nothing for an idle peer.
  DueWork due(core::Now now);
  /// True when `addr` may be pinged now (kMinPingInterval since the last ping to it).
  bool may_ping(const core::SocketAddress& addr, core::Now now) const;
  /// True when the last ping to `addr` has had no pong since (it may have been dropped).
  bool awaiting_pong(const core::SocketAddress& addr) const;
  /// A ping went out (the oldest in flight is forgotten beyond kMaxPingsInFlight).
  void ping_sent(const SentPing& ping);

  /// A pong with `tx` arrived on `from`: the ping it answers (nullopt when none in flight has
  /// that tx id and destination). A direct pong proves its address: `change` says what that
  /// did to the path in use.
  std::optional<SentPing> pong(const TxId& tx, const core::Path& from, core::Now now,
                               PathChange& change);

  /// Expires pings and learned candidates; kFellBack once when the trusted address runs out
  /// while the peer is active.
  PathChange update_timers(core::Now now);
  std::optional<core::Duration> next_deadline(core::Now now) const;

  PathStatus status(core::Now now, bool has_relay) const;
  const std::vector<Candidate>& candidates() const { return candidates_; }

  /// `a` should replace `b` as the best address: LAN before public, then a round trip under
  /// 2/3 of the other's.
  static bool better(const Candidate& a, const Candidate& b);
  /// RFC 1918, RFC 6598 excluded (the tailnet's own range), fc00::/7, link-local.
  static bool is_lan(const util::IpAddress& a);
  /// An address a peer may name as a candidate: a unicast address that is not unspecified,
  /// loopback, multicast, broadcast, IPv6 link-local (it needs a zone) or in the tailnet's own
  /// ranges (100.64.0.0/10, fd7a:115c:a1e0::/48: pings there would enter the tunnel), port != 0.
  static bool usable(const core::SocketAddress& a);
  /// The peer restarted (a new disco key): its proven address and pings in flight are stale.
  void forget_proofs();

 private:
  Candidate* find(const core::SocketAddress& addr);
  Candidate& upsert(const core::SocketAddress& addr, CandidateSource source, core::Now now);
  void drop_source(CandidateSource source);
  void prune(core::Now now);

  std::vector<Candidate> candidates_;
  std::vector<SentPing> in_flight_;
  std::optional<core::SocketAddress> best_;
  core::Duration trust_until_{};
  bool was_trusted_ = false;  // for kFellBack, reported once per loss
  std::optional<core::Duration> last_active_;
  std::optional<core::Duration> last_full_ping_;
  std::optional<core::Duration> last_heartbeat_;
};

}  // namespace weft::disco
