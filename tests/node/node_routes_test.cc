// What a node advertises and which routes a netmap gives it (node/node_routes.h).
#define BOOST_TEST_MODULE node_node_routes
#include <boost/test/unit_test.hpp>

#include "node/node_routes.h"

namespace weft::node {
namespace {

util::IpPrefix prefix(const char* text) { return *util::IpPrefix::parse(text); }

}  // namespace

BOOST_AUTO_TEST_SUITE(node_routes)

BOOST_AUTO_TEST_CASE(an_exit_node_advertises_both_default_routes) {
  RouteOptions o;
  o.advertise_routes = {prefix("10.9.0.0/24"), prefix("10.9.0.0/24")};
  BOOST_TEST((advertised_routes(o) == std::vector<util::IpPrefix>{prefix("10.9.0.0/24")}));
  BOOST_TEST(o.router());
  o.advertise_exit_node = true;
  BOOST_TEST((advertised_routes(o) == std::vector<util::IpPrefix>{prefix("0.0.0.0/0"),
                                                                  prefix("10.9.0.0/24"),
                                                                  prefix("::/0")}));
  BOOST_TEST(!RouteOptions{}.router());
}

BOOST_AUTO_TEST_CASE(subnet_routes_leave_out_the_tailnet_and_default_routes) {
  std::map<control::NodeId, control::Peer> peers;
  control::Peer& r = peers[control::NodeId{1}];
  r.allowed_ips = {prefix("100.64.0.7/32"), prefix("fd7a:115c:a1e0::7/128"), prefix("10.9.0.0/24"),
                   prefix("0.0.0.0/0"), prefix("::/0"), prefix("2001:db8:9::/48")};
  control::Peer& s = peers[control::NodeId{2}];
  s.allowed_ips = {prefix("100.64.0.8/32"), prefix("10.9.0.0/24"), prefix("192.0.2.0/24")};
  BOOST_TEST((subnet_routes_of(peers) ==
              std::vector<util::IpPrefix>{prefix("10.9.0.0/24"), prefix("192.0.2.0/24"),
                                          prefix("2001:db8:9::/48")}));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace weft::node
