// Discovery between two nodes over an in-memory wire with a direct link that can be cut and a
// relay that always carries: relay first, direct once a pong proves it, back to the relay within
// kTrustDuration of a cut, direct again after, LAN before public, roaming followed.
#define BOOST_TEST_MODULE disco_discovery
#include <boost/test/unit_test.hpp>

#include <map>
#include <set>

#include "core/random.h"
#include "crypto/crypto.h"
#include "disco/discovery.h"

using namespace weft;
using namespace std::chrono_literals;

namespace weft::disco {
std::ostream& operator<<(std::ostream& o, PathState s) { return o << to_string(s); }
}  // namespace weft::disco

namespace {

constexpr uint16_t kRegion = 900;

core::SocketAddress addr(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port) {
  return core::SocketAddress{util::IpAddress::v4({a, b, c, d}), port};
}

struct Node {
  core::DiscoPrivateKey disco_priv;
  core::NodePublicKey node_key;
  std::vector<core::SocketAddress> addrs;  // where its socket answers
  core::SocketAddress source;              // what its datagrams come from
  std::unique_ptr<disco::Discovery> d;
};

/// Two nodes, a wire with per-address reachability and a relay region.
struct Wire {
  core::SeededRandom rng{7};
  Node a, b;
  core::Duration t = 1s;
  std::set<core::SocketAddress> blocked;  // destination addresses the direct link drops
  /// Datagrams to an address dropped before any gets through (a NAT that lets nothing in
  /// until the node behind it has sent out).
  std::map<core::SocketAddress, int> drop_first;
  bool relay_up = true;
  std::size_t relayed = 0, direct = 0;

  Wire() {
    init(a, 1, {addr(198, 51, 100, 1, 41641)});
    init(b, 2, {addr(203, 0, 113, 2, 41641)});
  }
  void init(Node& n, uint8_t seed, std::vector<core::SocketAddress> addrs) {
    core::KeyBytes raw{};
    raw.fill(seed);
    n.disco_priv = core::DiscoPrivateKey(crypto::x25519_private_from_random(raw));
    raw.fill(static_cast<uint8_t>(seed + 100));
    n.node_key = core::NodePublicKey(raw);
    n.addrs = std::move(addrs);
    n.source = n.addrs.front();
    n.d = std::make_unique<disco::Discovery>(n.disco_priv, n.node_key, rng);
  }
  core::Now now() const {
    core::Now n;
    n.mono = t;
    return n;
  }
  disco::PeerInfo info_of(const Node& n, std::vector<core::SocketAddress> endpoints) {
    disco::PeerInfo i;
    i.node_key = n.node_key;
    i.disco_key = n.d->disco_public_key();
    i.endpoints = std::move(endpoints);
    i.home_region = kRegion;
    return i;
  }
  void netmaps() {
    a.d->set_peers({info_of(b, b.addrs)}, now());
    b.d->set_peers({info_of(a, a.addrs)}, now());
    a.d->set_local_endpoints(a.addrs);
    b.d->set_local_endpoints(b.addrs);
  }
  Node* owner(const core::SocketAddress& to) {
    for (Node* n : {&a, &b})
      for (const auto& x : n->addrs)
        if (x == to) return n;
    return nullptr;
  }
  /// Delivers everything queued, repeatedly, at the current time.
  void pump() {
    for (int round = 0; round < 20; ++round) {
      bool any = false;
      for (Node* from : {&a, &b}) {
        Node* other = from == &a ? &b : &a;
        disco::Transmit tx;
        while (from->d->poll_transmit(tx)) {
          any = true;
          if (tx.to.is_relay()) {
            if (!relay_up || tx.to.relay.node != other->node_key) continue;
            ++relayed;
            (void)other->d->receive(core::Path::via_relay(tx.to.relay.relay, from->node_key),
                                    core::ByteView{tx.bytes.data(), tx.bytes.size()}, now());
          } else {
            Node* to = owner(tx.to.udp);
            if (to == nullptr || to == from || blocked.count(tx.to.udp) != 0) continue;
            if (auto it = drop_first.find(tx.to.udp); it != drop_first.end() && it->second > 0) {
              --it->second;
              continue;
            }
            ++direct;
            // A node with a LAN address sends to LAN addresses from it.
            core::SocketAddress src = from->source;
            if (disco::PeerPaths::is_lan(tx.to.udp.address))
              for (const auto& x : from->addrs)
                if (disco::PeerPaths::is_lan(x.address)) src = x;
            (void)to->d->receive(core::Path::to_udp(src),
                                 core::ByteView{tx.bytes.data(), tx.bytes.size()}, now());
          }
        }
      }
      if (!any) return;
    }
  }
  /// Advances by `step`, both sides sending data to each other and running their timers.
  void run(core::Duration total, core::Duration step = 100ms) {
    for (core::Duration e{}; e < total; e += step) {
      t += step;
      (void)a.d->path_for(b.node_key, now());
      (void)b.d->path_for(a.node_key, now());
      a.d->update_timers(now());
      b.d->update_timers(now());
      pump();
    }
  }
  std::optional<core::Path> a_path() { return a.d->path_for(b.node_key, now()); }
};

}  // namespace

