// The node engine against the unchanged coordinator core: three engines a, b, c over in-memory
// wires with a fake clock (policy a -> b, b -> c). Reachability follows the netmaps, b's filter
// enforces the policy, and the outage promise holds: tunnels and cached denies keep working,
// a restarted node runs from its cache, changes arrive only after the server returns.
#define BOOST_TEST_MODULE engine
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <string>

#include "engine/harness.h"

using namespace weft;
using namespace weft::engine;
using namespace weft::engine::test;
using namespace std::chrono_literals;

namespace weft::controlclient {
inline std::ostream& operator<<(std::ostream& os, ClientState s) { return os << to_string(s); }
}  // namespace weft::controlclient

namespace {

struct Abc : TwoHops {
  /// A UDP packet from `from` to `to`'s port 7 carrying `payload`, sent into from's tunnel.
  void udp(Node& from, Node& to, const std::string& payload, uint16_t src_port = 40000,
           uint16_t dst_port = 7) {
    net.send(from, udp_packet(from.v4(), to.v4(), src_port, dst_port, payload));
  }
};

std::size_t count_events(const Node& n, EventKind kind) {
  std::size_t k = 0;
  for (const auto& e : n.events) k += e.kind == kind;
  return k;
}

}  // namespace

BOOST_AUTO_TEST_CASE(netmaps_configure_peers_as_the_policy_allows) {
  Abc t;
  for (Node* n : {&t.a, &t.b, &t.c})
    BOOST_TEST(n->engine->client().state() == controlclient::ClientState::kStreaming);
  BOOST_TEST(t.a.has_peer(t.b));
  BOOST_TEST(!t.a.has_peer(t.c));
  BOOST_TEST(t.b.has_peer(t.a));
  BOOST_TEST(t.b.has_peer(t.c));
  BOOST_TEST(t.c.has_peer(t.b));
  BOOST_TEST(!t.c.has_peer(t.a));
  BOOST_TEST(t.a.engine->stats().peers_added == 1u);
  BOOST_TEST(t.b.engine->stats().peers_added == 2u);
  // Each netmap told the driver its addresses and gave it a cache to write.
  BOOST_TEST(count_events(t.a, EventKind::kNetmapApplied) >= 1u);
  BOOST_TEST(!t.a.cache.empty());
  const EngineStatus s = t.b.engine->status(t.net.world.now);
  BOOST_TEST(s.has_netmap);
  BOOST_TEST(s.peers.size() == 2u);
  BOOST_TEST(!s.offline_since.has_value());
  BOOST_TEST(!s.from_cache);
}

BOOST_AUTO_TEST_CASE(a_reaches_b_through_a_handshake) {
  Abc t;
  t.udp(t.a, t.b, "hello b");
  BOOST_TEST(delivered_with(t.b, "hello b") == 1u);
  const EngineStatus s = t.a.engine->status(t.net.world.now);
  BOOST_REQUIRE(s.peers.size() == 1u);
  BOOST_TEST(s.peers[0].name == "b");
  BOOST_TEST(s.peers[0].last_handshake.has_value());
  BOOST_TEST(s.peers[0].tx_bytes > 0u);
  BOOST_TEST((s.peers[0].endpoint == t.b.path));
  // a has no route to c at all.
  t.udp(t.a, t.c, "hello c");
  BOOST_TEST(delivered_with(t.c, "hello c") == 0u);
}

BOOST_AUTO_TEST_CASE(peer_status_is_the_status_entry_of_that_peer) {
  Abc t;
  t.udp(t.a, t.b, "hello b");
  const EngineStatus s = t.a.engine->status(t.net.world.now);
  BOOST_REQUIRE(s.peers.size() == 1u);
  const std::optional<PeerStatus> b =
      t.a.engine->peer_status(t.b.engine->node_public_key(), t.net.world.now);
  BOOST_REQUIRE(b.has_value());
  BOOST_TEST(b->name == "b");
  BOOST_TEST((b->node_key == s.peers[0].node_key));
  BOOST_TEST((b->endpoint == s.peers[0].endpoint));
  BOOST_TEST((b->path == s.peers[0].path));
  BOOST_TEST(b->tx_bytes == s.peers[0].tx_bytes);
  BOOST_TEST(b->last_handshake.has_value());
  // c is no peer of a's.
  BOOST_TEST(!t.a.engine->peer_status(t.c.engine->node_public_key(), t.net.world.now));
}

