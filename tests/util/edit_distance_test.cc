// Tests for weft::util::edit_distance and closest_match ("did you mean" hints).
#define BOOST_TEST_MODULE edit_distance
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "util/edit_distance.h"

using weft::util::closest_match;
using weft::util::edit_distance;

BOOST_AUTO_TEST_SUITE(edit_distance_suite)

BOOST_AUTO_TEST_CASE(counts_insertions_deletions_and_substitutions) {
  BOOST_TEST(edit_distance("", "") == 0u);
  BOOST_TEST(edit_distance("acls", "acls") == 0u);
  BOOST_TEST(edit_distance("", "abc") == 3u);
  BOOST_TEST(edit_distance("abc", "") == 3u);
  BOOST_TEST(edit_distance("kitten", "sitting") == 3u);
  BOOST_TEST(edit_distance("sitting", "kitten") == 3u);
  BOOST_TEST(edit_distance("flaw", "lawn") == 2u);
  BOOST_TEST(edit_distance("acl", "acls") == 1u);
  BOOST_TEST(edit_distance("tagowners", "tagOwners") == 1u);
  BOOST_TEST(edit_distance("acsl", "acls") == 2u);  // a transposition is two edits
}

BOOST_AUTO_TEST_CASE(suggests_nearest_candidate_within_limit) {
  const std::vector<std::string> keys{"acls", "groups", "hosts", "tagOwners", "tests", "ssh"};
  BOOST_TEST(closest_match("acl", keys, 2).value_or("") == "acls");
  BOOST_TEST(closest_match("grups", keys, 2).value_or("") == "groups");
  BOOST_TEST(closest_match("tagowners", keys, 2).value_or("") == "tagOwners");
  BOOST_TEST(!closest_match("postures", keys, 2).has_value());
}

BOOST_AUTO_TEST_CASE(prefers_earliest_candidate_on_ties) {
  const std::vector<std::string> keys{"hosts", "tests"};
  // "hests" is one substitution from both.
  BOOST_TEST(closest_match("hests", keys, 3).value_or("") == "hosts");
  const std::vector<std::string> reversed{"tests", "hosts"};
  BOOST_TEST(closest_match("hests", reversed, 3).value_or("") == "tests");
}

BOOST_AUTO_TEST_CASE(returns_nothing_without_candidates_or_with_zero_limit) {
  BOOST_TEST(!closest_match("acls", {}, 5).has_value());
  BOOST_TEST(!closest_match("acl", {"acls"}, 0).has_value());
  BOOST_TEST(closest_match("acls", {"acls"}, 0).value_or("") == "acls");
}

BOOST_AUTO_TEST_CASE(accepts_the_largest_limit_without_overflow) {
  BOOST_TEST(closest_match("x", {"completely-different"}, static_cast<std::size_t>(-1)).value_or("") ==
             "completely-different");
}

BOOST_AUTO_TEST_SUITE_END()
