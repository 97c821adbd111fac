// The DNS settings in the coordinator: full maps carry them, a change reaches every streaming
// node as one MapDelta::dns, a restart restores them, a failed store changes nothing.
#define BOOST_TEST_MODULE coord_coordinator_dns
#include <boost/test/unit_test.hpp>

#include "coord/coordinator_harness.h"
#include "coord/dns_settings.h"

namespace weft::coord::test {
namespace {

util::IpAddress ip(const char* text) { return *util::IpAddress::parse(text); }

DnsSettings sample() {
  DnsSettings s;
  s.nameservers = {ip("192.0.2.53")};
  s.search_domains = {"corp.example"};
  s.routes = {control::DnsRoute{"lab.example", {ip("10.9.0.53")}}};
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(coordinator_dns)

BOOST_AUTO_TEST_CASE(a_change_reaches_every_streaming_node_and_new_full_maps) {
  World w;
  const std::string key = w.key("alice@example.com");
  TestNode& a = w.join(key, "a");
  TestNode& b = w.join(key, "b");
  BOOST_TEST(netmap_of(a).dns.domain == "weft.internal");
  BOOST_TEST(netmap_of(a).dns.nameservers.empty());
  const std::size_t before = a.received<control::MapDelta>().size();

  BOOST_REQUIRE(w.coordinator->set_dns(sample(), w.now).ok());
  w.pump();
  for (TestNode* n : {&a, &b}) {
    const auto deltas = n->received<control::MapDelta>();
    BOOST_REQUIRE(!deltas.empty());
    BOOST_REQUIRE(deltas.back().dns.has_value());
    BOOST_TEST(deltas.back().dns->nameservers == sample().nameservers);
    const auto map = netmap_of(*n);
    BOOST_TEST(map.dns.domain == "weft.internal");
    BOOST_TEST(map.dns.search_domains == sample().search_domains);
    BOOST_TEST((map.dns.routes == sample().routes));
  }
  // The same settings again: nothing to send.
  const std::size_t after = a.received<control::MapDelta>().size();
  BOOST_TEST(after == before + 1);
  BOOST_REQUIRE(w.coordinator->set_dns(sample(), w.now).ok());
  w.pump();
  BOOST_TEST(a.received<control::MapDelta>().size() == after);

  TestNode& c = w.join(key, "c");
  BOOST_TEST(c.received<control::MapResponse>().at(0).dns.nameservers == sample().nameservers);
}

BOOST_AUTO_TEST_CASE(survives_a_restart_and_a_failed_store_changes_nothing) {
  World w;
  BOOST_REQUIRE(w.coordinator->set_dns(sample(), w.now).ok());
  w.restart();
  BOOST_TEST((w.coordinator->dns() == sample()));

  w.store.fail = true;
  DnsSettings other;
  other.nameservers = {ip("198.51.100.1")};
  BOOST_TEST(!w.coordinator->set_dns(other, w.now).ok());
  BOOST_TEST((w.coordinator->dns() == sample()));
  w.store.fail = false;

  DnsSettings bad;
  bad.routes = {control::DnsRoute{"weft.internal", {ip("10.0.0.1")}}};
  auto refused = w.coordinator->set_dns(bad, w.now);
  BOOST_REQUIRE(!refused.ok());
  BOOST_TEST(refused.error().code == "coord.dns");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace weft::coord::test
