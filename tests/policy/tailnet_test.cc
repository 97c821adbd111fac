// The tailnet file: what it holds, its positioned errors, the facts its view adds to the
// identities tests name, and the tailnet's domains checked against a policy.
#define BOOST_TEST_MODULE tailnet
#include <boost/test/unit_test.hpp>

#include <string>

#include "policy/pipeline.h"
#include "policy/tailnet.h"

using namespace weft::policy;
using weft::util::IpAddress;

namespace {

constexpr const char* kTailnet = R"({
  // Written by hand: users with roles, the tailnet's domains, devices, synced groups.
  "users": [
    {"email": "alice@example.com", "role": "admin"},
    {"email": "bob@example.com"},
  ],
  "domains": ["Example.com"],
  "devices": [
    {"name": "web1", "user": "alice@example.com", "tags": ["tag:web"], "addresses": ["100.64.0.1", "fd7a:115c:a1e0::1"]},
    {"name": "laptop", "user": "bob@example.com", "addresses": ["100.64.0.2"]},
    {"name": "printer", "user": null, "tags": ["tag:print"], "addresses": ["100.64.0.3"]},
  ],
  "groups": {"group:sec@example.com": ["bob@example.com"]},
})";

// Every finding as "LINE:COL: MESSAGE", one a line.
std::string findings(const Diagnostics& d) {
  std::string out;
  for (const auto& x : d) out += std::to_string(x.at.line) + ":" + std::to_string(x.at.column) + ": " + x.message + "\n";
  return out;
}

TailnetDescription loaded() {
  TailnetLoad l = load_tailnet(kTailnet);
  BOOST_REQUIRE_MESSAGE(l.tailnet.has_value(), findings(l.diagnostics));
  return *l.tailnet;
}

Identity address(const char* text) {
  Identity id;
  id.addresses = {*IpAddress::parse(text)};
  return id;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tailnet)

BOOST_AUTO_TEST_CASE(reads_users_domains_devices_and_synced_groups) {
  TailnetDescription t = loaded();
  BOOST_TEST_REQUIRE(t.users.size() == 2u);
  BOOST_TEST(t.users[0].role == "admin");
  BOOST_TEST(t.users[1].role == "member");  // the default
  BOOST_TEST(t.users[1].at.line == 5u);
  BOOST_REQUIRE(t.domains.has_value());
  BOOST_TEST(*t.domains == std::vector<std::string>{"example.com"});  // compared without case
  BOOST_TEST_REQUIRE(t.devices.size() == 3u);
  BOOST_TEST(t.devices[0].addresses.size() == 2u);
  BOOST_TEST(!t.devices[2].user.has_value());
  BOOST_TEST(t.groups.at("group:sec@example.com") == std::vector<std::string>{"bob@example.com"});
}

BOOST_AUTO_TEST_CASE(domains_are_unknown_unless_listed) {
  TailnetLoad l = load_tailnet(R"({"users": []})");
  BOOST_REQUIRE(l.tailnet.has_value());
  BOOST_TEST(!l.tailnet->domains.has_value());
}

BOOST_AUTO_TEST_CASE(reports_every_mistake_at_its_position) {
  TailnetLoad l = load_tailnet(R"({
  "users": [
    {"email": "alice@example.com", "role": "wizard"},
    {"email": "@example.com"},
    {"email": "bob@example.com"},
    {"email": "bob@example.com", "role": "admin"},
    {"mail": "carol@example.com"},
  ],
  "domains": ["example.com", "*.org", 7],
  "devices": [
    {"name": "a", "user": "dave@example.com", "addresses": ["100.64.0.1"]},
    {"name": "b", "user": null, "tags": ["web"], "addresses": ["100.64.0.1", "100.64.0.0/24"]},
    {"name": "c"},
  ],
  "groups": {"group:eng": ["bob@example.com"], "group:sec@example.com": ["tag:x"]},
  "hosts": {},
})");
  BOOST_TEST(!l.tailnet.has_value());
  BOOST_TEST(findings(l.diagnostics) ==
             "3:44: unknown role \"wizard\"; expected member, owner, admin, network-admin, it-admin, billing-admin or auditor\n"
             "4:15: user \"@example.com\" has no name before '@'\n"
             "6:15: user \"bob@example.com\" is listed twice (first at 5:5)\n"
             "7:5: missing required field \"email\" in users entry\n"
             "7:6: unknown key \"mail\" in users entry; did you mean \"email\"?\n"
             "9:30: invalid domain \"*.org\"; expected a name such as \"example.com\"\n"
             "9:39: \"domains\" must be an array of strings, found number in the array\n"
             "11:5: device \"a\" belongs to \"dave@example.com\", who is not in \"users\"\n"
             "12:5: address 100.64.0.1 of device \"b\" is also held by \"a\" (at 11:5)\n"
             "12:42: tags must be tags such as \"tag:web\", found \"web\"\n"
             "12:78: invalid IP address \"100.64.0.0/24\" (a device holds single addresses)\n"
             "13:5: missing required field \"addresses\" in devices entry\n"
             "15:14: group \"group:eng\" is not a group synced from the identity provider "
             "(\"group:NAME@DOMAIN\"); the policy's own groups are defined in the policy\n"
             "15:74: group members must be users, found \"tag:x\"\n"
             "16:3: unknown key \"hosts\" in tailnet file\n",
             findings(l.diagnostics));
}

