// One peer's paths (see peer_paths.h): candidates, pings in flight, the proven address with its
// trust window, and the discovery schedule.
#include "disco/peer_paths.h"

#include <algorithm>
#include <array>

namespace weft::disco {

const char* to_string(PathState s) {
  switch (s) {
    case PathState::kIdle: return "idle";
    case PathState::kDirect: return "direct";
    case PathState::kRelay: return "relay";
    case PathState::kNone: return "none";
  }
  return "unknown";
}

bool PeerPaths::is_lan(const util::IpAddress& a) {
  const auto& b = a.bytes();
  if (a.is_v4()) {
    return b[0] == 10 || (b[0] == 172 && (b[1] & 0xf0) == 16) || (b[0] == 192 && b[1] == 168) ||
           (b[0] == 169 && b[1] == 254);
  }
  return (b[0] & 0xfe) == 0xfc || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80);
}

bool PeerPaths::usable(const core::SocketAddress& a) {
  if (a.port == 0) return false;
  const auto& b = a.address.bytes();
  if (a.address.is_v4()) {
    if (b[0] == 0 || b[0] == 127 || b[0] >= 224) return false;  // this net, loopback, multi/broadcast
    if (b[0] == 100 && (b[1] & 0xc0) == 64) return false;       // 100.64.0.0/10
    return true;
  }
  static const std::array<uint8_t, 16> zero{};
  if (b == zero) return false;
  std::array<uint8_t, 16> loopback{};
  loopback[15] = 1;
  if (b == loopback) return false;
  if (b[0] == 0xff) return false;                                 // multicast
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return false;        // link-local
  static const uint8_t kTailnet[6] = {0xfd, 0x7a, 0x11, 0x5c, 0xa1, 0xe0};
  if (std::equal(kTailnet, kTailnet + 6, b.begin())) return false;
  // IPv4-mapped addresses never reach here (the codec and the socket unmap them).
  return true;
}

void PeerPaths::forget_proofs() {
  best_.reset();
  trust_until_ = {};
  was_trusted_ = false;
  in_flight_.clear();
  for (auto& c : candidates_) c.last_pong.reset();
}

bool PeerPaths::better(const Candidate& a, const Candidate& b) {
  const bool a_lan = is_lan(a.addr.address);
  const bool b_lan = is_lan(b.addr.address);
  if (a_lan != b_lan) return a_lan;
  return a.latency * 3 < b.latency * 2;
}

Candidate* PeerPaths::find(const core::SocketAddress& addr) {
  for (auto& c : candidates_)
    if (c.addr == addr) return &c;
  return nullptr;
}

Candidate& PeerPaths::upsert(const core::SocketAddress& addr, CandidateSource source,
                             core::Now now) {
  if (Candidate* c = find(addr)) {
    c->sources |= source;
    c->refreshed = now.mono;
    return *c;
  }
  if (candidates_.size() >= kMaxCandidates) {
    // Room for the new one: the stalest address that the peer's report does not name and
    // that is not the one in use.
    auto victim = candidates_.end();
    for (auto it = candidates_.begin(); it != candidates_.end(); ++it) {
      if ((it->sources & kFromReport) != 0 || (best_ && it->addr == *best_)) continue;
      if (victim == candidates_.end() || it->refreshed < victim->refreshed) victim = it;
    }
    if (victim == candidates_.end()) {
      // A report of more than kMaxCandidates: keep its first ones, and the address in use.
      for (auto it = candidates_.end(); it != candidates_.begin();) {
        --it;
        if (best_ && it->addr == *best_) continue;
        victim = it;
        break;
      }
    }
    if (victim != candidates_.end()) candidates_.erase(victim);
  }
  Candidate c;
  c.addr = addr;
  c.sources = source;
  c.refreshed = now.mono;
  candidates_.push_back(c);
  return candidates_.back();
}