BOOST_AUTO_TEST_CASE(b_filter_drops_c_and_counts_it) {
  Abc t;
  t.udp(t.c, t.b, "from c");
  BOOST_TEST(delivered_with(t.b, "from c") == 0u);
  BOOST_TEST(t.b.filter_denied() == 1u);
  BOOST_REQUIRE(!t.b.drops.empty());
  const Output& drop = t.b.drops.back();
  BOOST_TEST((drop.engine_drop == EngineDrop::kFilterDenied));
  BOOST_TEST((drop.filter_drop == filter::DropReason::kNotAllowed));
  BOOST_TEST((drop.drop == wg::DropReason::kNone));  // not the device's drop
  BOOST_TEST(t.b.engine->status(t.net.world.now).filter.drops_of(filter::DropReason::kNotAllowed) ==
             1u);
}

BOOST_AUTO_TEST_CASE(b_reaches_c_and_c_replies_pass_b_filter) {
  Abc t;
  t.udp(t.b, t.c, "ping", 40000, 7);
  BOOST_TEST(delivered_with(t.c, "ping") == 1u);
  t.udp(t.c, t.b, "pong", 7, 40000);  // the reply to b's flow
  BOOST_TEST(delivered_with(t.b, "pong") == 1u);
  t.udp(t.c, t.b, "unasked", 7, 40001);  // not a reply
  BOOST_TEST(delivered_with(t.b, "unasked") == 0u);
  BOOST_TEST(t.b.filter_denied() == 1u);
}

// Issue 14: the same with the AEAD taken out of the engine's calls (the data path's workers):
// the filter and the flow table still judge each packet, in order, after its open; also with
// each packet handed over where its datagram's body goes (the data path's in-place split).
BOOST_AUTO_TEST_CASE(the_split_crypto_path_keeps_the_filter_and_replies) {
  for (bool in_place : {false, true}) {
    BOOST_TEST_CONTEXT("in place " << in_place) {
      Abc t;
      t.net.split_crypto = true;
      t.net.split_in_place = in_place;
      t.udp(t.a, t.b, "hello b");
      BOOST_TEST(delivered_with(t.b, "hello b") == 1u);
      t.udp(t.c, t.b, "from c");
      BOOST_TEST(delivered_with(t.b, "from c") == 0u);
      BOOST_TEST(t.b.filter_denied() == 1u);
      t.udp(t.b, t.c, "ping", 40000, 7);
      BOOST_TEST(delivered_with(t.c, "ping") == 1u);
      t.udp(t.c, t.b, "pong", 7, 40000);
      BOOST_TEST(delivered_with(t.b, "pong") == 1u);
      t.udp(t.c, t.b, "unasked", 7, 40001);
      BOOST_TEST(delivered_with(t.b, "unasked") == 0u);
      BOOST_TEST(t.b.filter_denied() == 2u);
      BOOST_TEST(t.net.split_seals >= 3u);  // packets staged for a handshake leave sealed
      BOOST_TEST(t.net.split_opens >= 4u);
    }
  }
}

