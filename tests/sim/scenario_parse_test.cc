// Tests of scenario files to ScenarioSpec (sim/scenario-parse.h, docs/scenarios.md): what a valid
// file becomes, and that each mistake is reported at its line and column.
#define BOOST_TEST_MODULE sim_scenario_parse
#include <boost/test/unit_test.hpp>
#include <map>
#include <string>

#include "scenario-parse.h"

using namespace weft::sim;
using namespace std::chrono_literals;

BOOST_TEST_DONT_PRINT_LOG_VALUE(weft::sim::SimTime)
BOOST_TEST_DONT_PRINT_LOG_VALUE(weft::sim::EventKind)
BOOST_TEST_DONT_PRINT_LOG_VALUE(weft::sim::ExpectKind)
BOOST_TEST_DONT_PRINT_LOG_VALUE(weft::sim::Route)

namespace {

std::map<std::string, std::string> g_files;

std::optional<std::string> read(const std::string& path, std::string& error) {
  auto it = g_files.find(path);
  if (it == g_files.end()) {
    error = "no such file";
    return std::nullopt;
  }
  return it->second;
}

const char* const kValid = R"({
  "duration": "12m",
  "policy": "policies/p.hujson",
  "regions": {"sim": {"id": 7}},
  "nodes": {"a": {"tag": "tag:a"}, "b": {"user": "bob@example.com", "link": {"latency": "40ms"}}},
  "traffic": [{"from": "a", "to": "b", "every": "100ms"}],
  "timeline": [
    {"at": "660s", "event": "server-up"},
    {"at": "60s", "event": "server-down"},
    {"at": "180s", "event": "policy", "policy": {"acls": []}},
    {"at": "360s", "event": "restart", "node": "a", "downtime": "7s"},
  ],
  "expect": [
    "a reaches b at 120s via relay within 3s",
    "a's peers at 300s exclude b",
    "no new connection a->b between 60s and 660s",
    "policy version on * at t=665s is 2",
    "a->b delivers at most 0.5% between 60s and 660s",
    "b is in sync at 662s",
  ],
})";

ParsedScenario parse(const std::string& text) {
  return parse_scenario(text, "dir/s.hujson", read);
}

/// The single error of `text`, as "line:col: message".
std::string only_error(const std::string& text) {
  const ParsedScenario p = parse(text);
  BOOST_TEST_REQUIRE(p.errors.size() == 1u);
  BOOST_TEST(!p.spec.has_value());
  return format_error("f", p.errors[0]).substr(2);
}

}  // namespace

BOOST_AUTO_TEST_CASE(reads_a_valid_scenario) {
  g_files["dir/policies/p.hujson"] = R"({"acls": [{"action": "accept", "src": ["*"], "dst": ["*:*"]}]})";
  const ParsedScenario p = parse(kValid);
  for (const SpecError& e : p.errors) BOOST_TEST_MESSAGE(format_error("f", e));
  BOOST_TEST_REQUIRE(p.spec.has_value());
  const ScenarioSpec& s = *p.spec;
  BOOST_TEST(s.name == "s");
  BOOST_TEST(s.duration == SimTime(12min));
  BOOST_TEST(s.policy_text == g_files["dir/policies/p.hujson"]);
  BOOST_TEST_REQUIRE(s.regions.size() == 1u);
  BOOST_TEST(s.regions[0].id == 7);
  BOOST_TEST_REQUIRE(s.nodes.size() == 2u);
  BOOST_TEST(s.nodes[0].tag == "tag:a");
  BOOST_TEST(s.nodes[1].tag.empty());
  BOOST_TEST(s.nodes[1].user == "bob@example.com");
  BOOST_TEST(s.nodes[1].link.latency == SimTime(40ms));
  BOOST_TEST(s.traffic[0].every == SimTime(100ms));
  // The timeline is in time order, whatever the file's.
  BOOST_TEST_REQUIRE(s.timeline.size() == 4u);
  BOOST_TEST(s.timeline[0].kind == EventKind::kServerDown);
  BOOST_TEST(s.timeline[1].kind == EventKind::kPolicy);
  BOOST_TEST(s.timeline[1].policy_text == R"({"acls":[]})");
  BOOST_TEST(s.timeline[2].downtime == SimTime(7s));
  BOOST_TEST(s.timeline[3].kind == EventKind::kServerUp);
  BOOST_TEST_REQUIRE(s.expect.size() == 6u);
  BOOST_TEST(s.expect[0].kind == ExpectKind::kReaches);
  BOOST_TEST(s.expect[0].route == Route::kRelay);
  BOOST_TEST(s.expect[0].within == SimTime(3s));
  BOOST_TEST(s.expect[0].JudgedAt() == SimTime(123s));
  BOOST_TEST(s.expect[1].kind == ExpectKind::kPeers);
  BOOST_TEST(!s.expect[1].include);
  BOOST_TEST(s.expect[2].kind == ExpectKind::kNoNewConnection);
  BOOST_TEST(s.expect[2].JudgedAt() == SimTime(660s));
  BOOST_TEST(s.expect[3].node == "*");
  BOOST_TEST(s.expect[3].number == 2u);
  BOOST_TEST(s.expect[4].percent == 0.5);
  BOOST_TEST(!s.expect[4].at_least);
  BOOST_TEST(s.expect[5].kind == ExpectKind::kInSync);
  BOOST_TEST(s.expect[5].at == SimTime(662s));
}