BOOST_AUTO_TEST_CASE(first_packet_goes_through_the_relay_then_direct_once_a_pong_proves_it) {
  Wire w;
  w.netmaps();
  auto first = w.a_path();
  BOOST_REQUIRE(first);
  BOOST_TEST(first->is_relay());
  BOOST_TEST(first->relay.relay == kRegion);
  w.pump();
  auto after = w.a_path();
  BOOST_REQUIRE(after);
  BOOST_TEST(after->is_udp());
  BOOST_TEST(after->udp.to_string() == "203.0.113.2:41641");
  BOOST_TEST(w.a.d->stats().direct_upgrades == 1u);
  BOOST_TEST(w.a.d->status(w.b.node_key, w.now()).state == disco::PathState::kDirect);
}

BOOST_AUTO_TEST_CASE(punches_from_both_sides_through_call_me_maybe) {
  // b's reported endpoint is not where it answers (its NAT mapping differs); only the source
  // of b's own pings, prompted by a's call-me-maybe, proves a path.
  Wire w;
  w.b.addrs = {addr(203, 0, 113, 2, 41641)};
  w.a.d->set_peers({w.info_of(w.b, {addr(203, 0, 113, 2, 9)})}, w.now());
  w.b.d->set_peers({w.info_of(w.a, w.a.addrs)}, w.now());
  w.a.d->set_local_endpoints(w.a.addrs);
  w.run(200ms);
  BOOST_TEST(w.a.d->stats().call_me_maybe_sent >= 1u);
  BOOST_TEST(w.b.d->stats().call_me_maybe_received >= 1u);
  auto p = w.a_path();
  BOOST_REQUIRE(p);
  BOOST_TEST(p->is_udp());
  BOOST_TEST(p->udp.to_string() == "203.0.113.2:41641");
}

BOOST_AUTO_TEST_CASE(pings_back_at_once_when_the_peers_nat_dropped_the_first_ping) {
  // a's first ping reaches b's NAT before b has sent anything out and is dropped. b's ping,
  // prompted by a's call-me-maybe, gets through (a's ping opened a's NAT): a pings back at
  // once, not kMinPingInterval later, so both sides are direct in the same instant rather than
  // a only at b's next heartbeat.
  Wire w;
  w.netmaps();
  w.drop_first[w.b.addrs.front()] = 1;
  auto first = w.a_path();
  BOOST_REQUIRE(first);
  BOOST_TEST(first->is_relay());
  w.pump();
  BOOST_TEST(w.drop_first[w.b.addrs.front()] == 0);
  BOOST_TEST(w.b.d->status(w.a.node_key, w.now()).state == disco::PathState::kDirect);
  BOOST_TEST(w.a.d->status(w.b.node_key, w.now()).state == disco::PathState::kDirect);
  auto p = w.a_path();
  BOOST_REQUIRE(p);
  BOOST_TEST(p->is_udp());
  // The first ping, one back to b's ping, nothing more: a pings back once per ping received.
  BOOST_TEST(w.a.d->stats().pings_sent == 2u);
  BOOST_TEST(w.b.d->stats().pings_sent == 1u);
}

BOOST_AUTO_TEST_CASE(falls_back_to_the_relay_within_five_seconds_of_a_cut_and_returns) {
  Wire w;
  w.netmaps();
  w.run(10s);
  BOOST_REQUIRE(w.a_path()->is_udp());
  w.blocked = {w.b.addrs.front(), w.a.addrs.front()};
  core::Duration cut = w.t, fell{};
  while (w.t - cut < 10s) {
    w.run(50ms, 50ms);
    if (w.a_path()->is_relay()) {
      fell = w.t - cut;
      break;
    }
  }
  BOOST_TEST_MESSAGE("fell back after " << std::chrono::duration<double>(fell).count() << " s");
  BOOST_TEST(fell > core::Duration{});
  BOOST_TEST(fell <= 5s);
  BOOST_TEST(w.a.d->stats().relay_fallbacks >= 1u);
  BOOST_TEST(w.a.d->status(w.b.node_key, w.now()).state == disco::PathState::kRelay);
  // Relayed traffic keeps discovery running: the path returns within one discovery round.
  w.blocked.clear();
  w.run(disco::kDiscoveryInterval + 500ms);
  BOOST_TEST(w.a_path()->is_udp());
}

