// The policy history: records survive a reopen in ascending version order, the latest is found,
// and a version once recorded is never rewritten.
#define BOOST_TEST_MODULE store_policy_table
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "coord/device.h"
#include "store/database.h"
#include "store/policy_table.h"
#include "support/store_db.h"
#include "support/temp_dir.h"

using namespace weft;
using namespace weft::coord;
using namespace weft::store;
using namespace store_test;
using namespace std::chrono_literals;

namespace {

void check_same(const PolicyRecord& a, const PolicyRecord& b) {
  BOOST_TEST(a.version == b.version);
  BOOST_TEST(a.text == b.text);
  BOOST_TEST((a.applied == b.applied));
}

// HuJSON as an operator writes it: comments, a trailing comma, quotes, non-ASCII text.
const std::string kPolicyText =
    "// Zoë's tailnet\n{\n  \"acls\": [\n    {\"action\": \"accept\", \"src\": [\"*\"], "
    "\"dst\": [\"*:*\"]},\n  ],\n}\n";

}  // namespace

BOOST_AUTO_TEST_SUITE(store_policy_table)

BOOST_AUTO_TEST_CASE(an_empty_history_has_no_latest_policy) {
  TempDir dir;
  auto db = open_ok(dir.file("state.db"));
  auto history = load_policy_history(*db);
  BOOST_REQUIRE(history.ok());
  BOOST_TEST(history->empty());
  auto latest = load_latest_policy(*db);
  BOOST_REQUIRE(latest.ok());
  BOOST_TEST(!latest->has_value());
}

BOOST_AUTO_TEST_CASE(the_history_survives_a_reopen_in_ascending_order) {
  TempDir dir;
  const std::string path = dir.file("state.db");
  std::vector<PolicyRecord> written;
  for (uint64_t v = 1; v <= 12; ++v) {
    written.push_back({v, kPolicyText + "// version " + std::to_string(v) + "\n",
                       kT0 + std::chrono::minutes(v)});
  }
  {
    auto db = open_ok(path);
    for (const PolicyRecord& r : written) require_ok(save_policy(*db, r));
  }
  auto db = open_ok(path);
  auto history = load_policy_history(*db);
  BOOST_REQUIRE(history.ok());
  BOOST_REQUIRE(history->size() == written.size());
  // Versions 10..12 sort after 9: they are integers, not text.
  for (std::size_t i = 0; i < written.size(); ++i) check_same((*history)[i], written[i]);
  auto latest = load_latest_policy(*db);
  BOOST_REQUIRE(latest.ok() && latest->has_value());
  check_same(**latest, written.back());
}

BOOST_AUTO_TEST_CASE(a_recorded_version_is_never_rewritten) {
  TempDir dir;
  auto db = open_ok(dir.file("state.db"));
  require_ok(save_policy(*db, {1, kPolicyText, kT0}));
  Status st = save_policy(*db, {1, "{}", kT0 + 1h});
  BOOST_REQUIRE(!st.ok());
  BOOST_TEST(st.error().code == "store.sqlite");
  auto history = load_policy_history(*db);
  BOOST_REQUIRE(history.ok() && history->size() == 1u);
  check_same((*history)[0], {1, kPolicyText, kT0});
}

BOOST_AUTO_TEST_CASE(version_zero_is_refused) {
  TempDir dir;
  auto db = open_ok(dir.file("state.db"));
  Status st = save_policy(*db, {0, kPolicyText, kT0});
  BOOST_REQUIRE(!st.ok());
  BOOST_TEST(st.error().code == "store.sqlite");
  auto latest = load_latest_policy(*db);
  BOOST_REQUIRE(latest.ok());
  BOOST_TEST(!latest->has_value());
}

BOOST_AUTO_TEST_SUITE_END()