BOOST_AUTO_TEST_CASE(points_at_the_wrong_word_of_an_expectation) {
  // The sentence's opening quote is at column 19; "c" is the 11th code point after it.
  BOOST_TEST(only_error(R"({"duration": "1m", "policy": {}, "nodes": {"a": {}, "b": {}},
       "expect": ["a reaches c at 10s via direct"]})") == "2:30: \"c\" is not a node");
  BOOST_TEST(only_error(R"({"duration": "1m", "policy": {}, "nodes": {"a": {}, "b": {}},
       "expect": ["a reaches b at 10s via sideways"]})") ==
             "2:43: expected direct, relay or none, found \"sideways\"");
  BOOST_TEST(only_error(R"({"duration": "1m", "policy": {}, "nodes": {"a": {}, "b": {}},
       "expect": ["a->b delivers at least 99% between 30s and 20s"]})") ==
             "2:63: the window ends before it starts");
}

BOOST_AUTO_TEST_CASE(reports_each_mistake_at_its_place) {
  BOOST_TEST(only_error(R"({"duration": "1m", "policy": {}, "nodes": {"a": {"colour": 1}}})") ==
             "1:50: unknown key \"colour\" in node \"a\" (expected one of \"tag\", \"user\", "
             "\"network\", \"link\", \"joins\", \"login\", \"advertise_routes\")");
  BOOST_TEST(only_error(R"({"duration": "soon", "policy": {}, "nodes": {}})") ==
             "1:14: \"duration\" \"soon\" is not a time (write \"120s\", \"2m\", \"250ms\")");
  BOOST_TEST(only_error(R"({"duration": "1m", "policy": {}, "nodes": {"a": {}},
      "timeline": [{"at": "10s", "event": "restart", "node": "z"}]})") ==
             "2:62: event \"restart\": \"z\" is not a node");
  BOOST_TEST(only_error(R"({"duration": "1m", "policy": {}, "nodes": {"a": {}},
      "timeline": [{"at": "2m", "event": "server-down"}]})") ==
             "2:20: event at 120s is after the end of the run (60s)");
  BOOST_TEST(only_error(R"({"duration": "1m", "policy": "missing.hujson", "nodes": {}})") ==
             "1:30: cannot read policy file dir/missing.hujson: no such file");
  BOOST_TEST(only_error(R"({"duration": "1m", "policy": {}, "nodes": {}, "expect": []})") ==
             "1:57: \"expect\" holds no expectation");
}

