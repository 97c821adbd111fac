// Live routes, autoApprovers and primary election (coord/routes.h; docs/network-config.md).
#define BOOST_TEST_MODULE coord_routes
#include <boost/test/unit_test.hpp>

#include "coord/routes.h"
#include "policy/pipeline.h"

namespace weft::coord {
namespace {

util::IpPrefix prefix(const char* text) { return *util::IpPrefix::parse(text); }

policy::Policy policy_of(const char* text) {
  auto checked = policy::check_policy(text, policy::RunTests::kNo);
  BOOST_REQUIRE(checked.policy.has_value());
  return *checked.policy;
}

const char* kApprovers = R"({
  "groups": {"group:net": ["alice@example.com"]},
  "tagOwners": {"tag:router": ["alice@example.com"], "tag:other": ["alice@example.com"]},
  "autoApprovers": {
    "routes": {"10.0.0.0/8": ["tag:router", "group:net"], "192.168.0.0/16": ["autogroup:admin"]},
    "exitNode": ["tag:router"],
  },
  "acls": [{"action": "accept", "src": ["*"], "dst": ["*:*"]}],
})";

}  // namespace

BOOST_AUTO_TEST_SUITE(routes)

BOOST_AUTO_TEST_CASE(auto_approvers_name_tags_for_tagged_devices_and_owners_otherwise) {
  const policy::Policy p = policy_of(kApprovers);
  Device router;
  router.tags = {"tag:router"};
  router.advertised_routes = {prefix("10.1.0.0/16"), prefix("172.16.0.0/12"), prefix("0.0.0.0/0"),
                              prefix("::/0"), prefix("192.168.1.0/24")};
  BOOST_TEST((auto_approved_routes(p, router, nullptr) ==
              std::vector<util::IpPrefix>{prefix("0.0.0.0/0"), prefix("10.1.0.0/16"),
                                          prefix("::/0")}));
  Device other = router;
  other.tags = {"tag:other"};
  BOOST_TEST(auto_approved_routes(p, other, nullptr).empty());

  User alice{UserId{1}, "alice@example.com"};
  Device owned;
  owned.advertised_routes = router.advertised_routes;
  // alice is in group:net: 10.0.0.0/8 only (exit nodes and 192.168/16 need others).
  BOOST_TEST((auto_approved_routes(p, owned, &alice) ==
              std::vector<util::IpPrefix>{prefix("10.1.0.0/16")}));
  alice.role = Role::kAdmin;
  BOOST_TEST(auto_approved_routes(p, owned, &alice).size() == 2u);
  User bob{UserId{2}, "bob@example.com"};
  BOOST_TEST(auto_approved_routes(p, owned, &bob).empty());
}

BOOST_AUTO_TEST_CASE(a_route_is_live_when_advertised_and_approved) {
  Device d;
  d.advertised_routes = {prefix("10.1.0.0/16"), prefix("10.2.0.0/16"), prefix("10.3.0.0/16")};
  d.approved_routes = {prefix("10.1.0.0/16"), prefix("10.9.0.0/16")};  // 10.9 not advertised
  BOOST_TEST((enabled_routes(d, {prefix("10.3.0.0/16")}) ==
              std::vector<util::IpPrefix>{prefix("10.1.0.0/16"), prefix("10.3.0.0/16")}));
  BOOST_TEST(is_exit_route(prefix("::/0")));
  BOOST_TEST(!is_exit_route(prefix("0.0.0.0/1")));
}

BOOST_AUTO_TEST_CASE(the_primary_stays_while_online_and_moves_to_the_lowest_online_id) {
  const util::IpPrefix p = prefix("10.9.0.0/24");
  PrimaryRoutes primaries;
  auto with = [&](std::vector<RouteCandidate> c) {
    return primaries.update({{p, std::move(c)}});
  };
  BOOST_TEST(with({{DeviceId{7}, true}, {DeviceId{3}, true}}) == 1u);
  BOOST_TEST(primaries.primaries().at(p).value == 3u);
  BOOST_TEST(with({{DeviceId{7}, true}, {DeviceId{3}, true}}) == 0u);
  // 3 goes offline: 7 takes over; 3 comes back: 7 keeps it.
  BOOST_TEST(with({{DeviceId{7}, true}, {DeviceId{3}, false}}) == 1u);
  BOOST_TEST(primaries.primaries().at(p).value == 7u);
  BOOST_TEST(with({{DeviceId{7}, true}, {DeviceId{3}, true}}) == 0u);
  BOOST_TEST(primaries.primaries().at(p).value == 7u);
  // Everyone offline: the primary stays; a prefix without candidates has none.
  BOOST_TEST(with({{DeviceId{7}, false}, {DeviceId{3}, false}}) == 0u);
  BOOST_TEST(primaries.primaries().at(p).value == 7u);
  BOOST_TEST(primaries.update({}) == 1u);
  BOOST_TEST(primaries.primaries().empty());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace weft::coord
