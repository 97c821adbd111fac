// The policy pipeline as one call: a text loaded, compiled and its tests run, with findings
// positioned in the text and failing tests reported beside them.
#define BOOST_TEST_MODULE pipeline
#include <boost/test/unit_test.hpp>

#include <string>

#include "policy/pipeline.h"

using namespace weft::policy;

namespace {

// acls[0] (line 5, column 5): group:eng -> tag:prod:22. Both tests pass.
constexpr const char* kValid = R"({
  "groups": {"group:eng": ["alice@example.com", "bob@example.com"]},
  "tagOwners": {"tag:prod": ["group:eng"]},
  "acls": [
    {"action": "accept", "src": ["group:eng"], "dst": ["tag:prod:22"]},
  ],
  "tests": [
    {"src": "alice@example.com", "accept": ["tag:prod:22"], "deny": ["tag:prod:80"]},
  ],
})";

// The deny case at 7:70 is accepted by acls[0] (4:5).
constexpr const char* kFailingTest = R"({
  "tagOwners": {"tag:prod": ["alice@example.com"]},
  "acls": [
    {"action": "accept", "src": ["alice@example.com"], "dst": ["tag:prod:22"]},
  ],
  "tests": [
    {"src": "alice@example.com", "accept": ["tag:prod:22"], "deny": ["tag:prod:22"]},
  ],
})";

// "3:34 group not found: ..." : one finding, comparable in one assertion.
std::string positioned(const Diagnostic& d) {
  return std::to_string(d.at.line) + ":" + std::to_string(d.at.column) + " " + d.message;
}

Identity user_node(const char* user) {
  Identity id;
  id.user = user;
  return id;
}

Identity tag_node(const char* tag) {
  Identity id;
  id.tags = {tag};
  return id;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(pipeline)

BOOST_AUTO_TEST_CASE(valid_policy_compiles_and_passes_its_tests) {
  CheckedPolicy c = check_policy(kValid);
  BOOST_TEST(c.valid());
  BOOST_TEST(c.diagnostics.size() == 0u);
  BOOST_REQUIRE(c.policy.has_value());
  BOOST_REQUIRE(c.evaluator.has_value());
  BOOST_TEST(c.tests.cases.size() == 2u);
  BOOST_TEST(c.tests.passed() == 2u);
  BOOST_TEST(c.tests.failed() == 0u);

  const Identity bob = user_node("bob@example.com");
  const Identity prod = tag_node("tag:prod");
  Decision d = c.evaluator->decide(bob, prod, kProtoTcp, 22);
  BOOST_TEST(d.accept);
  BOOST_REQUIRE(d.rule.has_value());
  BOOST_TEST(d.rule->index == 0u);
  BOOST_TEST(d.rule->at.line == 5u);
  BOOST_TEST(!c.evaluator->decide(bob, prod, kProtoTcp, 80).accept);
}

BOOST_AUTO_TEST_CASE(invalid_policy_reports_every_finding_at_its_position) {
  CheckedPolicy c = check_policy(R"({
  "acls": [
    {"action": "accept", "src": ["group:nope"], "dst": ["tag:prod:22"]},
  ],
})");
  BOOST_TEST(!c.valid());
  BOOST_TEST(!c.policy.has_value());
  BOOST_TEST(!c.evaluator.has_value());
  BOOST_TEST(c.tests.cases.empty());
  BOOST_TEST(has_errors(c.diagnostics));
  BOOST_REQUIRE(c.diagnostics.size() == 2u);
  BOOST_TEST(positioned(c.diagnostics[0]) == "3:34 group not found: \"group:nope\"");
  BOOST_TEST(positioned(c.diagnostics[1]) == "3:57 tag not found: \"tag:prod\"");
}

BOOST_AUTO_TEST_CASE(syntax_error_stops_before_reading) {
  CheckedPolicy c = check_policy("{\n  \"acls\": [,\n}\n");
  BOOST_TEST(!c.valid());
  BOOST_TEST(!c.policy.has_value());
  BOOST_TEST(!c.evaluator.has_value());
  BOOST_REQUIRE(c.diagnostics.size() == 1u);
  BOOST_TEST(has_errors(c.diagnostics));
  BOOST_TEST(c.diagnostics[0].at.line == 2u);
  BOOST_TEST(c.diagnostics[0].at.column == 12u);  // the stray ','
}

BOOST_AUTO_TEST_CASE(failing_test_makes_a_loaded_policy_invalid) {
  CheckedPolicy c = check_policy(kFailingTest);
  BOOST_TEST(!c.valid());
  BOOST_TEST(c.diagnostics.size() == 0u);
  BOOST_TEST(c.policy.has_value());
  BOOST_TEST(c.evaluator.has_value());
  BOOST_TEST(c.tests.passed() == 1u);
  BOOST_REQUIRE(c.tests.failed() == 1u);
  const TestCaseResult& failed = c.tests.cases[1];
  BOOST_TEST(!failed.passed);
  BOOST_TEST(!failed.expect_accept);
  BOOST_TEST(failed.case_at.line == 7u);
  BOOST_TEST(failed.case_at.column == 70u);
  BOOST_REQUIRE(failed.accepted_by.has_value());
  BOOST_TEST(failed.accepted_by->index == 0u);
  BOOST_TEST(failed.accepted_by->at.line == 4u);
  BOOST_TEST(failed.accepted_by->at.column == 5u);
}

BOOST_AUTO_TEST_CASE(skips_the_tests_when_asked) {
  CheckedPolicy c = check_policy(kFailingTest, RunTests::kNo);
  BOOST_TEST(c.valid());
  BOOST_TEST(c.evaluator.has_value());
  BOOST_TEST(c.tests.cases.empty());
}

BOOST_AUTO_TEST_CASE(warnings_alone_keep_a_policy_valid) {
  CheckedPolicy c = check_policy(R"({
  "groups": {"group:empty": []},
})");
  BOOST_TEST(c.valid());
  BOOST_TEST(c.evaluator.has_value());
  BOOST_REQUIRE(c.diagnostics.size() == 1u);
  BOOST_TEST(!has_errors(c.diagnostics));
  BOOST_TEST(positioned(c.diagnostics[0]) == "2:14 group \"group:empty\" has no members");
}

BOOST_AUTO_TEST_SUITE_END()
