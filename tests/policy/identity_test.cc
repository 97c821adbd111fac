// Test and query source/destination texts parsed into identities.
#define BOOST_TEST_MODULE identity
#include <boost/test/unit_test.hpp>

#include "policy/identity.h"

using namespace weft::policy;
using weft::util::IpAddress;
using weft::util::IpPrefix;

namespace {

Policy sample() {
  Policy p;
  Group g;
  g.name = "group:eng";
  p.groups.push_back(g);
  TagOwner t;
  t.tag = "tag:prod";
  p.tag_owners.push_back(t);
  Host h;
  h.name = "db";
  h.prefix = *IpPrefix::parse("100.64.0.10");
  p.hosts.push_back(h);
  return p;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(identity)

BOOST_AUTO_TEST_CASE(parses_a_user) {
  auto id = identity_from_text(sample(), "alice@example.com", true);
  BOOST_REQUIRE(id.ok());
  BOOST_TEST(*id->user == "alice@example.com");
  BOOST_TEST(id->tags.empty());
}

BOOST_AUTO_TEST_CASE(parses_a_known_tag_and_rejects_an_unknown_one) {
  auto id = identity_from_text(sample(), "tag:prod", false);
  BOOST_REQUIRE(id.ok());
  BOOST_TEST(id->tags.size() == 1u);
  BOOST_TEST(id->tags[0] == "tag:prod");
  BOOST_TEST(!id->user.has_value());
  auto bad = identity_from_text(sample(), "tag:nope", false);
  BOOST_REQUIRE(!bad.ok());
  BOOST_TEST(bad.error().code == "identity.unknown_tag");
}

BOOST_AUTO_TEST_CASE(accepts_a_group_on_either_side) {
  auto src = identity_from_text(sample(), "group:eng", true);
  BOOST_REQUIRE(src.ok());
  BOOST_TEST(src->groups.size() == 1u);
  auto dst = identity_from_text(sample(), "group:eng", false);
  BOOST_REQUIRE(dst.ok());
  BOOST_TEST(dst->groups == std::vector<std::string>{"group:eng"});
  BOOST_TEST(!identity_from_text(sample(), "group:unknown", true).ok());
  BOOST_TEST(!identity_from_text(sample(), "group:unknown", false).ok());
}

BOOST_AUTO_TEST_CASE(resolves_host_alias_to_its_address) {
  auto id = identity_from_text(sample(), "db", false);
  BOOST_REQUIRE(id.ok());
  BOOST_REQUIRE(id->addresses.size() == 1u);
  BOOST_TEST((id->addresses[0] == *IpAddress::parse("100.64.0.10")));
}

BOOST_AUTO_TEST_CASE(parses_ipv4_and_bracketed_ipv6_addresses) {
  auto v4 = identity_from_text(sample(), "192.0.2.1", false);
  BOOST_REQUIRE(v4.ok());
  BOOST_TEST((v4->addresses[0] == *IpAddress::parse("192.0.2.1")));
  auto v6 = identity_from_text(sample(), "[fd7a:115c:a1e0::1]", false);
  BOOST_REQUIRE(v6.ok());
  BOOST_TEST((v6->addresses[0] == *IpAddress::parse("fd7a:115c:a1e0::1")));
  auto bare6 = identity_from_text(sample(), "fd7a:115c:a1e0::2", true);
  BOOST_REQUIRE(bare6.ok());
  BOOST_TEST(!bare6->addresses[0].is_v4());
}

BOOST_AUTO_TEST_CASE(rejects_unknown_names_and_multi_node_forms) {
  for (const char* bad : {"", "nosuchhost", "*", "autogroup:member", "ipset:x", "999.1.1.1"})
    BOOST_TEST(!identity_from_text(sample(), bad, true).ok(), bad);
}

BOOST_AUTO_TEST_CASE(parses_a_service_as_a_destination_only) {
  auto dst = identity_from_text(sample(), "svc:db", false);
  BOOST_REQUIRE(dst.ok());
  BOOST_TEST(dst->services == std::vector<std::string>{"svc:db"});
  BOOST_TEST(dst->addresses.empty());
  BOOST_TEST(!identity_from_text(sample(), "svc:db", true).ok());
  BOOST_TEST(!identity_from_text(sample(), "svc:-x", false).ok());
}

BOOST_AUTO_TEST_CASE(takes_a_synced_group_without_definition_and_refuses_a_domain) {
  auto src = identity_from_text(sample(), "group:sec@example.com", true);
  BOOST_REQUIRE(src.ok());
  BOOST_TEST(src->groups == std::vector<std::string>{"group:sec@example.com"});
  BOOST_TEST(!identity_from_text(sample(), "group:sec@", true).ok());
  BOOST_TEST(!identity_from_text(sample(), "user:*@example.com", true).ok());
}

BOOST_AUTO_TEST_SUITE_END()
