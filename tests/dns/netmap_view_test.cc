// MagicDNS's view of a netmap: the node itself and its peers by name, the server's DNS settings,
// the search domains with the tailnet domain first.
#define BOOST_TEST_MODULE dns_netmap_view
#include <boost/test/unit_test.hpp>

#include "dns/netmap_view.h"

using namespace weft;

namespace {

util::IpAddress ip(const char* text) { return *util::IpAddress::parse(text); }

control::Peer peer(const std::string& name, const char* address) {
  control::Peer p;
  p.name = name;
  p.addresses = {ip(address)};
  return p;
}

controlclient::NetMap netmap() {
  controlclient::NetMap m;
  m.complete = true;
  m.self = peer("host-a", "100.64.0.1");
  m.peers[control::NodeId{2}] = peer("host-b", "100.64.0.2");
  m.peers[control::NodeId{3}] = peer("host-c", "100.64.0.3");
  m.dns.domain = "Weft.Internal.";
  m.dns.nameservers = {ip("192.0.2.53")};
  m.dns.search_domains = {"corp.example", "weft.internal"};
  m.dns.routes = {control::DnsRoute{"lab.example", {ip("10.9.0.53")}}};
  return m;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(netmap_view)

BOOST_AUTO_TEST_CASE(names_itself_and_every_peer_with_the_servers_settings) {
  const dns::ResolverConfig c = dns::netmap_resolver_config(netmap());
  BOOST_TEST(c.domain == "weft.internal");
  BOOST_REQUIRE_EQUAL(c.hosts.size(), 3u);
  std::vector<std::string> names;
  for (const auto& h : c.hosts) names.push_back(h.name);
  BOOST_TEST(names == (std::vector<std::string>{"host-a", "host-b", "host-c"}),
             boost::test_tools::per_element());
  BOOST_TEST(c.hosts[1].addresses.at(0).to_string() == "100.64.0.2");
  BOOST_TEST((c.nameservers == std::vector<util::IpAddress>{ip("192.0.2.53")}));
  BOOST_REQUIRE_EQUAL(c.routes.size(), 1u);
  BOOST_TEST(c.routes[0].domain == "lab.example");
}

BOOST_AUTO_TEST_CASE(a_peer_gone_from_the_netmap_is_gone_from_the_view) {
  controlclient::NetMap m = netmap();
  m.peers.erase(control::NodeId{3});
  const dns::ResolverConfig c = dns::netmap_resolver_config(m);
  BOOST_REQUIRE_EQUAL(c.hosts.size(), 2u);
  for (const auto& h : c.hosts) BOOST_TEST(h.name != "host-c");
}

BOOST_AUTO_TEST_CASE(a_node_without_a_name_is_not_a_host) {
  controlclient::NetMap m = netmap();
  m.self.name.clear();
  BOOST_TEST(dns::netmap_resolver_config(m).hosts.size() == 2u);
}

BOOST_AUTO_TEST_CASE(search_domains_start_with_the_tailnet_domain_without_repeats) {
  const auto search = dns::netmap_search_domains(netmap().dns);
  BOOST_TEST(search == (std::vector<std::string>{"weft.internal", "corp.example"}),
             boost::test_tools::per_element());
  BOOST_TEST(dns::netmap_search_domains(control::DnsConfig{}).empty());
}

BOOST_AUTO_TEST_SUITE_END()
