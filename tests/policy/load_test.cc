#define BOOST_TEST_MODULE policy_load
#include <boost/test/unit_test.hpp>

#include <string>

#include "policy/load.h"
#include "support/policy_findings.h"

using namespace weft::policy;
using weft::test::has;
using weft::test::render;

namespace {

// A policy of the size the front end is bounded for: `rules` ACLs, `users` users spread over
// groups, `tags` tags and `tests` tests.
std::string generated_policy(int rules, int users, int tags, int tests) {
  std::string s = "{\n  \"groups\": {\n";
  const int groups = 100;
  for (int g = 0; g < groups; ++g) {
    s += "    \"group:g" + std::to_string(g) + "\": [";
    for (int u = g; u < users; u += groups) s += "\"user" + std::to_string(u) + "@example.com\", ";
    s += "],\n";
  }
  s += "  },\n  \"tagOwners\": {\n";
  for (int t = 0; t < tags; ++t)
    s += "    \"tag:t" + std::to_string(t) + "\": [\"group:g" + std::to_string(t % groups) + "\"],\n";
  s += "  },\n  \"hosts\": {\"db\": \"100.64.0.1\"},\n  \"acls\": [\n";
  for (int r = 0; r < rules; ++r) {
    s += "    {\"action\": \"accept\", \"src\": [\"group:g" + std::to_string(r % groups) +
         "\", \"user" + std::to_string(r % users) + "@example.com\"], \"dst\": [\"tag:t" +
         std::to_string(r % tags) + ":22,443\", \"db:5432\", \"10.0.0.0/8:8000-8099\"]},\n";
  }
  s += "  ],\n  \"tests\": [\n";
  for (int t = 0; t < tests; ++t) {
    s += "    {\"src\": \"user" + std::to_string(t % users) + "@example.com\", \"accept\": [\"tag:t" +
         std::to_string(t % tags) + ":22\"], \"deny\": [\"db:80\"]},\n";
  }
  s += "  ],\n}\n";
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(load)

BOOST_AUTO_TEST_CASE(loads_an_empty_policy) {
  auto r = load_policy("{}");
  BOOST_TEST(r.policy.has_value());
  BOOST_TEST(r.diagnostics.empty());
}

BOOST_AUTO_TEST_CASE(stops_at_a_syntax_error_with_its_position) {
  auto r = load_policy("{\n  \"acls\": [\n    {\"action\": \"accept\" \"src\": []}\n  ]\n}");
  BOOST_TEST(!r.policy.has_value());
  BOOST_TEST_REQUIRE(r.diagnostics.size() == 1u, render(r));
  BOOST_TEST(r.diagnostics[0].at.line == 3u);
  BOOST_TEST(r.diagnostics[0].at.column == 25u, render(r));
  BOOST_TEST((r.diagnostics[0].severity == Severity::kError));
}

BOOST_AUTO_TEST_CASE(reports_duplicate_keys_from_the_parser) {
  auto r = load_policy("{\"acls\": [],\n \"acls\": []}");
  BOOST_TEST(!r.policy.has_value());
  BOOST_TEST_REQUIRE(!r.diagnostics.empty());
  BOOST_TEST(r.diagnostics[0].message.find("duplicate key \"acls\"") != std::string::npos, render(r));
  BOOST_TEST(r.diagnostics[0].at.line == 2u);
}

BOOST_AUTO_TEST_CASE(sorts_parser_findings_by_position) {
  // The parser reports a duplicate key after reading its value, so a duplicate inside that
  // value comes out first.
  auto r = load_policy("{\"grants\": [],\n \"grants\": {\n \"a\": 1, \"a\": 2}}");
  BOOST_TEST_REQUIRE(r.diagnostics.size() == 2u, render(r));
  BOOST_TEST(r.diagnostics[0].at.line == 2u, render(r));
  BOOST_TEST(r.diagnostics[1].at.line == 3u, render(r));
}

BOOST_AUTO_TEST_CASE(accepts_comments_and_trailing_commas) {
  auto r = load_policy(R"({
  // Everyone may reach everything.
  "acls": [
    /* the classic */ {"action": "accept", "src": ["*"], "dst": ["*:*"],},
  ],
})");
  BOOST_TEST_REQUIRE(r.policy.has_value(), render(r));
  BOOST_TEST(r.policy->acls.size() == 1u);
}

BOOST_AUTO_TEST_CASE(reports_every_finding_sorted_by_position) {
  auto r = load_policy(R"({
  "tests": [{"src": "tag:b", "accept": ["tag:a:22"]}],
  "acls": [{"action": "accept", "src": ["group:x"], "dst": ["tag:a:99999"]}],
  "acl": [],
})");
  BOOST_TEST(!r.policy.has_value());
  BOOST_TEST(render(r) ==
                 "2:21: error: tag not found: \"tag:b\"\n"
                 "2:41: error: tag not found: \"tag:a\"\n"
                 "3:41: error: group not found: \"group:x\"\n"
                 "3:68: error: port \"99999\" is out of range 0-65535\n"
                 "4:3: error: unknown key \"acl\"; did you mean \"acls\"?\n",
             render(r));
}

