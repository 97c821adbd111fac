// Subnet routes and exit nodes in the coordinator (docs/network-config.md): approval, who gets a
// router's prefixes, the router's filter, primary failover, autoApprovers and exit routes.
#define BOOST_TEST_MODULE coord_coordinator_routes
#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "coord/coordinator_harness.h"

namespace weft::coord::test {
namespace {

util::IpPrefix prefix(const char* text) { return *util::IpPrefix::parse(text); }

const char* kPolicy = R"({
  "tagOwners": {"tag:router": ["admin@example.com"]},
  "autoApprovers": {"routes": {"10.8.0.0/16": ["tag:router"]}, "exitNode": ["tag:router"]},
  "acls": [
    {"action": "accept", "src": ["alice@example.com"], "dst": ["10.9.0.0/24:*", "10.8.0.0/24:*"]},
    {"action": "accept", "src": ["alice@example.com"], "dst": ["autogroup:internet:*"]},
    {"action": "accept", "src": ["bob@example.com"], "dst": ["alice@example.com:*"]},
  ],
})";

TestNode& join_router(World& w, const std::string& key, const std::string& name,
                      std::vector<util::IpPrefix> routes) {
  TestNode& n = w.node();
  w.connect(n);
  auto r = w.register_request(n, key, name);
  r.hostinfo.advertised_routes = std::move(routes);
  w.send(n, r);
  control::MapRequest m;
  m.node_key = n.node_key;
  w.send(n, m);
  return n;
}

// The prefixes of `router` in `viewer`'s netmap beyond its addresses; nullopt: not a peer.
std::optional<std::vector<util::IpPrefix>> routes_seen(const TestNode& viewer, const TestNode& router) {
  const auto peers = model_of(viewer);
  auto it = peers.find(id_of(router));
  if (it == peers.end()) return std::nullopt;
  std::vector<util::IpPrefix> out;
  for (const auto& a : it->second.allowed_ips)
    if (a.bits() != 32 && a.bits() != 128) out.push_back(a);
  return out;
}

