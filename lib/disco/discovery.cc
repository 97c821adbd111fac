// Discovery and path selection across the netmap's peers (see discovery.h): sealing, the
// ping/pong/call-me-maybe exchange, and the choice between a proven address and the relay.
#include "disco/discovery.h"

#include <algorithm>

#include "crypto/crypto.h"

namespace weft::disco {

Discovery::Discovery(const core::DiscoPrivateKey& disco_key, const core::NodePublicKey& node_key,
                     core::Random& rng)
    : disco_private_(disco_key),
      disco_public_(crypto::x25519_public(disco_key.bytes)),
      node_key_(node_key),
      rng_(rng) {}

Discovery::Peer* Discovery::find(const core::NodePublicKey& node) {
  auto it = peers_.find(node);
  return it == peers_.end() ? nullptr : &it->second;
}

const Discovery::Peer* Discovery::find(const core::NodePublicKey& node) const {
  auto it = peers_.find(node);
  return it == peers_.end() ? nullptr : &it->second;
}

void Discovery::set_peers(const std::vector<PeerInfo>& peers, core::Now now) {
  saw(now);
  std::map<core::NodePublicKey, Peer> next;
  by_disco_.clear();
  for (const PeerInfo& info : peers) {
    if (info.node_key == node_key_ || info.disco_key.is_zero()) continue;
    auto old = peers_.find(info.node_key);
    Peer p;
    if (old != peers_.end()) {
      p = std::move(old->second);
      if (p.info.disco_key != info.disco_key) {
        // A new disco key (the peer restarted): its old shared key is useless, and what was
        // proven of its old socket may be gone (a new port): prove it again.
        p.key.reset();
        p.key_failed = false;
        p.paths.forget_proofs();
        p.seen_pings.clear();
      }
    }
    p.info = info;
    p.paths.set_reported(info.endpoints, now);
    by_disco_[info.disco_key] = info.node_key;
    next.emplace(info.node_key, std::move(p));
  }
  peers_ = std::move(next);
}

void Discovery::set_local_endpoints(const std::vector<core::SocketAddress>& endpoints) {
  local_endpoints_ = endpoints;
  if (local_endpoints_.size() > kMaxCallMeMaybeEndpoints)
    local_endpoints_.resize(kMaxCallMeMaybeEndpoints);
}

void Discovery::set_region_down(uint16_t region, bool down) {
  auto it = std::find(down_regions_.begin(), down_regions_.end(), region);
  if (down && it == down_regions_.end()) down_regions_.push_back(region);
  if (!down && it != down_regions_.end()) down_regions_.erase(it);
}

const SharedKey* Discovery::key_of(Peer& p) {
  if (!p.key && !p.key_failed) {
    p.key = SharedKey::derive(disco_private_, p.info.disco_key);
    p.key_failed = !p.key;
  }
  return p.key ? &*p.key : nullptr;
}

std::optional<core::Path> Discovery::relay_path(const Peer& p, bool allow_down) const {
  auto usable = [&](uint16_t r) {
    return r != 0 &&
           std::find(down_regions_.begin(), down_regions_.end(), r) == down_regions_.end();
  };
  uint16_t region = 0;
  if (usable(p.info.home_region)) {
    region = p.info.home_region;
  } else if (usable(p.heard_region)) {
    region = p.heard_region;
  } else if (p.info.home_region != 0 && usable(home_region_)) {
    region = home_region_;  // its home failed: it has most likely re-homed where we did
  } else if (allow_down) {
    region = p.info.home_region != 0 ? p.info.home_region : p.heard_region;
  }
  if (region == 0) return std::nullopt;
  return core::Path::via_relay(region, p.info.node_key);
}

std::optional<core::Path> Discovery::path_for(const core::NodePublicKey& peer, core::Now now) {
  saw(now);
  Peer* p = find(peer);
  if (p == nullptr) return std::nullopt;
  p->paths.note_active(now);
  run_due(*p, now);
  return peek_path(peer, now);
}

std::optional<core::Path> Discovery::peek_path(const core::NodePublicKey& peer,
                                               core::Now now) const {
  const Peer* p = find(peer);
  if (p == nullptr) return std::nullopt;
  if (auto direct = p->paths.trusted(now)) return core::Path::to_udp(*direct);
  if (auto relay = relay_path(*p)) return relay;
  if (auto guess = p->paths.best_guess()) return core::Path::to_udp(*guess);
  return relay_path(*p, /*allow_down=*/true);
}

void Discovery::note_received(const core::NodePublicKey& peer, const core::Path& from,
                              core::Now now) {
  saw(now);
  Peer* p = find(peer);
  if (p == nullptr) return;
  p->paths.note_active(now);
  if (from.is_relay()) p->heard_region = static_cast<uint16_t>(from.relay.relay);
}

bool Discovery::send(Peer& p, const core::Path& to, const Message& m) {
  const SharedKey* key = key_of(p);
  if (key == nullptr) return false;
  if (out_.size() >= kMaxQueued) {
    ++stats_.transmit_overflow;
    return false;
  }
  Nonce nonce;
  rng_.fill(nonce.data(), nonce.size());
  Transmit t;
  t.to = to;
  t.bytes.resize(kMaxMessageSize);
  const std::size_t n =
      key->seal(disco_public_, nonce, m, core::MutableBytes{t.bytes.data(), t.bytes.size()});
  if (n == 0) return false;
  t.bytes.resize(n);
  out_.push_back(std::move(t));
  return true;
}

void Discovery::send_ping(Peer& p, const core::Path& to, PingPurpose purpose, uint32_t user_id,
                          core::Now now) {
  Message m;
  m.type = MessageType::kPing;
  rng_.fill(m.ping.tx.data(), m.ping.tx.size());
  m.ping.node_key = node_key_;
  if (!send(p, to, m)) return;
  ++stats_.pings_sent;
  SentPing s;
  s.tx = m.ping.tx;
  s.to = to;
  s.sent = now.mono;
  s.purpose = purpose;
  s.user_id = user_id;
  p.paths.ping_sent(s);
}

void Discovery::run_due(Peer& p, core::Now now) {
  const DueWork w = p.paths.due(now);
  for (const auto& addr : w.ping) send_ping(p, core::Path::to_udp(addr), w.purpose, 0, now);
  if (!w.call_me_maybe) return;
  const auto relay = relay_path(p);
  if (!relay) return;
  Message m;
  m.type = MessageType::kCallMeMaybe;
  m.call_me_maybe.endpoints = local_endpoints_;
  if (send(p, *relay, m)) ++stats_.call_me_maybe_sent;
}

Status Discovery::receive(const core::Path& from, core::ByteView datagram, core::Now now) {
  saw(now);
  if (datagram.size > kMaxDatagram) {
    ++stats_.oversized;
    return make_error("disco.malformed", std::to_string(datagram.size) + "-byte datagram");
  }
  const auto sender = peek_sender(datagram);
  if (!sender) {
    ++stats_.bad_message;
    return make_error("disco.short", "not a discovery message");
  }
  auto who = by_disco_.find(*sender);
  if (who == by_disco_.end()) {
    ++stats_.unknown_sender;
    return make_error("disco.unknown_sender", "no peer has this discovery key");
  }
  Peer* p = find(who->second);
  const SharedKey* key = p != nullptr ? key_of(*p) : nullptr;
  if (key == nullptr) {
    ++stats_.unknown_sender;
    return make_error("disco.unknown_sender", "the peer's discovery key is unusable");
  }
  // Through a relay, the relay vouches for the sending node key: it must be the peer's.
  if (from.is_relay() && from.relay.node != p->info.node_key) {
    ++stats_.wrong_node_key;
    return make_error("disco.wrong_node_key", "relayed by another node than the key's owner");
  }
  Result<Message> m = key->open(datagram);
  if (!m.ok()) {
    ++stats_.bad_message;
    return m.error();
  }
  switch (m.value().type) {
    case MessageType::kPing: {
      if (m.value().ping.node_key != p->info.node_key) {
        ++stats_.wrong_node_key;
        return make_error("disco.wrong_node_key", "ping names another node key");
      }
      const TxId& tx = m.value().ping.tx;
      if (std::find(p->seen_pings.begin(), p->seen_pings.end(), tx) != p->seen_pings.end()) {
        ++stats_.replayed_ping;
        return make_error("disco.replayed_ping", "this ping was received before");
      }
      if (from.is_udp() && !PeerPaths::usable(from.udp)) {
        ++stats_.unusable_address;
        return make_error("disco.unusable_address", "a ping from " + from.udp.to_string());
      }
      if (p->seen_pings.size() >= kSeenPingIds) p->seen_pings.pop_front();
      p->seen_pings.push_back(tx);
      handle_ping(*p, from, m.value().ping, now);
      break;
    }
    case MessageType::kPong: {
      const uint64_t before = stats_.unexpected_pong;
      handle_pong(*p, from, m.value().pong, now);
      if (stats_.unexpected_pong != before)
        return make_error("disco.unexpected_pong", "no ping in flight has this tx id");
      break;
    }
    case MessageType::kCallMeMaybe:
      if (p->last_call_me_maybe && now.mono - *p->last_call_me_maybe < kCallMeMaybeMinInterval) {
        ++stats_.call_me_maybe_limited;
        return make_error("disco.rate_limited", "call-me-maybe too soon after the last");
      }
      p->last_call_me_maybe = now.mono;
      handle_call_me_maybe(*p, m.value().call_me_maybe, now);
      break;
  }
  return Ok{};
}

void Discovery::handle_ping(Peer& p, const core::Path& from, const Ping& ping, core::Now now) {
  ++stats_.pings_received;
  Message m;
  m.type = MessageType::kPong;
  m.pong.tx = ping.tx;
  if (from.is_udp()) m.pong.src = from.udp;
  if (send(p, from, m)) ++stats_.pongs_sent;
  if (!from.is_udp()) return;
  // The ping's source is the peer's mapping towards us: ping it back (while it is not the
  // trusted path), so that this side proves the path too. A ping of ours to that address that
  // is still unanswered was most likely dropped by the peer's NAT before the peer's own
  // outbound ping opened it (the usual first punch): this ping shows the way is open now, so it
  // is answered at once rather than after kMinPingInterval (else this side stays relayed until
  // the peer's next heartbeat, 2 s). One ping back per ping received: no amplification.
  p.paths.learn_from_ping(from.udp, now);
  const auto in_use = p.paths.trusted(now);
  if (in_use && *in_use == from.udp) return;
  if (!p.paths.may_ping(from.udp, now) && !p.paths.awaiting_pong(from.udp)) return;
  if (now.mono - p.ping_back_window >= std::chrono::seconds(1)) {
    p.ping_back_window = now.mono;
    p.ping_backs = 0;
  }
  if (p.ping_backs >= kMaxPingBacksPerSecond) {
    ++stats_.ping_backs_limited;
    return;
  }
  ++p.ping_backs;
  send_ping(p, from, PingPurpose::kDiscovery, 0, now);
}

void Discovery::handle_pong(Peer& p, const core::Path& from, const Pong& pong, core::Now now) {
  PathChange change = PathChange::kNone;
  const auto ping = p.paths.pong(pong.tx, from, now, change);
  if (!ping) {
    ++stats_.unexpected_pong;
    return;
  }
  ++stats_.pongs_received;
  count_path_change(change);
  if (ping->purpose == PingPurpose::kUser) {
    PingResult r;
    r.peer = p.info.node_key;
    r.id = ping->user_id;
    r.via = from;
    r.rtt = now.mono - ping->sent;
    results_.push_back(r);
  }
}

void Discovery::handle_call_me_maybe(Peer& p, const CallMeMaybe& cmm, core::Now now) {
  ++stats_.call_me_maybe_received;
  p.paths.set_call_me_maybe(cmm.endpoints, now);
  // The peer is pinging our addresses now: ping its, so both NATs see outbound packets. Only
  // addresses that became candidates (usable ones, at most kMaxCandidates), each at most once
  // per kMinPingInterval.
  for (const auto& c : p.paths.candidates()) {
    if ((c.sources & kFromCallMeMaybe) == 0 || !p.paths.may_ping(c.addr, now)) continue;
    send_ping(p, core::Path::to_udp(c.addr), PingPurpose::kDiscovery, 0, now);
  }
}

void Discovery::count_path_change(PathChange c) {
  switch (c) {
    case PathChange::kUpgraded: ++stats_.direct_upgrades; break;
    case PathChange::kChanged: ++stats_.direct_changes; break;
    case PathChange::kFellBack: ++stats_.relay_fallbacks; break;
    case PathChange::kNone: break;
  }
}

Status Discovery::ping(const core::NodePublicKey& peer, uint32_t id, core::Now now) {
  saw(now);
  Peer* p = find(peer);
  if (p == nullptr) return make_error("disco.no_peer", "no peer has this node key");
  p->paths.note_active(now);
  run_due(*p, now);
  std::optional<core::Path> to;
  if (auto direct = p->paths.trusted(now)) {
    to = core::Path::to_udp(*direct);
  } else {
    to = relay_path(*p);
  }
  if (!to) {
    if (auto guess = p->paths.best_guess()) to = core::Path::to_udp(*guess);
  }
  if (!to) return make_error("disco.no_path", "the peer has no address and no relay");
  send_ping(*p, *to, PingPurpose::kUser, id, now);
  return Ok{};
}

std::optional<core::Duration> Discovery::next_deadline() const {
  // PeerPaths needs `now` to tell active from idle; the deadlines it reports for an active
  // peer are never later than the idle ones, so the latest activity stands in for it.
  std::optional<core::Duration> at;
  for (const auto& [key, p] : peers_) {
    (void)key;
    core::Now probe;
    probe.mono = last_now_;
    if (auto d = p.paths.next_deadline(probe); d && (!at || *d < *at)) at = d;
  }
  return at;
}

void Discovery::update_timers(core::Now now) {
  saw(now);
  for (auto& [key, p] : peers_) {
    (void)key;
    count_path_change(p.paths.update_timers(now));
    run_due(p, now);
  }
}

bool Discovery::poll_transmit(Transmit& out) {
  if (out_.empty()) return false;
  out = std::move(out_.front());
  out_.pop_front();
  return true;
}

bool Discovery::poll_ping_result(PingResult& out) {
  if (results_.empty()) return false;
  out = results_.front();
  results_.pop_front();
  return true;
}

PathStatus Discovery::status(const core::NodePublicKey& peer, core::Now now) const {
  const Peer* p = find(peer);
  if (p == nullptr) return PathStatus{};
  return p->paths.status(now, relay_path(*p).has_value());
}

}  // namespace weft::disco