BOOST_AUTO_TEST_CASE(syntax_errors_stop_the_read) {
  TailnetLoad l = load_tailnet("{\n  \"users\": [,\n}\n");
  BOOST_TEST(!l.tailnet.has_value());
  BOOST_TEST_REQUIRE(l.diagnostics.size() == 1u);
  BOOST_TEST(l.diagnostics[0].at.line == 2u);
  BOOST_TEST(findings(load_tailnet("[]").diagnostics) == "1:1: tailnet file must be a JSON object, found array\n");
}

BOOST_AUTO_TEST_CASE(view_adds_roles_groups_and_devices_with_the_facts_it_used) {
  TailnetView v = view_of(loaded(), "tn.hujson");
  BOOST_TEST(v.known());
  Identity alice;
  alice.user = "alice@example.com";
  v.enrich(alice);
  BOOST_TEST(alice.roles == std::vector<std::string>{"admin"});
  BOOST_TEST(alice.facts == std::vector<std::string>{"alice@example.com is admin in tn.hujson"});

  Identity bob;
  bob.user = "bob@example.com";
  v.enrich(bob);
  BOOST_TEST(bob.roles.empty());
  BOOST_TEST(bob.groups == std::vector<std::string>{"group:sec@example.com"});
  BOOST_TEST(bob.facts == (std::vector<std::string>{"bob@example.com is member in tn.hujson",
                                                    "bob@example.com is in group:sec@example.com in tn.hujson"}));

  Identity stranger;
  stranger.user = "eve@example.com";
  v.enrich(stranger);
  BOOST_TEST(stranger.facts == std::vector<std::string>{"eve@example.com is not in tn.hujson's users (no role)"});

  // A tagged device belongs to its tags, whoever registered it; it keeps all its addresses.
  Identity web = address("100.64.0.1");
  v.enrich(web);
  BOOST_TEST(!web.user.has_value());
  BOOST_TEST(web.tags == std::vector<std::string>{"tag:web"});
  BOOST_TEST(web.addresses.size() == 2u);
  BOOST_TEST(web.facts == std::vector<std::string>{"100.64.0.1 is web1 (tag:web) in tn.hujson"});

  Identity laptop = address("100.64.0.2");
  v.enrich(laptop);
  BOOST_TEST(*laptop.user == "bob@example.com");
  BOOST_TEST(laptop.groups == std::vector<std::string>{"group:sec@example.com"});
  BOOST_TEST(laptop.facts.front() == "100.64.0.2 is laptop of bob@example.com in tn.hujson");

  Identity nobody = address("100.64.0.9");
  v.enrich(nobody);
  BOOST_TEST(nobody.facts == std::vector<std::string>{"no device holds 100.64.0.9 in tn.hujson"});
  Identity outside = address("192.168.1.1");  // a subnet address is no device: nothing to say
  v.enrich(outside);
  BOOST_TEST(outside.facts.empty());

  BOOST_TEST(v.synced_members("group:sec@example.com") == std::vector<std::string>{"bob@example.com"});
  BOOST_TEST(v.synced_members("group:ops@example.com").empty());
}