bool filter_admits(const TestNode& router, const util::IpPrefix& dst, const TestNode& src) {
  const auto map = netmap_of(router);
  const auto peers = model_of(src);
  (void)peers;
  const auto self = netmap_of(src).self.addresses.at(0);
  for (const auto& rule : map.filter) {
    const bool to = std::find(rule.destinations.begin(), rule.destinations.end(), dst) !=
                    rule.destinations.end();
    bool from = false;
    for (const auto& s : rule.sources) from = from || s.contains(self);
    if (to && from) return true;
  }
  return false;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(coordinator_routes)

BOOST_AUTO_TEST_CASE(an_approved_route_reaches_only_the_nodes_the_policy_lets_reach_it) {
  World w(kPolicy);
  const std::string alice = w.key("alice@example.com");
  const std::string bob = w.key("bob@example.com");
  TestNode& a = w.join(alice, "a");
  TestNode& b = w.join(bob, "b");
  TestNode& r = join_router(w, w.key("carol@example.com"), "r", {prefix("10.9.0.0/24")});

  // Advertised, not approved: nobody routes through r, and nobody sees it.
  BOOST_TEST(!routes_seen(a, r).has_value());
  BOOST_TEST(!routes_seen(b, r).has_value());

  BOOST_REQUIRE(w.coordinator->set_route_approval(DeviceId{id_of(r)}, {prefix("10.9.0.0/24")},
                                                  true, w.now).ok());
  w.pump();
  BOOST_REQUIRE(routes_seen(a, r).has_value());
  BOOST_TEST((*routes_seen(a, r) == std::vector<util::IpPrefix>{prefix("10.9.0.0/24")}));
  BOOST_TEST(!routes_seen(b, r).has_value());
  // The router knows the node that may send through it, and its filter lets it in.
  BOOST_TEST(model_of(r).count(id_of(a)) == 1);
  BOOST_TEST(model_of(r).count(id_of(b)) == 0);
  BOOST_TEST(filter_admits(r, prefix("10.9.0.0/24"), a));
  BOOST_TEST(!filter_admits(r, prefix("10.9.0.0/24"), b));

  const auto listed = w.coordinator->routes();
  BOOST_REQUIRE(listed.size() == 1);
  BOOST_TEST((listed[0].primary == std::vector<util::IpPrefix>{prefix("10.9.0.0/24")}));

  // A node that joins later gets the route in its full map.
  TestNode& a2 = w.join(alice, "a2");
  BOOST_REQUIRE(routes_seen(a2, r).has_value());

  BOOST_REQUIRE(w.coordinator->set_route_approval(DeviceId{id_of(r)}, {prefix("10.9.0.0/24")},
                                                  false, w.now).ok());
  w.pump();
  BOOST_TEST(!routes_seen(a, r).has_value());
  BOOST_TEST(model_of(r).count(id_of(a)) == 0);
  BOOST_TEST(!filter_admits(r, prefix("10.9.0.0/24"), a));

  // Approvals are kept across a restart.
  BOOST_REQUIRE(w.coordinator->set_route_approval(DeviceId{id_of(r)}, {prefix("10.9.0.0/24")},
                                                  true, w.now).ok());
  w.restart();
  BOOST_TEST((w.coordinator->registry().find(DeviceId{id_of(r)})->approved_routes ==
              std::vector<util::IpPrefix>{prefix("10.9.0.0/24")}));
}

BOOST_AUTO_TEST_CASE(a_router_seen_through_its_route_alone_sends_its_endpoints_to_its_users) {
  // a may reach the subnet, not r itself: they are peers through the route only. r's later
  // endpoints and home region must reach a, or a has no way to r (found by
  // scenarios/network-config.hujson: a's packets to the subnet were dropped, no endpoint).
  World w(kPolicy);
  TestNode& a = w.join(w.key("alice@example.com"), "a");
  TestNode& r = join_router(w, w.key("carol@example.com"), "r", {prefix("10.9.0.0/24")});
  BOOST_REQUIRE(w.coordinator->set_route_approval(DeviceId{id_of(r)}, {prefix("10.9.0.0/24")},
                                                  true, w.now).ok());
  w.pump();
  BOOST_REQUIRE(routes_seen(a, r).has_value());
  control::EndpointUpdate u;
  u.endpoints = {*core::SocketAddress::parse("198.51.100.7:41641")};
  u.home_region = 7;
  w.send(r, u);
  w.pump();
  const auto peers = model_of(a);
  BOOST_REQUIRE(peers.count(id_of(r)) == 1);
  BOOST_TEST((peers.at(id_of(r)).endpoints == u.endpoints));
  BOOST_TEST(peers.at(id_of(r)).home_region == 7);
}

BOOST_AUTO_TEST_CASE(the_second_router_takes_over_when_the_primary_goes_offline) {
  World w(kPolicy);
  TestNode& a = w.join(w.key("alice@example.com"), "a");
  const std::string carol = w.key("carol@example.com");
  TestNode& r1 = join_router(w, carol, "r1", {prefix("10.9.0.0/24")});
  TestNode& r2 = join_router(w, carol, "r2", {prefix("10.9.0.0/24")});
  for (TestNode* r : {&r1, &r2})
    BOOST_REQUIRE(w.coordinator->set_route_approval(DeviceId{id_of(*r)}, {prefix("10.9.0.0/24")},
                                                    true, w.now).ok());
  w.pump();
  BOOST_REQUIRE(routes_seen(a, r1).has_value());
  BOOST_TEST(routes_seen(a, r1)->size() == 1u);
  BOOST_TEST(!routes_seen(a, r2).has_value());  // one primary: r2 carries nothing for a

  w.disconnect(r1);
  BOOST_REQUIRE(routes_seen(a, r2).has_value());
  BOOST_TEST((*routes_seen(a, r2) == std::vector<util::IpPrefix>{prefix("10.9.0.0/24")}));
  BOOST_TEST(!routes_seen(a, r1).has_value());
  BOOST_TEST(filter_admits(r2, prefix("10.9.0.0/24"), a));

  // r1 back online: r2 stays primary (no flapping).
  TestNode& r1b = w.connect(r1);
  control::MapRequest m;
  m.node_key = r1b.node_key;
  w.send(r1b, w.register_request(r1b, "", "r1"));
  w.send(r1b, m);
  BOOST_TEST(routes_seen(a, r2).has_value());
  BOOST_TEST(!routes_seen(a, r1).has_value());
}

BOOST_AUTO_TEST_CASE(auto_approvers_approve_routes_and_exit_nodes_for_the_policy_internet) {
  World w(kPolicy);
  TestNode& a = w.join(w.key("alice@example.com"), "a");
  TestNode& b = w.join(w.key("bob@example.com"), "b");
  const std::string router = w.key("admin@example.com", {"tag:router"});
  TestNode& r = join_router(w, router, "r",
                            {prefix("10.8.0.0/24"), prefix("0.0.0.0/0"), prefix("::/0")});
  // Not approved by anyone but the policy: 10.8.0.0/24 under 10.8.0.0/16, and the exit routes.
  const auto seen = routes_seen(a, r);
  BOOST_REQUIRE(seen.has_value());
  BOOST_TEST((*seen == std::vector<util::IpPrefix>{prefix("0.0.0.0/0"), prefix("10.8.0.0/24"),
                                                   prefix("::/0")}));
  // b has no internet in the policy: no exit routes, no router.
  BOOST_TEST(!routes_seen(b, r).has_value());
  BOOST_TEST(filter_admits(r, prefix("0.0.0.0/0"), a));

  // A router whose tag the policy does not name is not approved.
  TestNode& plain = join_router(w, w.key("carol@example.com"), "plain", {prefix("10.8.1.0/24")});
  BOOST_TEST(!routes_seen(a, plain).has_value());
  const auto listed = w.coordinator->routes();
  BOOST_TEST(listed.size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace weft::coord::test