BOOST_AUTO_TEST_CASE(tunnels_and_denies_last_through_a_ten_minute_outage) {
  Abc t;
  t.udp(t.a, t.b, "before");
  BOOST_REQUIRE(delivered_with(t.b, "before") == 1u);
  const core::WallTime cut_at = t.net.world.now.wall;
  t.net.cut_server();
  t.net.settle();
  std::size_t sent = 0;
  for (int i = 0; i < 60; ++i) {  // one packet every 10 s for 10 minutes
    t.net.run_for(10s);
    t.udp(t.a, t.b, "during");
    ++sent;
  }
  BOOST_TEST(delivered_with(t.b, "during") == sent);  // across several WireGuard rekeys
  BOOST_TEST(t.net.failed_dials > 3u);
  t.udp(t.c, t.b, "denied");  // the cached filter still denies
  BOOST_TEST(delivered_with(t.b, "denied") == 0u);
  const EngineStatus s = t.a.engine->status(t.net.world.now);
  BOOST_TEST(s.control_state != controlclient::ClientState::kStreaming);
  BOOST_REQUIRE(s.offline_since.has_value());
  BOOST_TEST((*s.offline_since == cut_at));
  BOOST_TEST(s.peers.size() == 1u);
  BOOST_TEST(t.a.engine->stats().key_rotations == 0u);

  t.net.restore_server();
  t.net.run_for(65s);
  BOOST_TEST(t.a.engine->client().state() == controlclient::ClientState::kStreaming);
  BOOST_TEST(!t.a.engine->status(t.net.world.now).offline_since.has_value());
  BOOST_TEST(t.a.has_peer(t.b));
  BOOST_TEST(!t.a.has_peer(t.c));
}

BOOST_AUTO_TEST_CASE(node_restarted_during_the_outage_runs_from_its_cache) {
  Abc t;
  t.udp(t.a, t.b, "before");
  const std::vector<uint8_t> cache = t.a.cache;
  BOOST_REQUIRE(!cache.empty());
  t.net.cut_server();
  t.net.run_for(2min);
  t.net.crash(t.a);
  t.net.run_for(10s);
  t.net.start(t.a);
  BOOST_TEST(t.a.engine->netmap() == nullptr);
  BOOST_REQUIRE(t.a.engine->load_cache({cache.data(), cache.size()}, t.net.world.now).ok());
  t.net.settle();
  BOOST_TEST(t.a.has_peer(t.b));
  BOOST_TEST(!t.a.has_peer(t.c));
  BOOST_TEST(count_events(t.a, EventKind::kNetmapApplied) == 1u);
  BOOST_TEST(t.a.events.front().from_cache);
  const EngineStatus s = t.a.engine->status(t.net.world.now);
  BOOST_TEST(s.from_cache);
  BOOST_TEST(s.offline_since.has_value());
  BOOST_TEST(s.netmap_time.has_value());
  BOOST_TEST(s.policy_version == 1u);

  t.udp(t.a, t.b, "after restart");  // a new handshake under the same node key
  BOOST_TEST(delivered_with(t.b, "after restart") == 1u);
  t.udp(t.b, t.a, "reply", 7, 40000);  // a's cached filter admits the reply to its flow
  BOOST_TEST(delivered_with(t.a, "reply") == 1u);
  t.udp(t.b, t.a, "unasked", 7, 40001);  // and denies the rest, as the policy says
  BOOST_TEST(delivered_with(t.a, "unasked") == 0u);

  // The server returns: the client's full map replaces the cache.
  t.net.restore_server();
  t.net.run_for(65s);
  BOOST_TEST(t.a.engine->client().state() == controlclient::ClientState::kStreaming);
  BOOST_TEST(!t.a.engine->status(t.net.world.now).from_cache);
  BOOST_TEST(t.a.has_peer(t.b));
}

BOOST_AUTO_TEST_CASE(policy_change_during_the_outage_arrives_only_after_reconnection) {
  Abc t;
  t.net.cut_server();
  t.net.run_for(1min);
  auto outcome = t.net.world.coordinator->set_policy(kTwoHopPolicyWithAToC, t.net.world.now);
  BOOST_REQUIRE(outcome.valid);
  t.net.run_for(9min);
  BOOST_TEST(!t.a.has_peer(t.c));
  BOOST_TEST(!t.c.has_peer(t.a));
  t.udp(t.a, t.c, "early");
  BOOST_TEST(delivered_with(t.c, "early") == 0u);

  t.net.restore_server();
  const core::Duration back_at = t.net.world.now.mono;
  while (!(t.a.has_peer(t.c) && t.c.has_peer(t.a)) && t.net.world.now.mono - back_at < 2min)
    t.net.run_for(100ms);
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(t.net.world.now.mono -
                                                                          back_at);
  BOOST_TEST_MESSAGE("policy change reached a and c " << took.count()
                                                      << " ms after the server returned");
  BOOST_TEST(t.a.has_peer(t.c));
  BOOST_TEST(t.c.has_peer(t.a));
  // An unreachable server is retried every unreachable_retry (0.4-0.8 s), not with the doubling
  // backoff of refusals: issue 9 asks for the change within 2 s of the server's return.
  BOOST_TEST(took <= 2s);
  t.udp(t.a, t.c, "late");
  BOOST_TEST(delivered_with(t.c, "late") == 1u);
  BOOST_TEST(t.a.engine->status(t.net.world.now).policy_version == 2u);
}