BOOST_AUTO_TEST_CASE(lan_address_wins_over_public_one) {
  Wire w;
  w.a.addrs = {addr(198, 51, 100, 1, 41641), addr(192, 168, 1, 1, 41641)};
  w.b.addrs = {addr(203, 0, 113, 2, 41641), addr(192, 168, 1, 2, 41641)};
  w.netmaps();
  w.run(1s);
  auto p = w.a_path();
  BOOST_REQUIRE(p);
  BOOST_TEST(p->udp.to_string() == "192.168.1.2:41641");
}

BOOST_AUTO_TEST_CASE(better_needs_a_clearly_lower_latency_in_the_same_class) {
  disco::Candidate pub1{addr(203, 0, 113, 1, 1), 0, {}, {}, {}, 30ms};
  disco::Candidate pub2{addr(198, 51, 100, 1, 1), 0, {}, {}, {}, 25ms};
  disco::Candidate pub3{addr(198, 51, 100, 2, 1), 0, {}, {}, {}, 10ms};
  disco::Candidate lan{addr(10, 0, 0, 1, 1), 0, {}, {}, {}, 50ms};
  BOOST_TEST(!disco::PeerPaths::better(pub2, pub1));  // hysteresis: 25 is not < 20
  BOOST_TEST(disco::PeerPaths::better(pub3, pub1));
  BOOST_TEST(disco::PeerPaths::better(lan, pub3));  // LAN first, whatever the latency
  BOOST_TEST(!disco::PeerPaths::better(pub3, lan));
  BOOST_TEST(disco::PeerPaths::is_lan(util::IpAddress::parse("fd00::1").value()));
  BOOST_TEST(!disco::PeerPaths::is_lan(util::IpAddress::parse("100.64.0.1").value()));
}

BOOST_AUTO_TEST_CASE(follows_a_peer_that_moved_to_another_address) {
  Wire w;
  w.netmaps();
  w.run(5s);
  BOOST_REQUIRE(w.a_path()->udp.to_string() == "203.0.113.2:41641");
  // b roams: its old address is gone, its datagrams now come from a new one.
  w.b.addrs = {addr(192, 0, 2, 77, 5555)};
  w.b.source = w.b.addrs.front();
  w.b.d->set_local_endpoints(w.b.addrs);
  w.run(10s);
  auto p = w.a_path();
  BOOST_REQUIRE(p);
  BOOST_TEST(p->is_udp());
  BOOST_TEST(p->udp.to_string() == "192.0.2.77:5555");
}

BOOST_AUTO_TEST_CASE(an_idle_peer_gets_no_discovery_traffic) {
  Wire w;
  w.netmaps();
  for (int i = 0; i < 100; ++i) {
    w.t += 1s;
    w.a.d->update_timers(w.now());
  }
  disco::Transmit tx;
  BOOST_TEST(!w.a.d->poll_transmit(tx));
  BOOST_TEST(w.a.d->status(w.b.node_key, w.now()).state == disco::PathState::kIdle);
  // Active once, idle again after kActiveTimeout: pings stop.
  (void)w.a_path();
  w.t += disco::kActiveTimeout + 1s;
  w.a.d->update_timers(w.now());
  w.pump();
  const auto sent = w.a.d->stats().pings_sent;
  for (int i = 0; i < 20; ++i) {
    w.t += 1s;
    w.a.d->update_timers(w.now());
  }
  BOOST_TEST(w.a.d->stats().pings_sent == sent);
  BOOST_TEST(w.a.d->status(w.b.node_key, w.now()).state == disco::PathState::kIdle);
}