BOOST_AUTO_TEST_CASE(device_posture_is_read_checked_and_given_to_the_device_an_address_names) {
  TailnetLoad l = load_tailnet(R"({
  "devices": [
    {"name": "a", "addresses": ["100.64.0.1"], "posture": {"node:os": "linux", "custom:risk": 30}},
    {"name": "b", "addresses": ["100.64.0.2"], "posture": {"node:colour": "red", "os": "x", "node:os": true}},
    {"name": "c", "addresses": ["100.64.0.3"], "posture": ["node:os"]},
  ],
})");
  BOOST_TEST(!l.tailnet.has_value());
  BOOST_TEST(findings(l.diagnostics) ==
             "4:60: unknown posture attribute \"node:colour\"\n"
             "4:82: posture attribute \"os\" must be written namespace:name (\"node:os\")\n"
             "4:104: posture attribute \"node:os\" must be a string or a number, found boolean\n"
             "5:59: \"posture\" must be an object, found array\n",
             findings(l.diagnostics));

  TailnetLoad ok = load_tailnet(R"({"devices": [
    {"name": "a", "addresses": ["100.64.0.1"], "posture": {"node:os": "linux", "custom:risk": 30}}]})");
  BOOST_REQUIRE_MESSAGE(ok.tailnet.has_value(), findings(ok.diagnostics));
  BOOST_TEST(ok.tailnet->devices[0].posture.at("custom:risk") == "30");
  Identity a = address("100.64.0.1");
  view_of(*ok.tailnet, "tn.hujson").enrich(a);
  BOOST_TEST(a.posture_attrs.at("node:os") == "linux");
  BOOST_TEST(a.posture_attrs.size() == 2u);
}

BOOST_AUTO_TEST_CASE(decided_by_text_lists_the_facts_or_nothing) {
  BOOST_TEST(decided_by_text({}) == "");
  BOOST_TEST(decided_by_text({"alice@example.com is admin in tn.hujson", "no device holds 100.64.0.9 in tn.hujson"}) ==
             " (decided by: alice@example.com is admin in tn.hujson; no device holds 100.64.0.9 in tn.hujson)");
}

BOOST_AUTO_TEST_CASE(tailnet_ranges_are_the_cgnat_and_ula_blocks) {
  BOOST_TEST(is_tailnet_address(*IpAddress::parse("100.64.0.1")));
  BOOST_TEST(is_tailnet_address(*IpAddress::parse("100.127.255.254")));
  BOOST_TEST(is_tailnet_address(*IpAddress::parse("fd7a:115c:a1e0::5")));
  BOOST_TEST(!is_tailnet_address(*IpAddress::parse("100.128.0.1")));
  BOOST_TEST(!is_tailnet_address(*IpAddress::parse("10.0.0.1")));
  BOOST_TEST(!is_tailnet_address(*IpAddress::parse("fd7a:115c:a1e1::5")));
}

BOOST_AUTO_TEST_CASE(domains_not_of_the_tailnet_are_refused_as_tailscale_refuses_them) {
  const char* policy = R"({
  "tagOwners": {"tag:srv": []},
  "grants": [{"src": ["user:*@example.com", "user:*@example.org"], "dst": ["tag:srv"], "ip": ["*"]}],
  "ssh": [{"action": "accept", "src": ["autogroup:member"], "dst": ["tag:srv"], "users": ["localpart:*@other.net"]}],
})";
  TailnetView v = view_of(loaded(), "tn.hujson");
  CheckedPolicy c = check_policy(policy, RunTests::kYes, v);
  BOOST_TEST(!c.valid());
  BOOST_TEST(!c.policy.has_value());
  BOOST_TEST(findings(c.diagnostics) ==
             "3:45: \"example.org\" is not one of the tailnet's domains in tn.hujson, and Tailscale "
             "refuses user:*@DOMAIN for it\n"
             "4:11: \"other.net\" is not one of the tailnet's domains in tn.hujson, and Tailscale "
             "refuses localpart:*@DOMAIN for it\n",
             findings(c.diagnostics));
  // Without a list of domains (offline, or an export of a weft server) nothing is refused.
  v.domains.reset();
  BOOST_TEST(check_policy(policy, RunTests::kYes, v).valid());
  BOOST_TEST(check_policy(policy).valid());
}

BOOST_AUTO_TEST_SUITE_END()
