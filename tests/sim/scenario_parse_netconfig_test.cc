// Tests of a scenario file's network configuration (docs/scenarios.md): resolvers, DNS settings
// and the "dns" event, the resolves / gets sentences (sim/scenario-parse-dns.h); advertised
// routes, route approvals, posture attributes and the routes sentence; each mistake reported at
// its line and column.
#define BOOST_TEST_MODULE sim_scenario_parse_netconfig
#include <boost/test/unit_test.hpp>
#include <string>

#include "scenario-parse-dns.h"
#include "scenario-parse.h"

using namespace weft::sim;
using namespace std::chrono_literals;

BOOST_TEST_DONT_PRINT_LOG_VALUE(weft::sim::SimTime)
BOOST_TEST_DONT_PRINT_LOG_VALUE(weft::sim::EventKind)
BOOST_TEST_DONT_PRINT_LOG_VALUE(weft::sim::ExpectKind)

namespace {

std::optional<std::string> no_files(const std::string&, std::string& error) {
  error = "no such file";
  return std::nullopt;
}

ParsedScenario parse(const std::string& text) { return parse_scenario(text, "s.hujson", no_files); }

std::string only_error(const std::string& text) {
  const ParsedScenario p = parse(text);
  BOOST_TEST_REQUIRE(p.errors.size() == 1u);
  BOOST_TEST(!p.spec.has_value());
  return format_error("f", p.errors[0]).substr(2);
}

const char* const kValid = R"({
  "duration": "100s",
  "policy": {},
  "nodes": {"a": {}, "b": {}},
  "resolvers": {
    "upstream": {"records": {"Example.COM.": "93.184.216.34"}},
    "corp-ns": {"silent": true},
  },
  "dns": {"nameservers": ["upstream"], "search_domains": ["corp.example"],
          "split": {"corp.example": ["corp-ns", "upstream"]}},
  "timeline": [{"at": "50s", "event": "dns", "dns": {"nameservers": ["corp-ns"]}}],
  "expect": [
    "a resolves B.weft.internal. at 10s",
    "a resolves example.com at 12s via upstream within 3s",
    "b gets NXDOMAIN for c at 20s",
    "b gets SERVFAIL for example.com at 60s",
  ],
})";

}  // namespace

BOOST_AUTO_TEST_CASE(reads_resolvers_settings_the_dns_event_and_sentences) {
  const ParsedScenario p = parse(kValid);
  for (const SpecError& e : p.errors) BOOST_TEST_MESSAGE(format_error("f", e));
  BOOST_TEST_REQUIRE(p.spec.has_value());
  const ScenarioSpec& s = *p.spec;
  BOOST_TEST_REQUIRE(s.resolvers.size() == 2u);
  BOOST_TEST(s.resolvers[0].name == "upstream");
  BOOST_TEST_REQUIRE(s.resolvers[0].records.size() == 1u);
  BOOST_TEST(s.resolvers[0].records[0].first == "example.com");
  BOOST_TEST(s.resolvers[0].records[0].second == "93.184.216.34");
  BOOST_TEST(s.resolvers[1].records.empty());
  BOOST_TEST(s.resolvers[1].silent);
  BOOST_TEST(!s.resolvers[0].silent);
  BOOST_TEST_REQUIRE(s.dns.has_value());
  BOOST_TEST(s.dns->nameservers == std::vector<std::string>{"upstream"});
  BOOST_TEST(s.dns->search_domains == std::vector<std::string>{"corp.example"});
  BOOST_TEST_REQUIRE(s.dns->split.size() == 1u);
  BOOST_TEST(s.dns->split[0].first == "corp.example");
  BOOST_TEST(s.dns->split[0].second.size() == 2u);
  BOOST_TEST_REQUIRE(s.timeline.size() == 1u);
  BOOST_TEST(s.timeline[0].kind == EventKind::kDns);
  BOOST_TEST(s.timeline[0].dns.nameservers == std::vector<std::string>{"corp-ns"});
  BOOST_TEST_REQUIRE(s.expect.size() == 4u);
  BOOST_TEST(s.expect[0].kind == ExpectKind::kResolves);
  BOOST_TEST(s.expect[0].name == "b.weft.internal");  // lowercase, without the final dot
  BOOST_TEST(!s.expect[0].via_upstream);
  BOOST_TEST(s.expect[0].JudgedAt() == SimTime(12s));
  BOOST_TEST(s.expect[1].via_upstream);
  BOOST_TEST(s.expect[1].JudgedAt() == SimTime(15s));
  BOOST_TEST(s.expect[2].kind == ExpectKind::kDnsRcode);
  BOOST_TEST(s.expect[2].rcode == 3);
  BOOST_TEST(s.expect[2].name == "c");
  BOOST_TEST(s.expect[3].rcode == 2);
}