BOOST_AUTO_TEST_CASE(names_networks_regions_and_nodes_by_their_section_rules) {
  BOOST_TEST(only_error(R"({"duration": "1m", "policy": {}, "nodes": {}, "networks": {"internet": {}}})") ==
             "1:60: network name \"internet\" must be lower-case letters, digits and '-' (and not "
             "\"internet\", which always exists)");
  BOOST_TEST(only_error(R"({"duration": "1m", "policy": {}, "nodes": {}, "regions": {"-x": {}}})") ==
             "1:59: region code \"-x\" must be lower-case letters, digits and '-'");
  BOOST_TEST(only_error(R"({"duration": "1m", "policy": {}, "nodes": {"relay-1": {}}})") ==
             "1:44: node name \"relay-1\" must be lower-case letters, digits and '-' (a host "
             "name), neither \"server\" nor \"relay-...\"");
  BOOST_TEST(only_error(R"({"duration": "1m", "policy": {}, "nodes": {}, "regions": {"fra": 3}})") ==
             "1:66: region \"fra\" must be an object, not a number");
  const ParsedScenario p = parse(R"({"duration": "1m", "policy": {}, "networks": {"home": {}},
    "regions": {"fra": {}, "nyc": {"id": 9}}, "nodes": {"a": {"network": "home"}}})");
  BOOST_TEST_REQUIRE(p.spec.has_value());
  BOOST_TEST(p.spec->networks[0].name == "home");
  BOOST_TEST(p.spec->networks[0].pos.line == 1u);
  BOOST_TEST(p.spec->regions[0].id == 1);
  BOOST_TEST(p.spec->regions[1].name == "nyc");
  BOOST_TEST(p.spec->regions[1].pos.line == 2u);
  BOOST_TEST(p.spec->regions[1].id == 9);
  BOOST_TEST(p.spec->nodes[0].name == "a");
  BOOST_TEST(p.spec->nodes[0].network == "home");
}

BOOST_AUTO_TEST_CASE(collects_several_errors_in_file_order) {
  const ParsedScenario p = parse(R"({"policy": {}, "nodes": {"A": {}},
    "timeline": [{"at": "1s", "event": "explode"}]})");
  BOOST_TEST_REQUIRE(p.errors.size() == 3u);
  BOOST_TEST(p.errors[0].message == "a scenario file needs \"duration\" (the simulated time to run)");
  BOOST_TEST(p.errors[1].pos.line == 1u);
  BOOST_TEST(p.errors[1].message.find("node name \"A\"") == 0u);
  BOOST_TEST(p.errors[2].pos.line == 2u);
  BOOST_TEST(p.errors[2].message.find("unknown event \"explode\"") == 0u);
}

BOOST_AUTO_TEST_CASE(reports_hujson_syntax_errors) {
  const ParsedScenario p = parse("{\"duration\": \"1m\",\n  \"nodes\": {,}}");
  BOOST_TEST_REQUIRE(!p.errors.empty());
  BOOST_TEST(p.errors[0].pos.line == 2u);
  BOOST_TEST(!p.spec.has_value());
}

BOOST_AUTO_TEST_CASE(reads_times_as_scenarios_write_them) {
  BOOST_TEST(parse_time("120s").value() == SimTime(120s));
  BOOST_TEST(parse_time("t=1.5s").value() == SimTime(1500ms));
  BOOST_TEST(parse_time("1h30m").value() == SimTime(90min));
  BOOST_TEST(parse_time("250ms").value() == SimTime(250ms));
  BOOST_TEST(!parse_time("12").has_value());
  BOOST_TEST(!parse_time("-1s").has_value());
  BOOST_TEST(time_text(SimTime(1500ms)) == "1.500s");
  BOOST_TEST(time_text(SimTime(250ms)) == "250ms");
}

BOOST_AUTO_TEST_CASE(reads_offline_and_health_sentences) {
  const ParsedScenario p = parse(R"({"duration": "1m", "policy": {}, "nodes": {"a": {}},
    "expect": ["* is offline at 30s", "every core is healthy at 60s"]})");
  BOOST_TEST_REQUIRE(p.spec.has_value());
  BOOST_TEST(p.spec->expect[0].kind == ExpectKind::kOffline);
  BOOST_TEST(p.spec->expect[0].node == "*");
  BOOST_TEST(p.spec->expect[1].kind == ExpectKind::kHealthy);
  BOOST_TEST(p.spec->expect[1].at == SimTime(60s));
  BOOST_TEST(only_error(R"({"duration": "1m", "policy": {}, "nodes": {"a": {}},
    "expect": ["every core is sad at 60s"]})") == "2:31: expected \"healthy\", found \"sad\"");
}

