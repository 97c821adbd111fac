// The relay map file: what it reads, its defaults, every mistake positioned, and the JSON the
// server serves reading back unchanged.
#define BOOST_TEST_MODULE relay_map
#include <boost/test/unit_test.hpp>

#include "relay/relay_map.h"

using weft::relay::parse_relay_map;
using weft::relay::relay_map_json;

namespace {

constexpr const char* kTwoRegions = R"({
  // Two regions on one machine, as the tests run them.
  "regions": [
    {"id": 1, "code": "fra", "name": "Frankfurt",
     "nodes": [{"name": "fra1", "host": "relay1.example.com", "ipv4": "192.0.2.7",
                "ipv6": "2001:db8::7", "relayPort": 443, "stunPort": 3478, "tls": true}]},
    {"id": 2, "code": "nyc",
     "nodes": [{"name": "nyc1", "ipv4": "198.51.100.9", "relayPort": 8080, "stunPort": 0},
               {"name": "nyc2", "host": "203.0.113.5", "relayPort": 8081},],},
  ],
})";

std::string findings_of(const std::string& text) {
  auto r = parse_relay_map(text, "relays.hujson");
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().code == "relay.map");
  return r.error().detail;
}

}  // namespace

BOOST_AUTO_TEST_CASE(reads_regions_and_nodes_with_defaults) {
  auto r = parse_relay_map(kTwoRegions, "relays.hujson");
  BOOST_REQUIRE(r.ok());
  const auto& m = *r;
  BOOST_REQUIRE(m.size() == 2u);
  BOOST_TEST(m[0].id == 1);
  BOOST_TEST(m[0].code == "fra");
  BOOST_TEST(m[0].name == "Frankfurt");
  BOOST_REQUIRE(m[0].nodes.size() == 1u);
  BOOST_TEST(m[0].nodes[0].host == "relay1.example.com");
  BOOST_TEST(m[0].nodes[0].ipv4->to_string() == "192.0.2.7");
  BOOST_TEST(m[0].nodes[0].ipv6->to_string() == "2001:db8::7");
  BOOST_TEST(m[0].nodes[0].tls);
  BOOST_TEST(m[1].name == "nyc");  // defaults to the code
  BOOST_REQUIRE(m[1].nodes.size() == 2u);
  BOOST_TEST(m[1].nodes[0].host == "198.51.100.9");  // defaults to the literal address
  BOOST_TEST(m[1].nodes[0].stun_port == 0);
  BOOST_TEST(!m[1].nodes[0].tls);
  BOOST_TEST(m[1].nodes[1].ipv4->to_string() == "203.0.113.5");  // a literal host is its address
  BOOST_TEST(m[1].nodes[1].stun_port == weft::relay::kDefaultStunPort);
}

BOOST_AUTO_TEST_CASE(its_json_reads_back_unchanged) {
  auto first = parse_relay_map(kTwoRegions, "a");
  BOOST_REQUIRE(first.ok());
  const std::string json = relay_map_json(*first);
  auto second = parse_relay_map(json, "b");
  BOOST_REQUIRE(second.ok());
  BOOST_TEST(relay_map_json(*second) == json);
  BOOST_TEST(relay_map_json({}) == R"({"regions":[]})");
}

BOOST_AUTO_TEST_CASE(reports_every_mistake_with_its_position) {
  const std::string text = R"({"regions": [
  {"id": 1, "code": "fra", "nodes": [{"name": "a", "relayPort": 70000, "ipv4": "2001:db8::1"}]},
  {"id": 1, "code": "fra", "nodes": [], "colour": "red"}
]})";
  const std::string f = findings_of(text);
  BOOST_TEST(f.find("relays.hujson:2:65: \"relayPort\" must be an integer from 1 to 65535") !=
             std::string::npos, f);
  BOOST_TEST(f.find("relays.hujson:2:80: \"ipv4\" must be a literal IPv4 address") !=
             std::string::npos, f);
  BOOST_TEST(f.find("relays.hujson:3:10: region id 1 is used twice") != std::string::npos, f);
  BOOST_TEST(f.find("relays.hujson:3:21: region code \"fra\" is used twice") != std::string::npos,
             f);
  BOOST_TEST(f.find("relays.hujson:3:37: a region needs \"nodes\"") != std::string::npos, f);
  BOOST_TEST(f.find("relays.hujson:3:41: unknown key \"colour\" in a region") != std::string::npos,
             f);
}

BOOST_AUTO_TEST_CASE(refuses_a_node_without_any_address_and_syntax_errors) {
  BOOST_TEST(findings_of(R"({"regions":[{"id":2,"code":"x","nodes":[{"name":"n","relayPort":1}]}]})")
                 .find("needs \"host\", \"ipv4\" or \"ipv6\"") != std::string::npos);
  BOOST_TEST(findings_of("{\"regions\": [}").find("relays.hujson:1:") == 0u);
  BOOST_TEST(findings_of("[]").find("a relay map is an object") != std::string::npos);
  BOOST_TEST(findings_of(R"({"regions":[{"id":0,"code":"x","nodes":[{"name":"n","host":"h","relayPort":1}]}]})")
                 .find("\"id\" must be an integer from 1 to 65535") != std::string::npos);
}