BOOST_AUTO_TEST_CASE(removed_node_loses_its_peers_and_they_lose_it) {
  Abc t;
  t.udp(t.b, t.c, "ping");
  BOOST_REQUIRE(delivered_with(t.c, "ping") == 1u);
  const util::IpAddress c_address = t.c.v4();
  BOOST_REQUIRE(t.net.world.coordinator->remove(t.id_of(t.c), t.net.world.now).ok());
  t.net.settle();
  BOOST_TEST(count_events(t.c, EventKind::kStopped) == 1u);
  BOOST_TEST(t.c.events.back().code == "control.removed");
  BOOST_TEST(t.c.engine->netmap() == nullptr);
  BOOST_TEST(t.c.engine->stats().peers_removed == 1u);
  const EngineStatus s = t.c.engine->status(t.net.world.now);
  BOOST_TEST(s.peers.empty());
  BOOST_TEST(s.stop_code == "control.removed");
  BOOST_TEST(!t.b.has_peer(t.c));
  t.net.send(t.b, udp_packet(t.b.v4(), c_address, 40000, 7, "after"));
  BOOST_TEST(delivered_with(t.c, "after") == 0u);
}

BOOST_AUTO_TEST_CASE(damaged_cache_is_refused_and_nothing_is_applied) {
  Abc t;
  const std::vector<uint8_t> cache = t.a.cache;
  t.net.cut_server();
  t.net.crash(t.a);
  t.net.start(t.a);
  std::vector<uint8_t> flipped = cache;
  flipped[flipped.size() / 2] ^= 0x10;
  auto r = t.a.engine->load_cache({flipped.data(), flipped.size()}, t.net.world.now);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().code == "engine.cache_checksum");
  std::vector<uint8_t> cut(cache.begin(), cache.end() - 1);
  r = t.a.engine->load_cache({cut.data(), cut.size()}, t.net.world.now);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().code == "engine.cache_truncated");
  t.net.settle();
  BOOST_TEST(t.a.engine->netmap() == nullptr);
  BOOST_TEST(t.a.events.empty());
  BOOST_TEST(t.a.engine->stats().peers_added == 0u);
  BOOST_TEST(t.a.engine->stats().caches_refused == 2u);
  BOOST_TEST(!t.a.engine->status(t.net.world.now).has_netmap);
  // Without peers nothing leaves.
  t.net.send(t.a, udp_packet(*util::IpAddress::parse("100.64.0.9"), t.b.v4(), 1, 7, "nowhere"));
  BOOST_TEST(delivered_with(t.b, "nowhere") == 0u);
  // The intact cache still loads.
  BOOST_REQUIRE(t.a.engine->load_cache({cache.data(), cache.size()}, t.net.world.now).ok());
  BOOST_TEST(t.a.has_peer(t.b));
}

BOOST_AUTO_TEST_CASE(cache_of_another_node_is_refused) {
  Abc t;
  t.net.cut_server();
  t.net.crash(t.a);
  t.net.start(t.a);
  auto r = t.a.engine->load_cache({t.b.cache.data(), t.b.cache.size()}, t.net.world.now);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().code == "engine.cache_mismatch");
  BOOST_TEST(t.a.engine->netmap() == nullptr);
}

