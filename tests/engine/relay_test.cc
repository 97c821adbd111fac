// The node engine's relays (docs/connectivity.md, "Relays in the node"): two engines whose UDP
// cannot reach each other talk through the unchanged relay server core; a direct path that works
// is kept; the home region is chosen and reported; the relay going away and coming back.
#define BOOST_TEST_MODULE engine_relay
#include "engine/harness.h"

using namespace weft;
using namespace weft::engine;
using namespace weft::engine::test;

namespace {

constexpr const char* kAllowAll = R"({
  "tagOwners": {"tag:a": ["ops@example.com"], "tag:b": ["ops@example.com"]},
  "acls": [{"action": "accept", "src": ["*"], "dst": ["*:*"]}]
})";

bool is_direct(const Datagram& d) { return d.to.is_udp() && d.to.udp.port == 41641; }

struct Relayed {
  Relayed() : net(kAllowAll) {
    net.add_relay();
    a = &net.add("a", net.world.key("ops@example.com", {"tag:a"}), 1);
    b = &net.add("b", net.world.key("ops@example.com", {"tag:b"}), 2);
    net.settle();
  }

  /// A sends one UDP packet to B's tailnet address; true when B delivered it.
  bool a_reaches_b(const std::string& payload) {
    net.send(*a, udp_packet(a->v4(), b->v4(), 4000, 5000, payload));
    net.run_for(std::chrono::milliseconds(300));
    return delivered_with(*b, payload) == 1;
  }

  PeerStatus peer_b() const {
    for (const auto& p : a->engine->status(net.world.now).peers)
      if (p.name == "b") return p;
    BOOST_FAIL("a has no peer b");
    return {};
  }

  /// With the direct way blocked, A's packet goes through the relay, sealed by the engine
  /// before the relay copies it (no job is left for the caller), and B's answer comes back.
  void seals_for_the_relay() {
    net.udp_passes = [](const Datagram& d) { return !is_direct(d); };
    net.run_for(std::chrono::seconds(1));
    const std::size_t seals_before = net.split_seals;
    BOOST_TEST(a_reaches_b("sealed for the relay"));
    BOOST_TEST(peer_b().endpoint.is_relay());
    BOOST_TEST(net.split_seals == seals_before);  // none left to the caller
    BOOST_TEST(net.split_opens >= 1u);
    net.send(*b, udp_packet(b->v4(), a->v4(), 5000, 4000, "and back"));
    net.run_for(std::chrono::milliseconds(300));
    BOOST_TEST(delivered_with(*a, "and back") == 1u);
  }

