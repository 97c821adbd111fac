#define BOOST_TEST_MODULE policy_posture_expr
#include <boost/test/unit_test.hpp>

#include "policy/posture_expr.h"

using namespace weft::policy;

BOOST_AUTO_TEST_SUITE(posture_expr)

BOOST_AUTO_TEST_CASE(parses_in_list) {
  auto c = parse_posture_condition("node:os IN ['macos', 'linux']");
  BOOST_TEST_REQUIRE(c.ok());
  BOOST_TEST(c.value().attribute == "node:os");
  BOOST_TEST((c.value().op == PostureOp::kIn));
  BOOST_TEST((c.value().values == std::vector<std::string>{"macos", "linux"}));
}

BOOST_AUTO_TEST_CASE(parses_comparisons_and_numbers) {
  auto v = parse_posture_condition("node:tsVersion >= '1.40'");
  BOOST_TEST_REQUIRE(v.ok());
  BOOST_TEST((v.value().op == PostureOp::kGe));
  BOOST_TEST(v.value().values.front() == "1.40");
  BOOST_TEST(!v.value().numeric);
  auto n = parse_posture_condition("custom:risk < 50");
  BOOST_TEST_REQUIRE(n.ok());
  BOOST_TEST((n.value().op == PostureOp::kLt));
  BOOST_TEST(n.value().numeric);
  auto b = parse_posture_condition("node:tsAutoUpdate == true");
  BOOST_TEST_REQUIRE(b.ok());
  BOOST_TEST(b.value().values.front() == "true");
}

BOOST_AUTO_TEST_CASE(parses_set_operators_and_not_in) {
  auto is_set = parse_posture_condition("falcon:ztaScore IS SET");
  BOOST_TEST_REQUIRE(is_set.ok());
  BOOST_TEST((is_set.value().op == PostureOp::kIsSet));
  BOOST_TEST(is_set.value().values.empty());
  auto not_set = parse_posture_condition("custom:x NOT SET");
  BOOST_TEST_REQUIRE(not_set.ok());
  BOOST_TEST((not_set.value().op == PostureOp::kNotSet));
  auto not_in = parse_posture_condition("ip:country NOT IN ['KP', 'IR']");
  BOOST_TEST_REQUIRE(not_in.ok());
  BOOST_TEST((not_in.value().op == PostureOp::kNotIn));
  BOOST_TEST(not_in.value().values.size() == 2u);
}

BOOST_AUTO_TEST_CASE(rejects_unknown_node_attribute_with_suggestion) {
  auto c = parse_posture_condition("node:oss == 'linux'");
  BOOST_TEST_REQUIRE(!c.ok());
  BOOST_TEST(c.error().message == "unknown posture attribute \"node:oss\"; did you mean \"node:os\"?");
  BOOST_TEST(c.error().offset == 0u);
}

BOOST_AUTO_TEST_CASE(rejects_unknown_namespace) {
  auto c = parse_posture_condition("nod:os == 'linux'");
  BOOST_TEST_REQUIRE(!c.ok());
  BOOST_TEST(c.error().message == "unknown posture attribute namespace \"nod\"; did you mean \"node\"?");
}

BOOST_AUTO_TEST_CASE(rejects_bad_operators_and_values_at_their_offset) {
  auto op = parse_posture_condition("node:os ~= 'linux'");
  BOOST_TEST_REQUIRE(!op.ok());
  BOOST_TEST(op.error().offset == 8u);
  BOOST_TEST(op.error().message.starts_with("unknown posture operator"));
  auto list = parse_posture_condition("node:os IN 'linux'");
  BOOST_TEST(list.error().message == "IN needs a list such as ['a', 'b']");
  auto cmp_list = parse_posture_condition("node:os == ['linux']");
  BOOST_TEST(cmp_list.error().message == "== compares one value; use IN for a list");
  auto unquoted = parse_posture_condition("node:os == linux");
  BOOST_TEST(unquoted.error().message == "value \"linux\" must be quoted ('linux')");
  BOOST_TEST(unquoted.error().offset == 11u);
  auto open = parse_posture_condition("node:os == 'linux");
  BOOST_TEST(open.error().message == "unterminated string in posture condition");
  auto trailing = parse_posture_condition("node:os == 'linux' extra");
  BOOST_TEST(trailing.error().message == "unexpected text after posture condition");
  auto bare_bool = parse_posture_condition("node:tsAutoUpdate");
  BOOST_REQUIRE(bare_bool.ok());
  BOOST_TEST((bare_bool.value().op == PostureOp::kEq));
  BOOST_TEST(bare_bool.value().values == std::vector<std::string>{"true"}, boost::test_tools::per_element());
  auto bare = parse_posture_condition("os == 'linux'");
  BOOST_TEST(bare.error().message == "posture attribute \"os\" must be written namespace:name (\"node:os\")");
}

BOOST_AUTO_TEST_CASE(names_operators) {
  BOOST_TEST(std::string(posture_op_text(PostureOp::kNotIn)) == "NOT IN");
  BOOST_TEST(std::string(posture_op_text(PostureOp::kLe)) == "<=");
}

BOOST_AUTO_TEST_CASE(reports_every_malformed_form) {
  BOOST_TEST(parse_posture_condition("").error().message == "expected an attribute such as \"node:os\"");
  BOOST_TEST(parse_posture_condition("custom:x IS 'a'").error().message == "expected SET after IS");
  BOOST_TEST(parse_posture_condition("custom:x NOT 'a'").error().message == "expected IN or SET after NOT");
  BOOST_TEST(parse_posture_condition("custom:x IN []").error().message == "empty list after IN");
  BOOST_TEST(parse_posture_condition("custom:x IN ['a' 'b']").error().message == "expected ',' or ']' in list");
  BOOST_TEST(parse_posture_condition("custom:x ==").error().message == "missing value after ==");
  BOOST_TEST(parse_posture_condition("custom:x == ,").error().message ==
             "expected a value ('text', a number, true or false)");
  BOOST_TEST(parse_posture_condition("custom:x IS SET 'a'").error().message ==
             "unexpected text after posture condition");
}

BOOST_AUTO_TEST_CASE(accepts_provider_attributes_and_double_quotes) {
  auto c = parse_posture_condition("intune:complianceState == \"compliant\"");
  BOOST_TEST_REQUIRE(c.ok());
  BOOST_TEST(c.value().values.front() == "compliant");
  auto n = parse_posture_condition("falcon:ztaScore >= 70");
  BOOST_TEST_REQUIRE(n.ok());
  BOOST_TEST(n.value().numeric);
}

BOOST_AUTO_TEST_SUITE_END()