BOOST_AUTO_TEST_CASE(reads_the_crypto_path_and_in_order_deliveries) {
  const ParsedScenario whole = parse(R"({"duration": "1m", "policy": {}, "nodes": {"a": {}}})");
  BOOST_TEST_REQUIRE(whole.spec.has_value());
  BOOST_TEST((whole.spec->crypto.path == CryptoPath::kWhole));
  const ParsedScenario inline_path =
      parse(R"({"duration": "1m", "policy": {}, "crypto": "split-inline", "nodes": {"a": {}}})");
  BOOST_TEST_REQUIRE(inline_path.spec.has_value());
  BOOST_TEST((inline_path.spec->crypto.path == CryptoPath::kSplitInline));
  const ParsedScenario split = parse(R"({"duration": "1m", "policy": {},
    "crypto": {"path": "split", "worker_delay": "5ms"}, "nodes": {"a": {}, "b": {}},
    "traffic": [{"from": "a", "to": "b"}],
    "expect": ["a->b delivers at least 100% in order between 10s and 20s",
               "a->b delivers at least 90% between 10s and 20s"]})");
  BOOST_TEST_REQUIRE(split.spec.has_value());
  BOOST_TEST((split.spec->crypto.path == CryptoPath::kSplit));
  BOOST_TEST(split.spec->crypto.worker_delay == SimTime(5ms));
  BOOST_TEST(split.spec->expect[0].in_order);
  BOOST_TEST(split.spec->expect[0].percent == 100.0);
  BOOST_TEST(!split.spec->expect[1].in_order);
  BOOST_TEST(only_error(R"({"duration": "1m", "policy": {}, "crypto": "threads",
    "nodes": {"a": {}}})") ==
             "1:44: crypto path \"threads\" is not one of \"whole\", \"split-inline\", \"split\"");
  BOOST_TEST(only_error(R"({"duration": "1m", "policy": {}, "crypto": {"worker_delay": "1ms"},
    "nodes": {"a": {}}})") == "1:44: \"crypto\" needs \"path\"");
  BOOST_TEST(only_error(R"({"duration": "1m", "policy": {}, "nodes": {"a": {}, "b": {}},
    "expect": ["a->b delivers at least 99% in sequence between 1s and 2s"]})") ==
             "2:47: expected \"order\", found \"sequence\"");
}

BOOST_AUTO_TEST_CASE(reads_logins_and_the_allow_list) {
  const ParsedScenario p = parse(R"({"duration": "1m", "policy": {},
    "oidc": {"allowed_domains": ["example.com"], "rotate_key_at": "30s"},
    "nodes": {"a": {}, "d": {"login": "dave@example.com"}},
    "timeline": [{"at": "20s", "event": "login", "node": "d"}]})");
  BOOST_TEST_REQUIRE(p.spec.has_value());
  BOOST_TEST(p.spec->nodes[1].login == "dave@example.com");
  BOOST_TEST(p.spec->nodes[0].login.empty());
  BOOST_TEST(p.spec->oidc.allowed_domains == std::vector<std::string>{"example.com"});
  BOOST_TEST((p.spec->oidc.rotate_key_at == SimTime(30s)));
  BOOST_TEST_REQUIRE(p.spec->timeline.size() == 1u);
  BOOST_TEST(p.spec->timeline[0].kind == EventKind::kLogin);
  BOOST_TEST(only_error(R"({"duration": "1m", "policy": {}, "nodes": {"a": {},
    "d": {"tag": "tag:x", "login": "dave@example.com"}}})") ==
             "2:36: node \"d\" logs in as a person or registers with a tag, not both");
  BOOST_TEST(only_error(R"({"duration": "1m", "policy": {}, "nodes": {"a": {}},
    "timeline": [{"at": "20s", "event": "login", "node": "a"}]})") ==
             "2:18: event \"login\": node \"a\" has no \"login\" (the person to sign in)");
}