BOOST_AUTO_TEST_CASE(user_ping_goes_through_the_relay_then_direct) {
  Wire w;
  w.netmaps();
  BOOST_TEST(w.a.d->ping(w.b.node_key, 1, w.now()).ok());
  w.pump();
  disco::PingResult r;
  std::vector<disco::PingResult> results;
  while (w.a.d->poll_ping_result(r)) results.push_back(r);
  BOOST_REQUIRE(results.size() == 1u);
  BOOST_TEST(results[0].id == 1u);
  BOOST_TEST(results[0].via.is_relay());
  w.t += 1s;
  BOOST_TEST(w.a.d->ping(w.b.node_key, 2, w.now()).ok());
  w.pump();
  BOOST_REQUIRE(w.a.d->poll_ping_result(r));
  BOOST_TEST(r.id == 2u);
  BOOST_TEST(r.via.is_udp());
  core::NodePublicKey stranger;
  stranger.bytes.fill(9);
  BOOST_TEST(w.a.d->ping(stranger, 3, w.now()).error().code == "disco.no_peer");
}

BOOST_AUTO_TEST_CASE(refuses_strangers_forgeries_and_unexpected_pongs) {
  Wire w;
  w.netmaps();
  (void)w.a_path();
  disco::Transmit tx;
  BOOST_REQUIRE(w.a.d->poll_transmit(tx));
  const core::ByteView bytes{tx.bytes.data(), tx.bytes.size()};
  // A node the netmap does not list (b forgets a).
  auto saved = w.info_of(w.a, w.a.addrs);
  w.b.d->set_peers({}, w.now());
  BOOST_TEST(w.b.d->receive(core::Path::to_udp(w.a.source), bytes, w.now()).error().code ==
             "disco.unknown_sender");
  w.b.d->set_peers({saved}, w.now());
  // Relayed by another node than the disco key's owner.
  core::NodePublicKey other;
  other.bytes.fill(42);
  BOOST_TEST(w.b.d->receive(core::Path::via_relay(kRegion, other), bytes, w.now()).error().code ==
             "disco.wrong_node_key");
  // Altered.
  std::vector<uint8_t> bad = tx.bytes;
  bad.back() ^= 1;
  BOOST_TEST(w.b.d->receive(core::Path::to_udp(w.a.source), core::ByteView{bad.data(), bad.size()},
                            w.now())
                 .error()
                 .code == "disco.auth");
  // The genuine one opens; its pong, replayed, is refused the second time.
  BOOST_TEST(w.b.d->receive(tx.to.is_relay() ? core::Path::via_relay(kRegion, w.a.node_key)
                                             : core::Path::to_udp(w.a.source),
                            bytes, w.now())
                 .ok());
  disco::Transmit pong;
  std::vector<disco::Transmit> from_b;
  while (w.b.d->poll_transmit(pong)) from_b.push_back(pong);
  BOOST_REQUIRE(!from_b.empty());
  const auto& p = from_b.front();
  const core::Path back = p.to.is_relay() ? core::Path::via_relay(kRegion, w.b.node_key)
                                          : core::Path::to_udp(w.b.source);
  const core::ByteView pb{p.bytes.data(), p.bytes.size()};
  BOOST_TEST(w.a.d->receive(back, pb, w.now()).ok());
  BOOST_TEST(w.a.d->receive(back, pb, w.now()).error().code == "disco.unexpected_pong");
  BOOST_TEST(w.a.d->stats().unexpected_pong == 1u);
  BOOST_TEST(w.b.d->stats().unknown_sender == 1u);
  BOOST_TEST(w.b.d->stats().wrong_node_key == 1u);
  BOOST_TEST(w.b.d->stats().bad_message == 1u);
}

BOOST_AUTO_TEST_CASE(deadline_never_stays_in_the_past) {
  Wire w;
  w.netmaps();
  for (int i = 0; i < 600; ++i) {
    w.t += 100ms;
    if (i % 3 == 0) (void)w.a_path();
    w.a.d->update_timers(w.now());
    w.b.d->update_timers(w.now());
    w.pump();
    auto at = w.a.d->next_deadline();
    if (at) BOOST_TEST_REQUIRE((*at > w.t), "deadline in the past at step " << i);
  }
}

BOOST_AUTO_TEST_CASE(with_every_relay_region_down_the_reported_address_is_tried) {
  Wire w;
  w.netmaps();
  w.a.d->set_region_down(kRegion, true);
  auto p = w.a_path();
  BOOST_REQUIRE(p);
  BOOST_TEST(p->is_udp());
  BOOST_TEST(p->udp.to_string() == "203.0.113.2:41641");
  w.a.d->set_region_down(kRegion, false);
  w.t += 10s;  // idle again, trust gone: the relay is back in use
  w.b.addrs = {addr(203, 0, 113, 99, 1)};  // nothing answers at b's reported address now
  BOOST_TEST(w.a_path()->is_relay());
}