BOOST_AUTO_TEST_CASE(keeps_the_policy_when_there_are_only_warnings) {
  auto r = load_policy(R"({"groups": {"group:none": []}})");
  BOOST_TEST(r.policy.has_value());
  BOOST_TEST(r.diagnostics.size() == 1u);
  BOOST_TEST(!has_errors(r.diagnostics));
}

BOOST_AUTO_TEST_CASE(counts_columns_in_code_points) {
  // "é" is two bytes but one column.
  auto r = load_policy("{\"hosts\": {\"é\": \"10.0.0.1\"}, \"acls\": [{\"action\": \"accept\", \"src\": [\"*\"], \"dst\": [\"é:0\"]}]}");
  BOOST_TEST(render(r) ==
                 "1:12: warning: host \"é\" is never used\n"
                 "1:85: error: port 0 is not a valid port\n",
             render(r));
}

BOOST_AUTO_TEST_CASE(loads_the_shape_of_a_new_tailnets_default_policy) {
  // The sections a freshly created Tailscale tailnet starts with, as users bring them over.
  auto r = load_policy(R"({
  "tagOwners": {"tag:example": ["autogroup:admin"]},
  "grants": [{"src": ["*"], "dst": ["*"], "ip": ["*"]}],
  "acls": [{"action": "accept", "src": ["*"], "dst": ["*:*"]}],
  "ssh": [
    {"action": "check", "src": ["autogroup:member"], "dst": ["autogroup:self"], "users": ["autogroup:nonroot", "root"]},
  ],
  "nodeAttrs": [{"target": ["autogroup:member"], "attr": ["funnel"]}],
  "postures": {"posture:autoUpdateMac": ["node:os == 'macos'", "node:tsAutoUpdate == true"]},
  "defaultSrcPosture": [],
  "tests": [{"src": "user1@example.com", "accept": ["tag:example:443"]}],
  "sshTests": [{"src": "user1@example.com", "dst": ["tag:example"], "deny": ["root"]}],
})");
  BOOST_TEST(r.policy.has_value(), render(r));
  BOOST_TEST(r.diagnostics.empty(), render(r));
  BOOST_TEST(r.policy->postures[0].conditions.size() == 2u);
}

BOOST_AUTO_TEST_CASE(loads_a_large_generated_policy_without_findings) {
  auto text = generated_policy(10000, 2000, 500, 1000);
  auto r = load_policy(text);
  BOOST_TEST_REQUIRE(r.policy.has_value(), render(r).substr(0, 2000));
  BOOST_TEST(r.diagnostics.empty());
  BOOST_TEST(r.policy->acls.size() == 10000u);
  BOOST_TEST(r.policy->tag_owners.size() == 500u);
  BOOST_TEST(r.policy->tests.size() == 1000u);
  std::size_t members = 0;
  for (const auto& g : r.policy->groups) members += g.members.size();
  BOOST_TEST(members == 2000u);
}

BOOST_AUTO_TEST_CASE(reports_each_bad_reference_in_a_large_policy) {
  auto text = generated_policy(2000, 200, 50, 10);
  // Break every tag reference to tag:t7 by renaming its definition.
  auto at = text.find("\"tag:t7\": [");
  BOOST_TEST_REQUIRE(at != std::string::npos);
  text.replace(at, 8, "\"tag:u7\"");
  auto r = load_policy(text);
  BOOST_TEST(!r.policy.has_value());
  std::size_t tag_errors = 0;
  for (const auto& d : r.diagnostics)
    if (d.message.starts_with("tag not found: \"tag:t7\"")) ++tag_errors;
  BOOST_TEST(tag_errors == 2000u / 50u + 1u, render(r).substr(0, 500));  // 40 ACLs + 1 test
}

BOOST_AUTO_TEST_SUITE_END()