  Tailnet net;
  Node* a = nullptr;
  Node* b = nullptr;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(engine_relay, Relayed)

BOOST_AUTO_TEST_CASE(nodes_whose_udp_cannot_meet_talk_through_the_relay) {
  net.udp_passes = [](const Datagram& d) { return !is_direct(d); };
  net.run_for(std::chrono::seconds(1));
  BOOST_TEST(a->engine->home_region() == 1);
  BOOST_TEST(b->engine->home_region() == 1);
  BOOST_TEST(a_reaches_b("through the relay"));
  const PeerStatus p = peer_b();
  BOOST_TEST(p.endpoint.is_relay());
  BOOST_TEST(p.relay_code == "test");
  BOOST_TEST(p.home_region == 1);
  BOOST_TEST(a->engine->stats().relayed_out > 0u);
  BOOST_TEST(net.relay().server.stats().packets_forwarded > 0u);
  // And back: B answers A through the relay too.
  net.send(*b, udp_packet(b->v4(), a->v4(), 5000, 4000, "and back"));
  net.run_for(std::chrono::milliseconds(300));
  BOOST_TEST(delivered_with(*a, "and back") == 1u);
}

// Issue 14: a datagram whose path is the relay is sealed by the engine before the relay copies
// it (no job is left for a worker); the far side opens it on the split path.
BOOST_AUTO_TEST_CASE(the_split_crypto_path_seals_what_goes_to_the_relay) {
  net.split_crypto = true;
  seals_for_the_relay();
}

// The same with each packet handed over where its datagram's body goes: the engine notes the
// flow before sealing the relayed datagram over the packet.
BOOST_AUTO_TEST_CASE(the_split_crypto_path_seals_for_the_relay_a_packet_in_place) {
  net.split_crypto = true;
  net.split_in_place = true;
  seals_for_the_relay();
}

BOOST_AUTO_TEST_CASE(traffic_starts_relayed_and_goes_direct_once_a_pong_proves_the_path) {
  BOOST_TEST(a_reaches_b("first"));
  // The first packets went through the relay at once; discovery's pongs moved the path.
  BOOST_TEST(a->engine->stats().relayed_out > 0u);
  net.run_for(std::chrono::seconds(1));
  BOOST_TEST(a_reaches_b("direct"));
  const PeerStatus p = peer_b();
  BOOST_TEST(p.endpoint.is_udp());
  BOOST_TEST((p.path == disco::PathState::kDirect));
  BOOST_TEST(a->engine->status(net.world.now).disco.direct_upgrades >= 1u);
}

BOOST_AUTO_TEST_CASE(the_first_discovery_round_leaves_with_the_datagram_that_began_it) {
  // The tunnel packet is staged and the handshake initiation it causes leaves from
  // poll_transmit: discovery's pings to b's address, queued when routing that initiation made b
  // active, must leave in the same drain (they used to wait for the engine's next call, and
  // their first round trip counted that wait).
  net.run_for(std::chrono::seconds(1));
  const auto packet = udp_packet(a->v4(), b->v4(), 4000, 5000, "first");
  NodeSink sink{net, *a};
  core::handle_input(*a->engine, net.world.now, sink, [&](core::MutableBytes out) {
    return a->engine->send_packet(net.world.now, {packet.data(), packet.size()}, out);
  });
  std::size_t pings = 0;
  for (const Datagram& d : net.wire)
    if (is_direct(d) && d.to == b->path && disco::has_magic({d.bytes.data(), d.bytes.size()}))
      ++pings;
  BOOST_TEST(pings >= 1u);
  BOOST_TEST(a->engine->status(net.world.now).disco.pings_sent >= 1u);
  BOOST_TEST(a->engine->stats().relayed_out > 0u);
}

BOOST_AUTO_TEST_CASE(the_home_region_reaches_the_peers_netmap) {
  net.run_for(std::chrono::seconds(1));
  BOOST_TEST(peer_b().home_region == 1);
  const auto st = a->engine->status(net.world.now);
  BOOST_TEST(st.home_region == 1);
  BOOST_TEST(st.home_region_code == "test");
  BOOST_REQUIRE(st.relays.size() >= 1u);
  BOOST_TEST(st.relays.front().home);
  BOOST_TEST(st.relays.front().ready);
}

BOOST_AUTO_TEST_CASE(udp_blocked_nodes_measure_regions_over_the_relay) {
  // No STUN server answers (nothing listens at the relay's STUN address): the netcheck finds
  // no UDP, and the relay's Ping/Pong gives the region a latency.
  net.udp_passes = [](const Datagram& d) { return !is_direct(d); };
  net.run_for(std::chrono::seconds(6));
  const auto st = a->engine->status(net.world.now);
  BOOST_REQUIRE(st.netcheck.has_value());
  BOOST_TEST(!st.netcheck->udp);
  BOOST_TEST(st.home_region == 1);
  BOOST_REQUIRE(!st.relays.empty());
  BOOST_TEST(st.relays.front().rtt.has_value());
}

BOOST_AUTO_TEST_CASE(traffic_resumes_when_the_relay_comes_back) {
  net.udp_passes = [](const Datagram& d) { return !is_direct(d); };
  BOOST_TEST(a_reaches_b("before"));
  net.relay_down();
  net.run_for(std::chrono::seconds(2));
  BOOST_TEST(a->engine->status(net.world.now).relay_stats.dial_failures > 0u);
  net.relay_up();
  // Redial within the backoff (at most 30 s), then WireGuard's next handshake finds the way.
  net.run_for(std::chrono::seconds(40), std::chrono::milliseconds(250));
  BOOST_TEST(a_reaches_b("after"));
}

BOOST_AUTO_TEST_CASE(a_node_out_of_the_tailnet_closes_its_relay_connections_and_stops_netchecks) {
  BOOST_REQUIRE(!b->engine->status(net.world.now).relays.empty());
  BOOST_REQUIRE(net.world.coordinator->remove(coord::DeviceId{b->engine->client().node_id()->value}, net.world.now).ok());
  net.settle();
  BOOST_REQUIRE(b->engine->netmap() == nullptr);
  const uint64_t netchecks = b->engine->stats().netchecks;
  net.run_for(std::chrono::seconds(70));
  const auto st = b->engine->status(net.world.now);
  BOOST_TEST(st.relays.empty());
  BOOST_TEST(st.home_region == 0);
  BOOST_TEST(b->relay_conns.empty());
  BOOST_TEST(b->engine->stats().netchecks == netchecks);
}

BOOST_AUTO_TEST_SUITE_END()
