// The tailnet's DNS settings: normalization, refusals, split-DNS text (coord/dns_settings.h).
#define BOOST_TEST_MODULE coord_dns_settings
#include <boost/test/unit_test.hpp>

#include "coord/dns_settings.h"

namespace weft::coord {
namespace {

util::IpAddress ip(const char* text) { return *util::IpAddress::parse(text); }

}  // namespace

BOOST_AUTO_TEST_SUITE(dns_settings)

BOOST_AUTO_TEST_CASE(lowercases_drops_final_dots_and_sorts_routes) {
  DnsSettings s;
  s.nameservers = {ip("192.0.2.53")};
  s.search_domains = {"Corp.Example.", "lab_1.example"};
  s.routes = {control::DnsRoute{"Z.example", {ip("10.0.0.53")}},
              control::DnsRoute{"a.example.", {ip("10.0.0.54"), ip("2001:db8::53")}}};
  auto n = normalize_dns_settings(s, "weft.internal");
  BOOST_REQUIRE(n.ok());
  BOOST_TEST(n->search_domains == (std::vector<std::string>{"corp.example", "lab_1.example"}));
  BOOST_REQUIRE(n->routes.size() == 2u);
  BOOST_TEST(n->routes[0].domain == "a.example");
  BOOST_TEST(n->routes[1].domain == "z.example");
  BOOST_TEST(n->routes[0].nameservers.size() == 2u);
}

BOOST_AUTO_TEST_CASE(refuses_bad_names_twins_empty_routes_and_the_tailnet_domain) {
  const auto refused = [](DnsSettings s, const std::string& words) {
    auto n = normalize_dns_settings(std::move(s), "weft.internal");
    BOOST_REQUIRE(!n.ok());
    BOOST_TEST(n.error().code == "coord.dns");
    BOOST_TEST(n.error().detail.find(words) != std::string::npos, n.error().detail);
  };
  for (const std::string& bad :
       {std::string("a..b"), std::string(".a"), std::string("a b"), std::string(),
        std::string("é.example"), std::string(64, 'x')}) {
    DnsSettings s;
    s.search_domains = {bad};
    refused(s, "is not a DNS name");
  }
  DnsSettings twice;
  twice.search_domains = {"a.example", "A.example."};
  refused(twice, "given twice");
  DnsSettings routes_twice;
  routes_twice.routes = {control::DnsRoute{"a.example", {ip("10.0.0.1")}},
                         control::DnsRoute{"A.EXAMPLE", {ip("10.0.0.2")}}};
  refused(routes_twice, "given twice");
  DnsSettings empty_route;
  empty_route.routes = {control::DnsRoute{"a.example", {}}};
  refused(empty_route, "has no nameserver");
  for (const char* own : {"weft.internal", "x.weft.internal"}) {
    DnsSettings s;
    s.routes = {control::DnsRoute{own, {ip("10.0.0.1")}}};
    refused(s, "tailnet's own domain");
  }
  DnsSettings similar;  // "xweft.internal" is not under "weft.internal"
  similar.routes = {control::DnsRoute{"xweft.internal", {ip("10.0.0.1")}}};
  BOOST_TEST(normalize_dns_settings(similar, "weft.internal").ok());
  DnsSettings many;
  many.nameservers.assign(control::kMaxDnsNameservers + 1, ip("192.0.2.1"));
  refused(many, "at most");
}

BOOST_AUTO_TEST_CASE(parses_split_dns_text) {
  auto r = parse_dns_route("corp.example=10.0.0.53,2001:db8::53");
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r->domain == "corp.example");
  BOOST_TEST(r->nameservers.size() == 2u);
  for (const char* bad : {"corp.example", "=10.0.0.1", "corp.example=", "corp.example=host",
                          "corp.example=10.0.0.1,"}) {
    BOOST_TEST(!parse_dns_route(bad).ok(), bad);
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace weft::coord