BOOST_AUTO_TEST_CASE(a_peer_whose_home_region_failed_is_tried_through_our_own_home) {
  Wire w;
  w.netmaps();
  constexpr uint16_t kOther = kRegion + 1;
  w.b.addrs = {addr(203, 0, 113, 99, 1)};  // no direct path: relays only
  w.a.d->set_peers({w.info_of(w.b, w.b.addrs)}, w.now());
  w.a.d->set_home_region(kOther);  // a re-homed after b's (and its own) region failed
  w.a.d->set_region_down(kRegion, true);
  auto p = w.a_path();
  BOOST_REQUIRE(p);
  BOOST_TEST(p->is_relay());
  BOOST_TEST(p->relay.relay == kOther);
  // Without a home of our own the reported address is the guess, as before.
  w.a.d->set_home_region(0);
  BOOST_TEST(w.a_path()->is_udp());
  // Once b's home is up again it is b's home that carries the data.
  w.a.d->set_home_region(kOther);
  w.a.d->set_region_down(kRegion, false);
  BOOST_TEST(w.a_path()->relay.relay == kRegion);
}

BOOST_AUTO_TEST_CASE(pings_name_the_node_key_after_a_rotation) {
  Wire w;
  w.netmaps();
  // The server rotated a's node key: b's netmap has the new one.
  core::NodePublicKey rotated;
  rotated.bytes.fill(77);
  w.a.node_key = rotated;
  w.b.d->set_peers({w.info_of(w.a, w.a.addrs)}, w.now());
  w.run(1s);
  BOOST_TEST(w.b.d->stats().wrong_node_key > 0u);  // a still names its old key
  // b proves its own pings (a checks b's key, which did not change); a's are refused.
  BOOST_TEST(w.a.d->status(w.b.node_key, w.now()).state != disco::PathState::kDirect);
  w.a.d->set_node_key(rotated);
  const auto refused = w.b.d->stats().wrong_node_key;
  w.run(disco::kDiscoveryInterval + 1s);
  BOOST_TEST(w.b.d->stats().wrong_node_key == refused);
  BOOST_TEST(w.a.d->status(w.b.node_key, w.now()).state == disco::PathState::kDirect);
}

BOOST_AUTO_TEST_CASE(a_replayed_ping_gets_no_pong_and_no_ping) {
  Wire w;
  w.netmaps();
  (void)w.a_path();
  disco::Transmit ping;
  BOOST_REQUIRE(w.a.d->poll_transmit(ping));  // a's ping to b's address
  const core::ByteView bytes{ping.bytes.data(), ping.bytes.size()};
  BOOST_TEST(w.b.d->receive(core::Path::to_udp(w.a.source), bytes, w.now()).ok());
  const auto sent = w.b.d->stats().pongs_sent + w.b.d->stats().pings_sent;
  // The same ping again, from a spoofed source: refused, nothing sent.
  const auto victim = addr(192, 0, 2, 200, 53);
  BOOST_TEST(w.b.d->receive(core::Path::to_udp(victim), bytes, w.now()).error().code ==
             "disco.replayed_ping");
  BOOST_TEST(w.b.d->stats().pongs_sent + w.b.d->stats().pings_sent == sent);
  BOOST_TEST(w.b.d->stats().replayed_ping == 1u);
}