void PeerPaths::drop_source(CandidateSource source) {
  for (auto& c : candidates_) c.sources &= static_cast<uint8_t>(~source);
  candidates_.erase(std::remove_if(candidates_.begin(), candidates_.end(),
                                   [&](const Candidate& c) {
                                     return c.sources == 0 && !(best_ && c.addr == *best_);
                                   }),
                    candidates_.end());
}

void PeerPaths::set_reported(const std::vector<core::SocketAddress>& endpoints, core::Now now) {
  drop_source(kFromReport);
  for (const auto& e : endpoints) {
    if (!usable(e)) continue;
    upsert(e, kFromReport, now);
  }
}

void PeerPaths::set_call_me_maybe(const std::vector<core::SocketAddress>& endpoints,
                                  core::Now now) {
  drop_source(kFromCallMeMaybe);
  for (const auto& e : endpoints) {
    if (!usable(e)) continue;
    upsert(e, kFromCallMeMaybe, now);
  }
}

void PeerPaths::learn_from_ping(const core::SocketAddress& addr, core::Now now) {
  upsert(addr, kFromPing, now);
}

bool PeerPaths::active(core::Now now) const {
  return last_active_ && now.mono - *last_active_ < kActiveTimeout;
}

std::optional<core::SocketAddress> PeerPaths::trusted(core::Now now) const {
  if (best_ && now.mono < trust_until_) return best_;
  return std::nullopt;
}

std::optional<core::SocketAddress> PeerPaths::best_guess() const {
  if (best_) return best_;
  for (const auto& c : candidates_)
    if ((c.sources & kFromReport) != 0) return c.addr;
  if (!candidates_.empty()) return candidates_.front().addr;
  return std::nullopt;
}

bool PeerPaths::may_ping(const core::SocketAddress& addr, core::Now now) const {
  for (const auto& c : candidates_) {
    if (c.addr != addr) continue;
    return !c.last_ping || now.mono - *c.last_ping >= kMinPingInterval;
  }
  return true;
}

bool PeerPaths::awaiting_pong(const core::SocketAddress& addr) const {
  for (const auto& c : candidates_) {
    if (c.addr != addr) continue;
    return c.last_ping && (!c.last_pong || *c.last_pong < *c.last_ping);
  }
  return false;
}

DueWork PeerPaths::due(core::Now now) {
  DueWork w;
  if (!active(now)) return w;
  const auto in_use = trusted(now);
  if (in_use) {
    if (!last_heartbeat_ || now.mono - *last_heartbeat_ >= kHeartbeatInterval) {
      last_heartbeat_ = now.mono;
      if (may_ping(*in_use, now)) w.ping.push_back(*in_use);
      w.purpose = PingPurpose::kHeartbeat;
    }
    if (last_full_ping_ && now.mono - *last_full_ping_ < kUpgradeInterval) return w;
  } else if (last_full_ping_ && now.mono - *last_full_ping_ < kDiscoveryInterval) {
    return w;
  }
  // A full round: every candidate, and (without a trusted path) a call-me-maybe so that the
  // peer pings us back at the same time.
  last_full_ping_ = now.mono;
  w.purpose = PingPurpose::kDiscovery;
  for (const auto& c : candidates_) {
    if (std::find(w.ping.begin(), w.ping.end(), c.addr) != w.ping.end()) continue;
    if (may_ping(c.addr, now)) w.ping.push_back(c.addr);
  }
  w.call_me_maybe = !in_use;
  return w;
}

void PeerPaths::ping_sent(const SentPing& ping) {
  if (ping.to.is_udp()) {
    if (Candidate* c = find(ping.to.udp)) c->last_ping = ping.sent;
  }
  if (in_flight_.size() >= kMaxPingsInFlight) in_flight_.erase(in_flight_.begin());
  in_flight_.push_back(ping);
}

