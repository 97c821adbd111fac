// `weft status`'s table as a pure function: columns, self first, owner or tags, each peer's path
// (direct, relay, idle), handshake age and byte counts, and the one plain line when the node runs
// from its cache or has no netmap; the JSON's path fields and this node's endpoints.
#define BOOST_TEST_MODULE node_local_api_status
#include <boost/test/unit_test.hpp>

#include <string>

#include <rapidjson/document.h>

#include "node/local_api_status.h"

using namespace weft;

namespace {

// 12:01:40 and 12:03:11 UTC on 2026-12-02.
constexpr int64_t kCachedAt = 1'764'676'900;
constexpr int64_t kCutAt = 1'764'676'991;

node::StatusView offline_view() {
  node::StatusView v;
  v.has_netmap = true;
  v.control_state = "disconnected";
  v.offline_since = kCutAt;
  v.netmap_time = kCachedAt;
  v.from_cache = true;
  v.policy_version = 7;
  v.self.name = "a";
  v.self.addresses = {"100.64.0.1"};
  v.self.tags = {"tag:a"};
  node::StatusRow b;
  b.name = "b";
  b.addresses = {"100.64.0.2", "fd7a:115c:a1e0::2"};
  b.user = "bob@example.com";
  b.online = true;
  b.endpoint = "192.0.2.7:41641";
  b.last_handshake = kCutAt - 12;
  b.rx_bytes = 1536;
  b.tx_bytes = 300;
  v.peers.push_back(b);
  node::StatusRow c;
  c.name = "c";
  c.addresses = {"100.64.0.3"};
  c.tags = {"tag:c", "tag:web"};
  v.peers.push_back(c);
  return v;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(local_api_status)

BOOST_AUTO_TEST_CASE(a_node_running_from_its_cache_says_so_above_the_table) {
  const std::string out = node::format_status(offline_view(), {kCutAt, 0});
  const std::string expected =
      "coordination server unreachable since 12:03:11; using the netmap cached at 12:01:40, "
      "policy version 7\n"
      "ADDRESS     NAME  OWNER            OS  ONLINE   ENDPOINT         HANDSHAKE  RX       TX\n"
      "100.64.0.1  a     tag:a            -   self     -                -          -        -\n"
      "100.64.0.2  b     bob@example.com  -   online   192.0.2.7:41641  12s ago    1.5 KiB  300 B\n"
      "100.64.0.3  c     tag:c,tag:web    -   offline  -                never      0 B      0 B\n";
  BOOST_TEST(out == expected);
}

BOOST_AUTO_TEST_CASE(clock_times_follow_the_given_utc_offset) {
  const std::string out = node::format_status(offline_view(), {kCutAt, 3600});
  BOOST_TEST(out.find("since 13:03:11; using the netmap cached at 13:01:40") != std::string::npos,
             out);
}

BOOST_AUTO_TEST_CASE(an_outage_without_a_restart_names_the_netmap_received) {
  auto v = offline_view();
  v.from_cache = false;
  const std::string out = node::format_status(v, {kCutAt, 0});
  BOOST_TEST(out.find("using the netmap received at 12:01:40, policy version 7") !=
                 std::string::npos,
             out);
}

BOOST_AUTO_TEST_CASE(a_node_following_the_server_prints_only_the_table) {
  auto v = offline_view();
  v.control_state = "streaming";
  v.offline_since.reset();
  v.from_cache = false;
  const std::string out = node::format_status(v, {kCutAt + 3700, 0});
  BOOST_TEST(out.rfind("ADDRESS", 0) == 0u, out);
  BOOST_TEST(out.find("1h1m ago") != std::string::npos, out);
}

BOOST_AUTO_TEST_CASE(without_a_netmap_one_line_says_what_the_node_waits_for) {
  node::StatusView v;
  v.control_state = "handshaking";
  BOOST_TEST(node::format_status(v, {}) == "no netmap yet (control: handshaking)\n");
  v.control_state = "stopped";
  v.stop_code = "control.removed";
  BOOST_TEST(node::format_status(v, {}) ==
             "the coordination server stopped this node (control.removed); it has no peers until "
             "it registers again\n");
}

BOOST_AUTO_TEST_CASE(the_endpoint_column_shows_each_peers_path) {
  auto v = offline_view();
  v.control_state = "streaming";
  auto& b = v.peers[0];
  auto& c = v.peers[1];
  b.path = "direct";
  b.direct = "203.0.113.2:41641";
  b.endpoint = "203.0.113.2:41641";
  c.path = "relay";
  c.relay = "fra";
  c.endpoint = "relay \"fra\"";
  node::StatusRow d;
  d.name = "d";
  d.addresses = {"100.64.0.4"};
  d.path = "idle";
  d.endpoint = "relay \"fra\"";
  node::StatusRow e;  // active, no relay, no proven address: the address guessed
  e.name = "e";
  e.addresses = {"100.64.0.5"};
  e.path = "none";
  e.endpoint = "[2001:db8::5]:41641";
  node::StatusRow f;  // nowhere to send at all
  f.name = "f";
  f.addresses = {"100.64.0.6"};
  f.path = "none";
  v.peers.push_back(d);
  v.peers.push_back(e);
  v.peers.push_back(f);
  const std::string out = node::format_status(v, {kCutAt, 0});
  const std::string expected =
      "ADDRESS     NAME  OWNER            OS  ONLINE   ENDPOINT                  HANDSHAKE  RX       TX\n"
      "100.64.0.1  a     tag:a            -   self     -                         -          -        -\n"
      "100.64.0.2  b     bob@example.com  -   online   direct 203.0.113.2:41641  12s ago    1.5 KiB  300 B\n"
      "100.64.0.3  c     tag:c,tag:web    -   offline  relay \"fra\"               never      0 B      0 B\n"
      "100.64.0.4  d     -                -   offline  idle                      never      0 B      0 B\n"
      "100.64.0.5  e     -                -   offline  [2001:db8::5]:41641       never      0 B      0 B\n"
      "100.64.0.6  f     -                -   offline  -                         never      0 B      0 B\n";
  BOOST_TEST(out == expected);
}

BOOST_AUTO_TEST_CASE(the_json_keeps_the_endpoint_and_adds_the_path_and_own_endpoints) {
  engine::EngineStatus s;
  s.has_netmap = true;
  s.endpoints = {core::SocketAddress{*util::IpAddress::parse("192.0.2.2"), 41641},
                 core::SocketAddress{*util::IpAddress::parse("203.0.113.1"), 1024}};
  engine::PeerStatus b;
  b.name = "b";
  b.endpoint = core::Path::via_relay(3, core::NodePublicKey{});
  b.relay_code = "weft";
  b.path = disco::PathState::kRelay;
  b.direct = core::SocketAddress{*util::IpAddress::parse("203.0.113.2"), 41641};
  s.peers.push_back(b);
  const std::string json = node::status_to_json(s);
  rapidjson::Document d;
  d.Parse(json.c_str());
  BOOST_REQUIRE(!d.HasParseError());
  BOOST_TEST(d["endpoints"].Size() == 2u);
  BOOST_TEST(d["endpoints"][1].GetString() == std::string("203.0.113.1:1024"));
  const auto& p = d["peers"][0];
  BOOST_TEST(p["endpoint"].GetString() == std::string("relay \"weft\""));
  BOOST_TEST(p["relay"].GetString() == std::string("weft"));
  BOOST_TEST(p["path"].GetString() == std::string("relay"));
  auto view = node::status_from_json(json);
  BOOST_REQUIRE(view.ok());
  BOOST_TEST(view->peers[0].path == "relay");
  BOOST_TEST(view->peers[0].relay == "weft");
  BOOST_TEST(view->peers[0].direct == "203.0.113.2:41641");
  BOOST_TEST(node::format_status(*view, {}).find("  relay \"weft\"  ") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(status_json_with_wrong_types_is_refused) {
  BOOST_TEST(!node::status_from_json("[]").ok());
  BOOST_TEST(!node::status_from_json(R"({"peers":[{"name":7}]})").ok());
  BOOST_TEST(node::status_from_json(R"({"peers":[]})").ok());
  BOOST_TEST(node::status_from_json("nope").error().code == "local.bad_answer");
}

BOOST_AUTO_TEST_SUITE_END()