BOOST_AUTO_TEST_CASE(call_me_maybe_cannot_aim_us_at_many_or_unusable_addresses) {
  Wire w;
  w.netmaps();
  // b names 32 addresses, some of them unusable (loopback, the tailnet range, multicast).
  std::vector<core::SocketAddress> named = {addr(127, 0, 0, 1, 22), addr(100, 100, 1, 1, 41641),
                                            addr(224, 0, 0, 1, 5353)};
  for (uint8_t i = 0; named.size() < disco::kMaxCallMeMaybeEndpoints; ++i)
    named.push_back(addr(198, 18, 0, i, 9));
  w.b.d->set_local_endpoints(named);
  (void)w.b.d->path_for(w.a.node_key, w.now());  // b's discovery round sends a call-me-maybe
  std::set<core::SocketAddress> pinged;
  disco::Transmit tx;
  auto deliver_from_b = [&] {
    while (w.b.d->poll_transmit(tx)) {
      if (!tx.to.is_relay()) continue;
      (void)w.a.d->receive(core::Path::via_relay(kRegion, w.b.node_key),
                           core::ByteView{tx.bytes.data(), tx.bytes.size()}, w.now());
    }
    while (w.a.d->poll_transmit(tx))
      if (tx.to.is_udp()) pinged.insert(tx.to.udp);
  };
  deliver_from_b();
  BOOST_TEST(w.a.d->stats().call_me_maybe_received == 1u);
  BOOST_TEST(!pinged.empty());
  BOOST_TEST(pinged.size() <= disco::kMaxCandidates);
  for (const auto& a : pinged) {
    BOOST_TEST(disco::PeerPaths::usable(a), a.to_string());
  }
  // b's next round, past kCallMeMaybeMinInterval: acted on again (the limit itself is tested
  // below).
  w.t += 3s;
  (void)w.b.d->path_for(w.a.node_key, w.now());
  w.b.d->update_timers(w.now());
  deliver_from_b();
  BOOST_TEST(w.a.d->stats().call_me_maybe_received == 2u);
  BOOST_TEST(!disco::PeerPaths::usable(addr(100, 64, 0, 1, 1)));
  BOOST_TEST(!disco::PeerPaths::usable(
      core::SocketAddress{util::IpAddress::parse("fd7a:115c:a1e0::1").value(), 1}));
  BOOST_TEST(!disco::PeerPaths::usable(
      core::SocketAddress{util::IpAddress::parse("fe80::1").value(), 1}));
  BOOST_TEST(disco::PeerPaths::usable(
      core::SocketAddress{util::IpAddress::parse("2001:db8::1").value(), 1}));
}

BOOST_AUTO_TEST_CASE(a_second_call_me_maybe_within_a_second_is_ignored) {
  Wire w;
  w.netmaps();
  disco::Message cmm;
  cmm.type = disco::MessageType::kCallMeMaybe;
  cmm.call_me_maybe.endpoints = {addr(198, 18, 0, 1, 9)};
  // Sealed by b for a (the same way b's discovery does).
  auto key = disco::SharedKey::derive(w.b.disco_priv, w.a.d->disco_public_key());
  BOOST_REQUIRE(key);
  std::vector<uint8_t> buf(disco::kMaxMessageSize);
  auto seal = [&](uint8_t n) {
    disco::Nonce nonce{};
    nonce.fill(n);
    const std::size_t size = key->seal(w.b.d->disco_public_key(), nonce, cmm,
                                       core::MutableBytes{buf.data(), buf.size()});
    return std::vector<uint8_t>(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(size));
  };
  const auto relayed = core::Path::via_relay(kRegion, w.b.node_key);
  auto first = seal(1), second = seal(2), third = seal(3);
  BOOST_TEST(w.a.d->receive(relayed, core::ByteView{first.data(), first.size()}, w.now()).ok());
  w.t += 200ms;
  BOOST_TEST(w.a.d->receive(relayed, core::ByteView{second.data(), second.size()}, w.now())
                 .error()
                 .code == "disco.rate_limited");
  w.t += 1s;
  BOOST_TEST(w.a.d->receive(relayed, core::ByteView{third.data(), third.size()}, w.now()).ok());
  BOOST_TEST(w.a.d->stats().call_me_maybe_limited == 1u);
  std::vector<uint8_t> huge(disco::kMaxDatagram + 1, 0x77);
  BOOST_TEST(w.a.d->receive(relayed, core::ByteView{huge.data(), huge.size()}, w.now())
                 .error()
                 .code == "disco.malformed");
  BOOST_TEST(w.a.d->stats().oversized == 1u);
}

BOOST_AUTO_TEST_CASE(a_restarted_peer_is_proven_again_and_idleness_is_no_fallback) {
  Wire w;
  w.netmaps();
  w.run(2s);
  BOOST_REQUIRE(w.a.d->status(w.b.node_key, w.now()).state == disco::PathState::kDirect);
  // b restarts: a new disco key in a's netmap.
  w.init(w.b, 9, w.b.addrs);
  w.a.d->set_peers({w.info_of(w.b, w.b.addrs)}, w.now());
  BOOST_TEST(w.a.d->status(w.b.node_key, w.now()).state != disco::PathState::kDirect);
  // Without traffic the trust just runs out: not counted as a fallback.
  Wire idle;
  idle.netmaps();
  (void)idle.a_path();
  idle.pump();
  BOOST_REQUIRE(idle.a.d->status(idle.b.node_key, idle.now()).state == disco::PathState::kDirect);
  for (int i = 0; i < 120; ++i) {
    idle.t += 1s;
    idle.a.d->update_timers(idle.now());
    idle.pump();
  }
  BOOST_TEST(idle.a.d->stats().relay_fallbacks == 0u);
}
