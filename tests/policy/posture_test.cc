// Device posture conditions against node attributes: operators, versions, numbers.
#define BOOST_TEST_MODULE posture
#include <boost/test/unit_test.hpp>

#include "policy/posture.h"

using namespace weft::policy;

namespace {

PostureCondition cond(std::string attr, PostureOp op, std::vector<std::string> values, bool numeric = false) {
  return PostureCondition{std::move(attr), op, std::move(values), numeric, {}};
}

const std::map<std::string, std::string> kMac{{"node:os", "macos"}, {"node:tsVersion", "1.62.1-t5a2"},
                                              {"custom:score", "7.5"}};

}  // namespace

BOOST_AUTO_TEST_SUITE(posture)

BOOST_AUTO_TEST_CASE(compares_versions_component_wise) {
  BOOST_TEST(compare_posture_values("1.40", "1.5", false) > 0);
  BOOST_TEST(compare_posture_values("1.40", "1.40.0", false) == 0);
  BOOST_TEST(compare_posture_values("v1.58.0", "1.58.1", false) < 0);
  BOOST_TEST(compare_posture_values("1.62.1-t5a2", "1.62.1", false) == 0);
  // weft's own versions between releases ("0.1.0~git312.gc4729c1") compare by their release.
  BOOST_TEST(compare_posture_values("0.1.0~git312.gc4729c1", "0.1", false) == 0);
  BOOST_TEST(compare_posture_values("0.1.0~git312.gc4729c1", "0.2", false) < 0);
  BOOST_TEST(compare_posture_values("10", "9", false) > 0);
}

BOOST_AUTO_TEST_CASE(compares_numbers_numerically_when_written_as_numbers) {
  BOOST_TEST(compare_posture_values("7.5", "10", true) < 0);
  BOOST_TEST(compare_posture_values("2.5", "2.25", true) > 0);
  BOOST_TEST(compare_posture_values("-3", "2", true) < 0);
  BOOST_TEST(compare_posture_values("abc", "abd", false) < 0);
}

BOOST_AUTO_TEST_CASE(evaluates_each_operator) {
  BOOST_TEST(posture_condition_holds(cond("node:os", PostureOp::kEq, {"macos"}), kMac));
  BOOST_TEST(!posture_condition_holds(cond("node:os", PostureOp::kNe, {"macos"}), kMac));
  BOOST_TEST(posture_condition_holds(cond("node:tsVersion", PostureOp::kGe, {"1.40"}), kMac));
  BOOST_TEST(posture_condition_holds(cond("node:tsVersion", PostureOp::kGt, {"1.62.0"}), kMac));
  BOOST_TEST(!posture_condition_holds(cond("node:tsVersion", PostureOp::kLt, {"1.62.1"}), kMac));
  BOOST_TEST(posture_condition_holds(cond("node:tsVersion", PostureOp::kLe, {"1.62.1"}), kMac));
  BOOST_TEST(posture_condition_holds(cond("custom:score", PostureOp::kLt, {"10"}, true), kMac));
  BOOST_TEST(posture_condition_holds(cond("node:os", PostureOp::kIn, {"linux", "macos"}), kMac));
  BOOST_TEST(!posture_condition_holds(cond("node:os", PostureOp::kNotIn, {"linux", "macos"}), kMac));
  BOOST_TEST(posture_condition_holds(cond("node:os", PostureOp::kIsSet, {}), kMac));
  BOOST_TEST(!posture_condition_holds(cond("node:os", PostureOp::kNotSet, {}), kMac));
  BOOST_TEST(posture_condition_holds(cond("falcon:ztaScore", PostureOp::kNotSet, {}), kMac));
}

BOOST_AUTO_TEST_CASE(missing_attribute_fails_every_comparison) {
  const std::map<std::string, std::string> none;
  for (auto op : {PostureOp::kEq, PostureOp::kNe, PostureOp::kLt, PostureOp::kGe, PostureOp::kIn, PostureOp::kNotIn,
                  PostureOp::kIsSet})
    BOOST_TEST(!posture_condition_holds(cond("node:os", op, {"linux"}), none));
}

BOOST_AUTO_TEST_CASE(posture_needs_every_condition) {
  Posture p;
  p.name = "posture:x";
  p.conditions = {cond("node:os", PostureOp::kEq, {"macos"}), cond("node:tsVersion", PostureOp::kGe, {"1.70"})};
  BOOST_TEST(!posture_holds(p, kMac));
  p.conditions[1].values = {"1.60"};
  BOOST_TEST(posture_holds(p, kMac));
  BOOST_TEST(posture_holds(Posture{}, {}));
}

BOOST_AUTO_TEST_SUITE_END()