std::optional<SentPing> PeerPaths::pong(const TxId& tx, const core::Path& from, core::Now now,
                                        PathChange& change) {
  change = PathChange::kNone;
  auto it = std::find_if(in_flight_.begin(), in_flight_.end(),
                         [&](const SentPing& p) { return p.tx == tx; });
  if (it == in_flight_.end()) return std::nullopt;
  // A pong proves the path it came back on, which must be the one the ping took (a pong for a
  // direct ping that comes through a relay proves nothing about the address).
  if (!(it->to == from)) return std::nullopt;
  SentPing ping = *it;
  in_flight_.erase(it);
  if (!from.is_udp()) return ping;
  Candidate* c = find(from.udp);
  if (c == nullptr) {
    // Pruned while the ping was in flight: the pong brings it back.
    c = &upsert(from.udp, kFromPing, now);
  }
  c->last_pong = now.mono;
  c->latency = now.mono - ping.sent;
  const bool had_trusted = trusted(now).has_value();
  if (best_ && *best_ == c->addr) {
    trust_until_ = now.mono + kTrustDuration;
  } else {
    const Candidate* current = best_ ? find(*best_) : nullptr;
    if (!had_trusted || current == nullptr || better(*c, *current)) {
      change = had_trusted ? PathChange::kChanged : PathChange::kUpgraded;
      best_ = c->addr;
      trust_until_ = now.mono + kTrustDuration;
    }
  }
  if (!had_trusted && change == PathChange::kNone) change = PathChange::kUpgraded;
  was_trusted_ = true;
  if (best_ && *best_ == c->addr) {
    // The pong was as good as a heartbeat; a path proven outside a full round starts its
    // upgrade interval now.
    last_heartbeat_ = now.mono;
    if (!last_full_ping_) last_full_ping_ = now.mono;
  }
  return ping;
}

void PeerPaths::prune(core::Now now) {
  candidates_.erase(
      std::remove_if(candidates_.begin(), candidates_.end(),
                     [&](const Candidate& c) {
                       if ((c.sources & kFromReport) != 0) return false;
                       if (best_ && c.addr == *best_) return false;
                       return now.mono - c.refreshed >= kLearnedLifetime;
                     }),
      candidates_.end());
}

PathChange PeerPaths::update_timers(core::Now now) {
  in_flight_.erase(std::remove_if(in_flight_.begin(), in_flight_.end(),
                                  [&](const SentPing& p) {
                                    return now.mono - p.sent >= kPingTimeout;
                                  }),
                   in_flight_.end());
  prune(now);
  if (was_trusted_ && !trusted(now)) {
    was_trusted_ = false;
    // An idle peer's trust running out is no fallback: nothing was sent.
    return active(now) ? PathChange::kFellBack : PathChange::kNone;
  }
  return PathChange::kNone;
}

std::optional<core::Duration> PeerPaths::next_deadline(core::Now now) const {
  std::optional<core::Duration> at;
  auto earliest = [&](core::Duration d) {
    if (!at || d < *at) at = d;
  };
  for (const auto& p : in_flight_) earliest(p.sent + kPingTimeout);
  if (was_trusted_) earliest(trust_until_);
  if (active(now)) {
    if (trusted(now)) {
      earliest(last_heartbeat_ ? *last_heartbeat_ + kHeartbeatInterval : now.mono);
      earliest(last_full_ping_ ? *last_full_ping_ + kUpgradeInterval : now.mono);
    } else {
      earliest(last_full_ping_ ? *last_full_ping_ + kDiscoveryInterval : now.mono);
    }
  }
  for (const auto& c : candidates_) {
    if ((c.sources & kFromReport) != 0 || (best_ && c.addr == *best_)) continue;
    earliest(c.refreshed + kLearnedLifetime);
  }
  return at;
}

PathStatus PeerPaths::status(core::Now now, bool has_relay) const {
  PathStatus s;
  s.candidates = candidates_;
  s.direct = best_;
  if (best_) {
    for (const auto& c : candidates_)
      if (c.addr == *best_) s.latency = c.latency;
  }
  if (trusted(now)) {
    s.state = PathState::kDirect;
  } else if (!active(now)) {
    s.state = PathState::kIdle;
  } else {
    s.state = has_relay ? PathState::kRelay : PathState::kNone;
  }
  return s;
}

}  // namespace weft::disco