BOOST_AUTO_TEST_CASE(node_key_rotates_only_with_the_server) {
  Abc t;
  const core::NodePublicKey old_key = t.a.engine->node_public_key();
  t.net.cut_server();
  t.net.run_for(30s);
  BOOST_REQUIRE(t.net.world.coordinator->rotate(t.id_of(t.a), t.net.world.now).ok());
  t.net.run_for(2min);
  BOOST_TEST((t.a.engine->node_public_key() == old_key));
  BOOST_TEST(count_events(t.a, EventKind::kKeyRotated) == 0u);
  t.net.restore_server();
  t.net.run_for(65s);
  BOOST_TEST(count_events(t.a, EventKind::kKeyRotated) == 1u);
  BOOST_TEST((t.a.engine->node_public_key() != old_key));
  BOOST_TEST(t.b.has_peer(t.a));  // under its new key
  t.udp(t.a, t.b, "new key");
  BOOST_TEST(delivered_with(t.b, "new key") == 1u);
}

BOOST_AUTO_TEST_CASE(cache_written_at_a_rotation_restarts_the_node_under_its_new_key) {
  Abc t;
  t.a.events.clear();
  t.a.trickle = true;  // the registration answer is handled before the delta behind it
  BOOST_REQUIRE(t.net.world.coordinator->rotate(t.id_of(t.a), t.net.world.now).ok());
  t.net.settle();
  // The server's delta with the new self may come later (or never, if the stream drops now):
  // the cache written with the rotation must already name the new key.
  auto rotated = std::find_if(t.a.events.begin(), t.a.events.end(),
                              [](const Event& e) { return e.kind == EventKind::kKeyRotated; });
  BOOST_REQUIRE(rotated != t.a.events.end());
  auto written = std::next(rotated);
  BOOST_REQUIRE(written != t.a.events.end());
  BOOST_REQUIRE(written->kind == EventKind::kCacheWrite);
  const std::vector<uint8_t> at_rotation = written->cache;

  t.net.cut_server();
  t.net.crash(t.a);
  t.net.start(t.a);
  auto loaded = t.a.engine->load_cache({at_rotation.data(), at_rotation.size()}, t.net.world.now);
  BOOST_REQUIRE_MESSAGE(loaded.ok(), (loaded.ok() ? "" : loaded.error().detail));
  t.net.settle();
  BOOST_TEST(t.a.has_peer(t.b));
  t.udp(t.a, t.b, "after rotation and restart");
  BOOST_TEST(delivered_with(t.b, "after rotation and restart") == 1u);
}

BOOST_AUTO_TEST_CASE(a_stopped_node_forgets_the_flows_it_opened) {
  Abc t;
  t.udp(t.b, t.c, "out", 7, 40000);  // b opens a flow to c (b may reach c)
  t.udp(t.c, t.b, "reply", 40000, 7);
  BOOST_TEST(delivered_with(t.b, "reply") == 1u);
  BOOST_TEST(t.b.engine->status(t.net.world.now).filter.flows_created >= 1u);
  BOOST_REQUIRE(t.net.world.coordinator->remove(t.id_of(t.b), t.net.world.now).ok());
  t.net.settle();
  BOOST_TEST(t.b.engine->netmap() == nullptr);
  BOOST_TEST(t.b.engine->status(t.net.world.now).filter.flows_expired >= 1u);
}

BOOST_AUTO_TEST_CASE(a_node_waiting_to_dial_has_no_deadline_in_the_past) {
  Tailnet net(kTwoHopPolicy);
  core::SeededRandom rng(3);
  EngineConfig config;
  config.client.machine_key = random_private<core::MachinePrivateKey>(rng);
  config.client.server_key = net.world.server_public();
  config.client.node_key = random_private<core::NodePrivateKey>(rng);
  auto created = Engine::create(config, rng);
  BOOST_REQUIRE(created.ok());
  Engine& e = *created.value();
  core::Now now = net.world.now;
  e.update_timers(now);
  BOOST_TEST(e.wants_control_connection(now));
  // Dialing is the control driver's move: a timer at a past time would spin the data path.
  const auto at = e.next_deadline();
  BOOST_TEST((!at || *at > now.mono));
}