BOOST_AUTO_TEST_CASE(points_at_the_wrong_word_of_a_dns_sentence) {
  // The sentence's opening quote is at column 19 of line 2.
  BOOST_TEST(only_error(R"({"duration": "1m", "policy": {}, "nodes": {"a": {}},
       "expect": ["a resolves b..c at 10s"]})") ==
             "2:31: \"b..c\" is not a DNS name (labels of letters, digits, '-' and '_', 1-63 bytes "
             "each)");
  BOOST_TEST(only_error(R"({"duration": "1m", "policy": {}, "nodes": {"a": {}},
       "expect": ["a gets NOERROR for b at 10s"]})") ==
             "2:27: expected NXDOMAIN or SERVFAIL, found \"NOERROR\"");
  BOOST_TEST(only_error(R"({"duration": "1m", "policy": {}, "nodes": {"a": {}},
       "expect": ["a resolves b at 10s via relay"]})") ==
             "2:44: expected \"upstream\", found \"relay\"");
  BOOST_TEST(only_error(R"({"duration": "1m", "policy": {}, "nodes": {"a": {}},
       "expect": ["* resolves b at 10s"]})") == "2:22: \"*\" cannot ask: name one node");
  BOOST_TEST(only_error(R"({"duration": "1m", "policy": {}, "nodes": {"a": {}},
       "expect": ["a resolves b at 59s"]})") ==
             "2:19: expectation judged at 61s, after the end of the run (60s)");
}

BOOST_AUTO_TEST_CASE(reports_each_dns_section_mistake_at_its_place) {
  BOOST_TEST(only_error(R"({"duration": "1m", "policy": {}, "nodes": {"a": {}},
      "dns": {"nameservers": ["nobody"]}})") ==
             "2:31: \"dns\" nameservers: \"nobody\" is not a resolver (declare it in "
             "\"resolvers\")");
  BOOST_TEST(only_error(R"({"duration": "1m", "policy": {}, "nodes": {"a": {}},
      "resolvers": {"a": {}}})") ==
             "2:21: resolver name \"a\" must be lower-case letters, digits and '-' (a host name), "
             "and not a node's, \"server\" or \"relay-...\"");
  BOOST_TEST(only_error(R"({"duration": "1m", "policy": {}, "nodes": {},
      "resolvers": {"ns": {"records": {"x.example": "2001:db8::1"}}}})") ==
             "2:53: resolver \"ns\" record's address \"2001:db8::1\" is not an IPv4 address");
  BOOST_TEST(only_error(R"({"duration": "1m", "policy": {}, "nodes": {},
      "resolvers": {"ns": {}}, "dns": {"split": {"corp.example": []}}})") ==
             "2:66: \"dns\" split \"corp.example\" names no resolver");
  BOOST_TEST(only_error(R"({"duration": "1m", "policy": {}, "nodes": {},
      "timeline": [{"at": "10s", "event": "dns"}]})") ==
             "2:20: event \"dns\" needs \"dns\" (the new DNS settings)");
  BOOST_TEST(only_error(R"({"duration": "1m", "policy": {}, "nodes": {},
      "resolvers": {"ns": {}}, "dns": {"nameservers": ["ns"], "colour": 1}})") ==
             "2:63: unknown key \"colour\" in \"dns\" (expected one of \"nameservers\", "
             "\"search_domains\", \"split\")");
}

BOOST_AUTO_TEST_CASE(normalizes_dns_names) {
  BOOST_TEST(normalized_dns_name("Host-B.Weft.Internal.").value() == "host-b.weft.internal");
  BOOST_TEST(normalized_dns_name("_sip._udp.example").value() == "_sip._udp.example");
  BOOST_TEST(!normalized_dns_name("").has_value());
  BOOST_TEST(!normalized_dns_name(".").has_value());
  BOOST_TEST(!normalized_dns_name("a..b").has_value());
  BOOST_TEST(!normalized_dns_name("a b").has_value());
  BOOST_TEST(!normalized_dns_name(std::string(64, 'x') + ".example").has_value());
  BOOST_TEST(normalized_dns_name(std::string(63, 'x') + ".example").has_value());
}

