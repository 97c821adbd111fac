// Evaluator decisions on hand-built policies: selectors on each side, ports and protocols,
// ACLs vs grants, postures, autogroups, the accepting rule.
#define BOOST_TEST_MODULE evaluator
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <cstdlib>
#include <new>

#include "policy/compiled_policy.h"
#include "policy/evaluator.h"
#include "support/policy_builders.h"

// Counts allocations so a test can show decide(Principal, Principal, ...) makes none.
namespace {
std::atomic<long> g_allocations{0};
}
void* operator new(std::size_t n) {
  ++g_allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

using namespace weft::policy;
using weft::util::IpAddress;
using weft::util::IpPrefix;

namespace {

using weft::test::any;
using weft::test::group;
using weft::test::sel;
using weft::test::tag;
using weft::test::user;
Selector prefix(const std::string& text) {
  Selector s = sel(SelectorKind::kPrefix, text);
  s.prefix = *IpPrefix::parse(text);
  return s;
}

AclDestination dst(Selector target, std::vector<PortRange> ports) {
  AclDestination d;
  d.target = std::move(target);
  d.ports = std::move(ports);
  return d;
}
PortRange port(uint16_t p) { return {p, p}; }
PortRange all_ports() { return {0, 65535}; }

Acl acl(std::vector<Selector> src, std::vector<AclDestination> dsts, std::vector<uint8_t> protos = {}) {
  Acl a;
  a.action = "accept";
  a.src = std::move(src);
  a.dst = std::move(dsts);
  a.protos = std::move(protos);
  return a;
}

Identity user_node(std::string u, std::vector<std::string> addrs = {}) {
  Identity id;
  id.user = std::move(u);
  for (const auto& a : addrs) id.addresses.push_back(*IpAddress::parse(a));
  return id;
}
Identity tag_node(std::string t, std::vector<std::string> addrs = {}) {
  Identity id;
  id.tags.push_back(std::move(t));
  for (const auto& a : addrs) id.addresses.push_back(*IpAddress::parse(a));
  return id;
}
Identity addr_node(const std::string& a) {
  Identity id;
  id.addresses.push_back(*IpAddress::parse(a));
  return id;
}

Evaluator compile(const Policy& p) {
  auto r = Evaluator::compile(p);
  if (!r.ok()) BOOST_FAIL(r.error().detail);
  return std::move(r).value();
}

bool allows(const Evaluator& ev, const Identity& s, const Identity& d, uint16_t p, uint8_t proto = kProtoTcp) {
  return ev.decide(s, d, proto, p).accept;
}

Policy eng_policy() {
  Policy p;
  Group g;
  g.name = "group:eng";
  g.members = {user("alice@example.com"), user("bob@example.com")};
  p.groups.push_back(g);
  return p;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(evaluator)

BOOST_AUTO_TEST_CASE(denies_everything_without_rules) {
  auto ev = compile(Policy{});
  BOOST_TEST(!allows(ev, user_node("alice@example.com"), tag_node("tag:prod"), 22));
  BOOST_TEST(!ev.decide(user_node("a@x"), user_node("a@x"), kProtoIcmp, 0).rule.has_value());
}

BOOST_AUTO_TEST_CASE(accepts_user_to_tag_only_on_listed_ports) {
  Policy p;
  p.acls.push_back(acl({user("alice@example.com")}, {dst(tag("tag:prod"), {port(22), {8000, 8100}})}));
  auto ev = compile(p);
  BOOST_TEST(allows(ev, user_node("alice@example.com"), tag_node("tag:prod"), 22));
  BOOST_TEST(allows(ev, user_node("alice@example.com"), tag_node("tag:prod"), 8000));
  BOOST_TEST(allows(ev, user_node("alice@example.com"), tag_node("tag:prod"), 8100));
  BOOST_TEST(!allows(ev, user_node("alice@example.com"), tag_node("tag:prod"), 8101));
  BOOST_TEST(!allows(ev, user_node("alice@example.com"), tag_node("tag:prod"), 23));
  BOOST_TEST(!allows(ev, user_node("bob@example.com"), tag_node("tag:prod"), 22));
  BOOST_TEST(!allows(ev, user_node("alice@example.com"), tag_node("tag:dev"), 22));
  // Direction matters: the tag may not reach alice.
  BOOST_TEST(!allows(ev, tag_node("tag:prod"), user_node("alice@example.com"), 22));
}

BOOST_AUTO_TEST_CASE(matches_group_members_on_src_and_dst) {
  Policy p = eng_policy();
  p.acls.push_back(acl({group("group:eng")}, {dst(group("group:eng"), {port(443)})}));
  auto ev = compile(p);
  BOOST_TEST(allows(ev, user_node("alice@example.com"), user_node("bob@example.com"), 443));
  BOOST_TEST(!allows(ev, user_node("carol@example.com"), user_node("bob@example.com"), 443));
  BOOST_TEST(!allows(ev, user_node("alice@example.com"), user_node("carol@example.com"), 443));
}

BOOST_AUTO_TEST_CASE(extra_group_membership_of_an_identity_counts) {
  Policy p = eng_policy();
  p.acls.push_back(acl({group("group:eng")}, {dst(tag("tag:ci"), {all_ports()})}));
  auto ev = compile(p);
  Identity carol = user_node("carol@example.com");
  BOOST_TEST(!allows(ev, carol, tag_node("tag:ci"), 1));
  carol.groups.push_back("group:eng");
  BOOST_TEST(allows(ev, carol, tag_node("tag:ci"), 1));
}

BOOST_AUTO_TEST_CASE(tag_src_matches_only_tagged_nodes_with_that_tag) {
  Policy p;
  p.acls.push_back(acl({tag("tag:web")}, {dst(tag("tag:db"), {port(5432)})}));
  auto ev = compile(p);
  BOOST_TEST(allows(ev, tag_node("tag:web"), tag_node("tag:db"), 5432));
  BOOST_TEST(!allows(ev, tag_node("tag:other"), tag_node("tag:db"), 5432));
  Identity multi;
  multi.tags = {"tag:x", "tag:web"};
  BOOST_TEST(allows(ev, multi, tag_node("tag:db"), 5432));
}

BOOST_AUTO_TEST_CASE(tagged_node_loses_its_user_identity) {
  Policy p;
  p.acls.push_back(acl({user("alice@example.com")}, {dst(any(), {all_ports()})}));
  auto ev = compile(p);
  Identity tagged_by_alice = tag_node("tag:server");
  tagged_by_alice.user = "alice@example.com";
  BOOST_TEST(!allows(ev, tagged_by_alice, addr_node("100.64.0.9"), 80));
  BOOST_TEST(allows(ev, user_node("alice@example.com"), addr_node("100.64.0.9"), 80));
}

BOOST_AUTO_TEST_CASE(wildcard_matches_any_node_and_address) {
  Policy p;
  p.acls.push_back(acl({any()}, {dst(any(), {port(53)})}));
  auto ev = compile(p);
  BOOST_TEST(allows(ev, tag_node("tag:a"), user_node("x@y"), 53));
  BOOST_TEST(allows(ev, addr_node("192.0.2.1"), addr_node("8.8.8.8"), 53));
  BOOST_TEST(allows(ev, Identity{}, Identity{}, 53));
  BOOST_TEST(!allows(ev, Identity{}, Identity{}, 54));
}

BOOST_AUTO_TEST_CASE(autogroup_member_excludes_tagged_nodes) {
  Policy p;
  p.acls.push_back(acl({sel(SelectorKind::kAutogroupMember, "autogroup:member")}, {dst(tag("tag:x"), {port(1)})}));
  p.acls.push_back(acl({sel(SelectorKind::kAutogroupTagged, "autogroup:tagged")}, {dst(tag("tag:y"), {port(1)})}));
  auto ev = compile(p);
  BOOST_TEST(allows(ev, user_node("a@b"), tag_node("tag:x"), 1));
  BOOST_TEST(!allows(ev, tag_node("tag:q"), tag_node("tag:x"), 1));
  BOOST_TEST(allows(ev, tag_node("tag:q"), tag_node("tag:y"), 1));
  BOOST_TEST(!allows(ev, user_node("a@b"), tag_node("tag:y"), 1));
  BOOST_TEST(!allows(ev, addr_node("100.64.0.1"), tag_node("tag:x"), 1));
}

BOOST_AUTO_TEST_CASE(autogroup_self_allows_only_own_untagged_devices) {
  Policy p;
  p.acls.push_back(acl({sel(SelectorKind::kAutogroupMember, "autogroup:member")},
                       {dst(sel(SelectorKind::kAutogroupSelf, "autogroup:self"), {all_ports()})}));
  auto ev = compile(p);
  BOOST_TEST(allows(ev, user_node("alice@x"), user_node("alice@x"), 22));
  BOOST_TEST(!allows(ev, user_node("alice@x"), user_node("bob@x"), 22));
  Identity alice_tagged = tag_node("tag:srv");
  alice_tagged.user = "alice@x";
  BOOST_TEST(!allows(ev, user_node("alice@x"), alice_tagged, 22));
  BOOST_TEST(!allows(ev, alice_tagged, user_node("alice@x"), 22));
}

BOOST_AUTO_TEST_CASE(autogroup_internet_matches_public_addresses_only) {
  Policy p;
  p.acls.push_back(acl({any()}, {dst(sel(SelectorKind::kAutogroupInternet, "autogroup:internet"), {all_ports()})}));
  auto ev = compile(p);
  BOOST_TEST(allows(ev, user_node("a@b"), addr_node("8.8.8.8"), 443));
  BOOST_TEST(allows(ev, user_node("a@b"), addr_node("2001:4860::8888"), 443));
  for (const char* private_addr : {"10.1.2.3", "100.64.0.1", "100.127.255.255", "172.16.0.1", "192.168.1.1",
                                   "127.0.0.1", "169.254.1.1", "224.0.0.1", "0.1.2.3", "fd7a:115c:a1e0::1",
                                   "fe80::1", "::1"})
    BOOST_TEST(!allows(ev, user_node("a@b"), addr_node(private_addr), 443), private_addr);
  BOOST_TEST(is_internet_address(*IpAddress::parse("100.128.0.1")));
  BOOST_TEST(is_internet_address(*IpAddress::parse("172.32.0.1")));
}

BOOST_AUTO_TEST_CASE(prefix_selectors_match_by_address_on_both_sides) {
  Policy p;
  p.acls.push_back(acl({prefix("192.0.2.0/24")}, {dst(prefix("10.0.0.0/8"), {port(80)})}));
  p.acls.push_back(acl({any()}, {dst(prefix("fd00::/8"), {port(81)})}));
  auto ev = compile(p);
  BOOST_TEST(allows(ev, addr_node("192.0.2.7"), addr_node("10.9.9.9"), 80));
  BOOST_TEST(!allows(ev, addr_node("192.0.3.7"), addr_node("10.9.9.9"), 80));
  BOOST_TEST(!allows(ev, addr_node("192.0.2.7"), addr_node("11.9.9.9"), 80));
  // A node matches when any of its addresses is inside.
  BOOST_TEST(allows(ev, user_node("a@b", {"100.64.0.1", "192.0.2.9"}), tag_node("tag:t", {"10.0.0.1"}), 80));
  BOOST_TEST(allows(ev, user_node("a@b"), addr_node("fd12::5"), 81));
  BOOST_TEST(!allows(ev, user_node("a@b"), addr_node("fe12::5"), 81));
}

BOOST_AUTO_TEST_CASE(host_alias_resolves_from_hosts) {
  Policy p;
  Host h;
  h.name = "db";
  h.prefix = *IpPrefix::parse("100.64.0.10");
  p.hosts.push_back(h);
  p.acls.push_back(acl({any()}, {dst(sel(SelectorKind::kHost, "db"), {port(5432)})}));
  auto ev = compile(p);
  BOOST_TEST(allows(ev, user_node("a@b"), addr_node("100.64.0.10"), 5432));
  BOOST_TEST(!allows(ev, user_node("a@b"), addr_node("100.64.0.11"), 5432));
}

BOOST_AUTO_TEST_CASE(ipset_subtracts_removals_and_nests) {
  Policy p;
  IpSet office;
  office.name = "ipset:office";
  office.entries.push_back({false, prefix("10.0.0.0/8")});
  office.entries.push_back({true, prefix("10.9.0.0/16")});
  IpSet wide;
  wide.name = "ipset:wide";
  wide.entries.push_back({false, sel(SelectorKind::kIpSet, "ipset:office")});
  wide.entries.push_back({false, prefix("192.0.2.0/24")});
  p.ipsets = {office, wide};
  p.acls.push_back(acl({any()}, {dst(sel(SelectorKind::kIpSet, "ipset:wide"), {port(1)})}));
  auto ev = compile(p);
  BOOST_TEST(allows(ev, Identity{}, addr_node("10.1.1.1"), 1));
  BOOST_TEST(!allows(ev, Identity{}, addr_node("10.9.1.1"), 1));
  BOOST_TEST(allows(ev, Identity{}, addr_node("192.0.2.200"), 1));
  BOOST_TEST(!allows(ev, Identity{}, addr_node("198.51.100.1"), 1));
}

BOOST_AUTO_TEST_CASE(acl_without_proto_allows_tcp_udp_icmp_only) {
  Policy p;
  p.acls.push_back(acl({any()}, {dst(tag("tag:t"), {port(53)})}));
  auto ev = compile(p);
  BOOST_TEST(allows(ev, Identity{}, tag_node("tag:t"), 53, kProtoTcp));
  BOOST_TEST(allows(ev, Identity{}, tag_node("tag:t"), 53, kProtoUdp));
  // ICMP has no ports: a rule for any port of the destination admits it.
  BOOST_TEST(allows(ev, Identity{}, tag_node("tag:t"), 0, kProtoIcmp));
  BOOST_TEST(allows(ev, Identity{}, tag_node("tag:t"), 0, kProtoIcmpV6));
  BOOST_TEST(!allows(ev, Identity{}, tag_node("tag:t"), 53, kProtoSctp));
  BOOST_TEST(!allows(ev, Identity{}, tag_node("tag:t"), 0, 47));
}

BOOST_AUTO_TEST_CASE(explicit_proto_limits_the_rule) {
  Policy p;
  p.acls.push_back(acl({any()}, {dst(tag("tag:t"), {port(53)})}, {kProtoUdp}));
  p.acls.push_back(acl({any()}, {dst(tag("tag:gre"), {all_ports()})}, {47}));
  auto ev = compile(p);
  BOOST_TEST(allows(ev, Identity{}, tag_node("tag:t"), 53, kProtoUdp));
  BOOST_TEST(!allows(ev, Identity{}, tag_node("tag:t"), 53, kProtoTcp));
  BOOST_TEST(allows(ev, Identity{}, tag_node("tag:gre"), 0, 47));
  BOOST_TEST(!allows(ev, Identity{}, tag_node("tag:gre"), 0, kProtoIcmp));
}

BOOST_AUTO_TEST_CASE(grant_ip_star_allows_every_protocol_and_port) {
  Policy p;
  Grant g;
  g.src = {group("group:eng")};
  g.dst = {tag("tag:lab")};
  g.ip.push_back(GrantIp{{}, {all_ports()}, {}});
  Policy q = eng_policy();
  q.grants.push_back(g);
  auto ev = compile(q);
  BOOST_TEST(allows(ev, user_node("alice@example.com"), tag_node("tag:lab"), 9999, kProtoTcp));
  BOOST_TEST(allows(ev, user_node("alice@example.com"), tag_node("tag:lab"), 0, 47));
  BOOST_TEST(allows(ev, user_node("bob@example.com"), tag_node("tag:lab"), 5, kProtoSctp));
  BOOST_TEST(!allows(ev, user_node("carol@example.com"), tag_node("tag:lab"), 5));
}

BOOST_AUTO_TEST_CASE(grant_ip_limits_protocol_and_ports) {
  Policy p;
  Grant g;
  g.src = {any()};
  g.dst = {tag("tag:web"), tag("tag:api")};
  g.ip.push_back(GrantIp{{kProtoTcp}, {port(443)}, {}});
  g.ip.push_back(GrantIp{{kProtoIcmp}, {all_ports()}, {}});
  p.grants.push_back(g);
  auto ev = compile(p);
  BOOST_TEST(allows(ev, Identity{}, tag_node("tag:web"), 443, kProtoTcp));
  BOOST_TEST(allows(ev, Identity{}, tag_node("tag:api"), 443, kProtoTcp));
  BOOST_TEST(!allows(ev, Identity{}, tag_node("tag:web"), 443, kProtoUdp));
  BOOST_TEST(!allows(ev, Identity{}, tag_node("tag:web"), 80, kProtoTcp));
  BOOST_TEST(allows(ev, Identity{}, tag_node("tag:web"), 0, kProtoIcmp));
}

BOOST_AUTO_TEST_CASE(app_only_grant_gives_no_network_access) {
  Policy p;
  Grant g;
  g.src = {any()};
  g.dst = {any()};
  g.app.push_back(AppCapability{"example.com/cap/x", "[{}]", {}});
  p.grants.push_back(g);
  auto ev = compile(p);
  BOOST_TEST(!allows(ev, user_node("a@b"), tag_node("tag:t"), 80));
}

BOOST_AUTO_TEST_CASE(reports_lowest_accepting_rule_acls_before_grants) {
  Policy p;
  p.acls.push_back(acl({user("a@b")}, {dst(tag("tag:x"), {port(1)})}));
  p.acls.push_back(acl({any()}, {dst(tag("tag:t"), {port(80)})}));
  p.acls.back().at = {7, 5};
  Grant g;
  g.src = {any()};
  g.dst = {tag("tag:t")};
  g.ip.push_back(GrantIp{{}, {{80, 90}}, {}});
  g.at = {20, 3};
  p.grants.push_back(g);
  auto ev = compile(p);
  Decision d = ev.decide(user_node("a@b"), tag_node("tag:t"), kProtoTcp, 80);
  BOOST_REQUIRE(d.accept);
  BOOST_TEST((d.rule->kind == RuleRef::Kind::kAcl));
  BOOST_TEST(d.rule->index == 1u);
  BOOST_TEST(d.rule->at.line == 7u);
  d = ev.decide(user_node("a@b"), tag_node("tag:t"), kProtoTcp, 85);
  BOOST_REQUIRE(d.accept);
  BOOST_TEST((d.rule->kind == RuleRef::Kind::kGrant));
  BOOST_TEST(d.rule->index == 0u);
  BOOST_TEST(d.rule->at.line == 20u);
}

BOOST_AUTO_TEST_CASE(src_posture_must_hold_for_the_rule) {
  Policy p;
  Posture mac;
  mac.name = "posture:latestMac";
  mac.conditions.push_back(PostureCondition{"node:os", PostureOp::kEq, {"macos"}, false, {}});
  mac.conditions.push_back(PostureCondition{"node:tsVersion", PostureOp::kGe, {"1.40"}, false, {}});
  p.postures.push_back(mac);
  Acl a = acl({any()}, {dst(tag("tag:t"), {port(22)})});
  a.src_posture = {"posture:latestMac"};
  p.acls.push_back(a);
  p.acls.push_back(acl({any()}, {dst(tag("tag:open"), {port(22)})}));
  auto ev = compile(p);
  Identity n = user_node("a@b");
  BOOST_TEST(!allows(ev, n, tag_node("tag:t"), 22));
  n.posture_attrs = {{"node:os", "macos"}, {"node:tsVersion", "1.62.1"}};
  BOOST_TEST(allows(ev, n, tag_node("tag:t"), 22));
  n.posture_attrs["node:tsVersion"] = "1.8.0";
  BOOST_TEST(!allows(ev, n, tag_node("tag:t"), 22));
  BOOST_TEST(allows(ev, n, tag_node("tag:open"), 22));
}

BOOST_AUTO_TEST_CASE(default_src_posture_applies_to_rules_without_their_own) {
  Policy p;
  Posture linux_p;
  linux_p.name = "posture:linux";
  linux_p.conditions.push_back(PostureCondition{"node:os", PostureOp::kIn, {"linux", "freebsd"}, false, {}});
  Posture any_p;
  any_p.name = "posture:any";
  p.postures = {linux_p, any_p};
  p.default_src_posture = {"posture:linux"};
  p.acls.push_back(acl({any()}, {dst(tag("tag:t"), {port(1)})}));
  Acl own = acl({any()}, {dst(tag("tag:u"), {port(1)})});
  own.src_posture = {"posture:any"};
  p.acls.push_back(own);
  auto ev = compile(p);
  Identity mac = user_node("a@b");
  mac.posture_attrs["node:os"] = "macos";
  Identity lin = user_node("a@b");
  lin.posture_attrs["node:os"] = "linux";
  BOOST_TEST(!allows(ev, mac, tag_node("tag:t"), 1));
  BOOST_TEST(allows(ev, lin, tag_node("tag:t"), 1));
  BOOST_TEST(allows(ev, mac, tag_node("tag:u"), 1));
}

BOOST_AUTO_TEST_CASE(role_autogroup_matches_identity_roles) {
  Policy p;
  p.acls.push_back(acl({sel(SelectorKind::kAutogroupAdmin, "autogroup:admin")}, {dst(any(), {all_ports()})}));
  auto ev = compile(p);
  Identity admin = user_node("root@x");
  admin.roles = {"admin"};
  Identity owner = user_node("own@x");
  owner.roles = {"owner"};
  BOOST_TEST(allows(ev, admin, tag_node("tag:t"), 1));
  BOOST_TEST(!allows(ev, owner, tag_node("tag:t"), 1));
  BOOST_TEST(!allows(ev, user_node("u@x"), tag_node("tag:t"), 1));
}

BOOST_AUTO_TEST_CASE(resolved_principals_decide_like_identities) {
  Policy p = eng_policy();
  p.acls.push_back(acl({group("group:eng")}, {dst(tag("tag:t"), {{1000, 2000}})}));
  auto ev = compile(p);
  Principal a = ev.resolve(user_node("alice@example.com"));
  Principal t = ev.resolve(tag_node("tag:t"));
  BOOST_TEST(a.owner != 0u);
  BOOST_TEST(t.tagged);
  BOOST_TEST(std::is_sorted(a.keys.begin(), a.keys.end()));
  for (uint16_t port : {999, 1000, 1500, 2000, 2001})
    BOOST_TEST(ev.decide(a, t, kProtoTcp, port).accept ==
               ev.decide(user_node("alice@example.com"), tag_node("tag:t"), kProtoTcp, port).accept);
  BOOST_TEST(ev.decide(a, t, kProtoTcp, 1500).accept);
}

BOOST_AUTO_TEST_CASE(decide_on_principals_does_not_allocate) {
  Policy p = eng_policy();
  p.acls.push_back(acl({group("group:eng")}, {dst(tag("tag:t"), {port(22)}),
                                             dst(sel(SelectorKind::kAutogroupSelf, "autogroup:self"), {all_ports()})}));
  Grant g;
  g.src = {any()};
  g.dst = {prefix("10.0.0.0/8")};
  g.ip.push_back(GrantIp{{kProtoUdp}, {port(53)}, {}});
  p.grants.push_back(g);
  auto ev = compile(p);
  Principal a = ev.resolve(user_node("alice@example.com", {"100.64.0.1"}));
  Principal t = ev.resolve(tag_node("tag:t", {"10.0.0.5"}));
  long before = g_allocations.load();
  int accepted = 0;
  for (uint16_t port = 0; port < 1000; ++port) {
    accepted += ev.decide(a, t, kProtoTcp, port).accept;
    accepted += ev.decide(a, t, kProtoUdp, port).accept;
    accepted += ev.decide(a, a, kProtoTcp, port).accept;
    accepted += ev.decide(t, a, kProtoTcp, port).accept;
  }
  BOOST_TEST(g_allocations.load() == before);
  // tcp/22 and udp/22 (ACL, default protocols), udp/53 (grant), 1000 ports to self.
  BOOST_TEST(accepted == 2 + 1 + 1000);
}

BOOST_AUTO_TEST_CASE(sctp_ports_are_checked_and_gre_ignores_them) {
  Policy p;
  p.acls.push_back(acl({any()}, {dst(tag("tag:t"), {port(9)})}, {kProtoSctp, 47}));
  auto ev = compile(p);
  BOOST_TEST(allows(ev, Identity{}, tag_node("tag:t"), 9, kProtoSctp));
  BOOST_TEST(!allows(ev, Identity{}, tag_node("tag:t"), 10, kProtoSctp));
  BOOST_TEST(allows(ev, Identity{}, tag_node("tag:t"), 10, 47));
}

BOOST_AUTO_TEST_CASE(self_with_group_src_needs_membership_and_same_owner) {
  Policy p = eng_policy();
  p.acls.push_back(acl({group("group:eng")}, {dst(sel(SelectorKind::kAutogroupSelf, "autogroup:self"), {port(22)})}));
  auto ev = compile(p);
  BOOST_TEST(allows(ev, user_node("alice@example.com"), user_node("alice@example.com"), 22));
  BOOST_TEST(!allows(ev, user_node("alice@example.com"), user_node("bob@example.com"), 22));
  BOOST_TEST(!allows(ev, user_node("carol@example.com"), user_node("carol@example.com"), 22));
  BOOST_TEST(!allows(ev, user_node("alice@example.com"), user_node("alice@example.com"), 23));
}

BOOST_AUTO_TEST_CASE(ipv6_prefix_on_src_side) {
  Policy p;
  p.acls.push_back(acl({prefix("fd7a:115c:a1e0::/48")}, {dst(tag("tag:t"), {port(80)})}));
  auto ev = compile(p);
  BOOST_TEST(allows(ev, addr_node("fd7a:115c:a1e0::42"), tag_node("tag:t"), 80));
  BOOST_TEST(!allows(ev, addr_node("fd7a:115c:a1e1::42"), tag_node("tag:t"), 80));
  BOOST_TEST(!allows(ev, addr_node("100.64.0.42"), tag_node("tag:t"), 80));
}

BOOST_AUTO_TEST_CASE(ssh_decision_needs_src_dst_and_user) {
  Policy p = eng_policy();
  SshRule r;
  r.action = "accept";
  r.src = {group("group:eng")};
  r.dst = {tag("tag:prod")};
  r.users = {"deploy"};
  p.ssh.push_back(r);
  auto ev = compile(p);
  Principal alice = ev.resolve(user_node("alice@example.com"));
  Principal carol = ev.resolve(user_node("carol@example.com"));
  Principal prod = ev.resolve(tag_node("tag:prod"));
  Principal dev = ev.resolve(tag_node("tag:dev"));
  BOOST_TEST((ev.decide_ssh(alice, prod, "deploy").action == SshAction::kAccept));
  BOOST_TEST(*ev.decide_ssh(alice, prod, "deploy").rule == 0u);
  BOOST_TEST((ev.decide_ssh(alice, prod, "root").action == SshAction::kDeny));
  BOOST_TEST((ev.decide_ssh(carol, prod, "deploy").action == SshAction::kDeny));
  BOOST_TEST((ev.decide_ssh(alice, dev, "deploy").action == SshAction::kDeny));
  BOOST_TEST(!ev.decide_ssh(alice, dev, "deploy").rule.has_value());
}

BOOST_AUTO_TEST_CASE(reports_unknown_references_as_errors) {
  Policy p;
  p.acls.push_back(acl({any()}, {dst(sel(SelectorKind::kIpSet, "ipset:missing"), {port(1)})}));
  auto r = Evaluator::compile(p);
  BOOST_TEST(!r.ok());
  Policy q;
  Acl a = acl({any()}, {dst(any(), {port(1)})});
  a.src_posture = {"posture:missing"};
  q.acls.push_back(a);
  BOOST_TEST(!Evaluator::compile(q).ok());
}

BOOST_AUTO_TEST_CASE(domain_user_selector_matches_untagged_devices_of_users_in_that_domain) {
  Policy p;
  p.acls.push_back(acl({sel(SelectorKind::kUserDomain, "user:*@Example.com")}, {dst(tag("tag:srv"), {port(22)})}));
  Grant g;
  g.src = {any()};
  g.dst = {sel(SelectorKind::kUserDomain, "user:*@example.org")};
  g.ip.push_back(GrantIp{{kProtoTcp}, {port(443)}, {}});
  p.grants.push_back(g);
  auto ev = compile(p);
  BOOST_TEST(allows(ev, user_node("ann@example.com"), tag_node("tag:srv"), 22));
  BOOST_TEST(allows(ev, user_node("Bob@EXAMPLE.COM"), tag_node("tag:srv"), 22), "domains compare without case");
  BOOST_TEST(!allows(ev, user_node("cy@example.org"), tag_node("tag:srv"), 22));
  BOOST_TEST(!allows(ev, user_node("dee@sub.example.com"), tag_node("tag:srv"), 22), "subdomains are other domains");
  Identity tagged = tag_node("tag:ci");
  tagged.user = "ann@example.com";
  BOOST_TEST(!allows(ev, tagged, tag_node("tag:srv"), 22), "a tagged device has no user");
  BOOST_TEST(allows(ev, tag_node("tag:ci"), user_node("cy@example.org"), 443));
  BOOST_TEST(!allows(ev, tag_node("tag:ci"), user_node("ann@example.com"), 443));
}

BOOST_AUTO_TEST_SUITE_END()