BOOST_AUTO_TEST_CASE(reads_routes_approvals_attributes_and_the_routes_sentence) {
  const ParsedScenario p = parse(R"({
  "duration": "100s",
  "policy": {},
  "nodes": {"a": {}, "r": {"advertise_routes": ["10.9.0.0/24", "::/0"]}},
  "timeline": [
    {"at": "10s", "event": "set-attr", "node": "a", "attrs": {"custom:trusted": "yes"}},
    {"at": "20s", "event": "unset-attr", "node": "a", "attrs": ["custom:trusted"]},
    {"at": "30s", "event": "approve-routes", "node": "r", "routes": ["10.9.0.0/24"]},
    {"at": "40s", "event": "reject-routes", "node": "r", "routes": ["::/0"]},
    {"at": "45s", "event": "exit-node", "node": "a", "exit": "r"},
    {"at": "46s", "event": "exit-node", "node": "a", "exit": ""},
  ],
  "expect": ["a's routes at 50s include 10.9.0.0/24, 0.0.0.0/0 via r",
             "a's routes at 60s exclude ::/0",
             "a reaches 10.9.0.5 via r at 70s within 3s",
             "r reaches 10.9.0.5 via nobody at 80s"],
})");
  for (const SpecError& e : p.errors) BOOST_TEST_MESSAGE(format_error("f", e));
  BOOST_TEST_REQUIRE(p.spec.has_value());
  const ScenarioSpec& s = *p.spec;
  BOOST_TEST(s.nodes[1].advertise_routes == (std::vector<std::string>{"10.9.0.0/24", "::/0"}));
  BOOST_TEST_REQUIRE(s.timeline.size() == 6u);
  BOOST_TEST(s.timeline[4].kind == EventKind::kExitNode);
  BOOST_TEST(s.timeline[4].other == "r");
  BOOST_TEST(s.timeline[5].other.empty());
  BOOST_TEST(s.timeline[0].kind == EventKind::kSetAttr);
  BOOST_TEST_REQUIRE(s.timeline[0].attrs.size() == 1u);
  BOOST_TEST(s.timeline[0].attrs[0].first == "custom:trusted");
  BOOST_TEST(s.timeline[0].attrs[0].second == "yes");
  BOOST_TEST(s.timeline[1].kind == EventKind::kUnsetAttr);
  BOOST_TEST(s.timeline[1].names == std::vector<std::string>{"custom:trusted"});
  BOOST_TEST(s.timeline[2].kind == EventKind::kApproveRoutes);
  BOOST_TEST(s.timeline[3].kind == EventKind::kRejectRoutes);
  BOOST_TEST(s.timeline[3].names == std::vector<std::string>{"::/0"});
  BOOST_TEST_REQUIRE(s.expect.size() == 4u);
  BOOST_TEST(s.expect[2].kind == ExpectKind::kReachesAddress);
  BOOST_TEST(s.expect[2].name == "10.9.0.5");
  BOOST_TEST(s.expect[2].other == "r");
  BOOST_TEST(s.expect[2].JudgedAt() == SimTime(73s));
  BOOST_TEST(s.expect[3].other.empty());
  BOOST_TEST(s.expect[0].kind == ExpectKind::kRoutes);
  BOOST_TEST(s.expect[0].include);
  BOOST_TEST(s.expect[0].prefixes == (std::vector<std::string>{"10.9.0.0/24", "0.0.0.0/0"}));
  BOOST_TEST(s.expect[0].other == "r");
  BOOST_TEST(!s.expect[1].include);
  BOOST_TEST(s.expect[1].other.empty());
  BOOST_TEST(s.expect[1].JudgedAt() == SimTime(60s));
}

BOOST_AUTO_TEST_CASE(reports_route_and_attribute_mistakes_at_their_place) {
  BOOST_TEST(only_error(R"({"duration": "1m", "policy": {}, "nodes": {"a": {}},
       "expect": ["a's routes at 10s include 10.9.0.1/24"]})") ==
             "2:46: \"10.9.0.1/24\" is not an IP prefix (write \"10.9.0.0/24\")");
  BOOST_TEST(only_error(R"({"duration": "1m", "policy": {}, "nodes": {"a": {}},
       "expect": ["a's routes at 10s include"]})") ==
             "2:45: expected IP prefixes (\"10.9.0.0/24\")");
  BOOST_TEST(only_error(R"({"duration": "1m", "policy": {}, "nodes": {"a": {}},
       "expect": ["a's routes at 10s include 10.9.0.0/24 via z"]})") ==
             "2:62: \"z\" is not a node");
  BOOST_TEST(only_error(R"({"duration": "1m", "policy": {}, "nodes": {"a": {}},
       "expect": ["a reaches 10.9.0.5 via z at 10s"]})") == "2:43: \"z\" is not a node");
  BOOST_TEST(only_error(R"({"duration": "1m", "policy": {}, "nodes": {"a": {}},
      "timeline": [{"at": "10s", "event": "exit-node", "node": "a", "exit": "a"}]})") ==
             "2:77: event \"exit-node\": \"a\" is not another node");
  BOOST_TEST(only_error(R"({"duration": "1m", "policy": {}, "nodes": {"a": {"advertise_routes": []}}})") ==
             "1:70: node \"a\" advertise_routes names no prefix");
  BOOST_TEST(only_error(R"({"duration": "1m", "policy": {}, "nodes": {"a": {}},
      "timeline": [{"at": "10s", "event": "set-attr", "node": "a"}]})") ==
             "2:20: event \"set-attr\" needs \"attrs\" ({\"custom:NAME\": \"VALUE\"})");
  BOOST_TEST(only_error(R"({"duration": "1m", "policy": {}, "nodes": {"a": {}},
      "timeline": [{"at": "10s", "event": "approve-routes", "node": "a", "routes": ["x"]}]})") ==
             "2:85: event \"approve-routes\" routes: \"x\" is not an IP prefix (write "
             "\"10.9.0.0/24\")");
}
