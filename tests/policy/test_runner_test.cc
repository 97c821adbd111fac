// A policy's own `tests` and `sshTests` run against its compiled form: pass/fail per case, the
// rule that accepted, group sources, SSH accept/check/deny.
#define BOOST_TEST_MODULE test_runner
#include <boost/test/unit_test.hpp>

#include "policy/load.h"
#include "policy/pipeline.h"
#include "policy/test_runner.h"
#include "support/policy_builders.h"

using namespace weft::policy;
using weft::util::IpPrefix;

namespace {

using weft::test::sel;
using weft::test::tag;
using weft::test::user;

TestTarget target(Selector host, uint16_t port, uint32_t line = 0) {
  TestTarget t;
  t.text = host.name + ":" + std::to_string(port);
  t.host = std::move(host);
  t.port = port;
  t.at = {line, 1};
  return t;
}

// group:eng = alice, bob. acls[0]: group:eng -> tag:prod:22 (line 10).
// acls[1]: alice -> tag:db:5432 (line 11). grants[0]: * -> tag:web tcp:443 (line 20).
Policy base() {
  Policy p;
  Group g;
  g.name = "group:eng";
  g.members = {user("alice@example.com"), user("bob@example.com")};
  p.groups.push_back(g);
  Acl a;
  a.action = "accept";
  a.src = {sel(SelectorKind::kGroup, "group:eng")};
  a.dst = {AclDestination{tag("tag:prod"), {{22, 22}}, {}}};
  a.at = {10, 5};
  p.acls.push_back(a);
  Acl b;
  b.action = "accept";
  b.src = {user("alice@example.com")};
  b.dst = {AclDestination{tag("tag:db"), {{5432, 5432}}, {}}};
  b.at = {11, 5};
  p.acls.push_back(b);
  Grant gr;
  gr.src = {sel(SelectorKind::kWildcard, "*")};
  gr.dst = {tag("tag:web")};
  gr.ip = {GrantIp{{kProtoTcp}, {{443, 443}}, {}}};
  gr.at = {20, 5};
  p.grants.push_back(gr);
  Host h;
  h.name = "printer";
  h.prefix = *IpPrefix::parse("192.0.2.50");
  p.hosts.push_back(h);
  Acl c;
  c.action = "accept";
  c.src = {user("bob@example.com")};
  c.dst = {AclDestination{sel(SelectorKind::kHost, "printer"), {{631, 631}}, {}}};
  c.at = {12, 5};
  p.acls.push_back(c);
  return p;
}

// The messages of the failing cases of a policy text's own tests ("" when all pass).
std::string failures(const char* text) {
  auto c = check_policy(text);
  std::string out;
  for (const auto& d : c.diagnostics)
    if (d.severity == Severity::kError) out += "load: " + d.message + "\n";
  for (const auto& t : c.tests.cases)
    if (!t.passed) out += t.description + ": " + t.message + "\n";
  return out;
}

TestReport run(const Policy& p) {
  auto ev = Evaluator::compile(p);
  if (!ev.ok()) BOOST_FAIL(ev.error().detail);
  return run_tests(p, *ev);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_runner)

BOOST_AUTO_TEST_CASE(passes_when_every_accept_and_deny_holds) {
  Policy p = base();
  AclTest t;
  t.src = user("alice@example.com");
  t.accept = {target(tag("tag:prod"), 22), target(tag("tag:db"), 5432), target(tag("tag:web"), 443)};
  t.deny = {target(tag("tag:prod"), 80), target(tag("tag:web"), 80)};
  p.tests.push_back(t);
  TestReport r = run(p);
  BOOST_TEST(r.cases.size() == 5u);
  BOOST_TEST(r.passed() == 5u);
  BOOST_TEST(r.failed() == 0u);
  BOOST_TEST(r.cases[0].expect_accept);
  BOOST_TEST(!r.cases[3].expect_accept);
  BOOST_REQUIRE(r.cases[0].accepted_by.has_value());
  BOOST_TEST(r.cases[0].accepted_by->index == 0u);
  BOOST_TEST(r.cases[0].description == "alice@example.com -> tag:prod:22 (tcp)");
  BOOST_TEST((r.cases[2].accepted_by->kind == RuleRef::Kind::kGrant));
}

BOOST_AUTO_TEST_CASE(failing_deny_reports_the_accepting_rule) {
  Policy p = base();
  AclTest t;
  t.src = user("bob@example.com");
  t.deny = {target(tag("tag:prod"), 22, 31)};
  t.at = {30, 3};
  p.tests.push_back(t);
  TestReport r = run(p);
  BOOST_REQUIRE(r.cases.size() == 1u);
  const auto& c = r.cases[0];
  BOOST_TEST(!c.passed);
  BOOST_TEST(r.failed() == 1u);
  BOOST_REQUIRE(c.accepted_by.has_value());
  BOOST_TEST((c.accepted_by->kind == RuleRef::Kind::kAcl));
  BOOST_TEST(c.accepted_by->index == 0u);
  BOOST_TEST(c.accepted_by->at.line == 10u);
  BOOST_TEST(c.case_at.line == 31u);
  BOOST_TEST(c.test_at.line == 30u);
  BOOST_TEST(c.message.find("acls[0]") != std::string::npos, c.message);
  BOOST_TEST(c.message.find("line 10") != std::string::npos, c.message);
}

BOOST_AUTO_TEST_CASE(failing_accept_says_it_was_denied) {
  Policy p = base();
  AclTest t;
  t.src = user("bob@example.com");
  t.accept = {target(tag("tag:db"), 5432)};
  p.tests.push_back(t);
  TestReport r = run(p);
  BOOST_REQUIRE(r.cases.size() == 1u);
  BOOST_TEST(!r.cases[0].passed);
  BOOST_TEST(!r.cases[0].accepted_by.has_value());
  BOOST_TEST(r.cases[0].message == "expected accept, got deny");
}

BOOST_AUTO_TEST_CASE(test_proto_defaults_to_tcp_and_can_be_set) {
  Policy p = base();
  AclTest t;
  t.src = user("carol@example.com");
  t.accept = {target(tag("tag:web"), 443)};
  p.tests.push_back(t);
  AclTest u = t;
  u.proto = kProtoUdp;
  u.accept.clear();
  u.deny = {target(tag("tag:web"), 443)};
  p.tests.push_back(u);
  TestReport r = run(p);
  BOOST_TEST(r.passed() == 2u);
  BOOST_TEST(r.cases[1].description == "carol@example.com -> tag:web:443 (udp)");
}

BOOST_AUTO_TEST_CASE(group_source_must_hold_for_every_member) {
  Policy p = base();
  AclTest ok;
  ok.src = sel(SelectorKind::kGroup, "group:eng");
  ok.accept = {target(tag("tag:prod"), 22)};
  p.tests.push_back(ok);
  AclTest partial;
  partial.src = sel(SelectorKind::kGroup, "group:eng");
  partial.accept = {target(tag("tag:db"), 5432)};  // only alice
  partial.deny = {target(tag("tag:db"), 5432)};    // alice is accepted
  p.tests.push_back(partial);
  TestReport r = run(p);
  BOOST_REQUIRE(r.cases.size() == 3u);
  BOOST_TEST(r.cases[0].passed);
  BOOST_TEST(!r.cases[1].passed);
  BOOST_TEST(r.cases[1].message.find("bob@example.com") != std::string::npos, r.cases[1].message);
  BOOST_TEST(!r.cases[2].passed);
  BOOST_TEST(r.cases[2].message.find("alice@example.com") != std::string::npos, r.cases[2].message);
}

BOOST_AUTO_TEST_CASE(host_alias_and_address_destinations) {
  Policy p = base();
  AclTest t;
  t.src = user("bob@example.com");
  t.accept = {target(sel(SelectorKind::kHost, "printer"), 631)};
  Selector addr = sel(SelectorKind::kPrefix, "192.0.2.50");
  addr.prefix = *IpPrefix::parse("192.0.2.50");
  t.accept.push_back(target(addr, 631));
  Selector other = sel(SelectorKind::kPrefix, "192.0.2.51");
  other.prefix = *IpPrefix::parse("192.0.2.51");
  t.deny = {target(other, 631)};
  p.tests.push_back(t);
  TestReport r = run(p);
  BOOST_TEST(r.cases.size() == 3u);
  BOOST_TEST(r.failed() == 0u);
}

BOOST_AUTO_TEST_CASE(src_posture_attrs_of_a_test_are_used) {
  Policy p = base();
  Posture mac;
  mac.name = "posture:mac";
  mac.conditions = {PostureCondition{"node:os", PostureOp::kEq, {"macos"}, false, {}}};
  p.postures.push_back(mac);
  p.acls[1].src_posture = {"posture:mac"};
  AclTest without;
  without.src = user("alice@example.com");
  without.deny = {target(tag("tag:db"), 5432)};
  AclTest with = without;
  with.deny.clear();
  with.accept = {target(tag("tag:db"), 5432)};
  with.src_posture_attrs = {{"node:os", "macos"}};
  p.tests = {without, with};
  TestReport r = run(p);
  BOOST_TEST(r.passed() == 2u);
}

namespace {

SshRule ssh_rule(std::string action, std::vector<Selector> src, std::vector<Selector> dst,
                 std::vector<std::string> users, uint32_t line) {
  SshRule r;
  r.action = std::move(action);
  r.src = std::move(src);
  r.dst = std::move(dst);
  r.users = std::move(users);
  r.at = {line, 5};
  return r;
}

}  // namespace

BOOST_AUTO_TEST_CASE(ssh_tests_distinguish_accept_check_and_deny) {
  Policy p = base();
  Selector member = sel(SelectorKind::kAutogroupMember, "autogroup:member");
  Selector self = sel(SelectorKind::kAutogroupSelf, "autogroup:self");
  p.ssh.push_back(ssh_rule("accept", {member}, {self}, {"autogroup:nonroot", "root"}, 40));
  p.ssh.push_back(ssh_rule("check", {sel(SelectorKind::kGroup, "group:eng")}, {tag("tag:prod")},
                           {"root"}, 41));
  p.ssh.push_back(ssh_rule("accept", {sel(SelectorKind::kGroup, "group:eng")}, {tag("tag:prod")},
                           {"autogroup:nonroot"}, 42));
  SshTest t;
  t.src = user("alice@example.com");
  t.dst = {tag("tag:prod")};
  t.accept = {"ubuntu"};
  t.check = {"root"};
  p.ssh_tests.push_back(t);
  SshTest own;
  own.src = user("alice@example.com");
  own.dst = {user("alice@example.com")};
  own.accept = {"root", "alice"};
  p.ssh_tests.push_back(own);
  SshTest other;
  other.src = user("carol@example.com");
  other.dst = {tag("tag:prod"), user("alice@example.com")};
  other.deny = {"root", "carol"};
  p.ssh_tests.push_back(other);
  TestReport r = run(p);
  BOOST_TEST(r.cases.size() == 8u);
  for (const auto& c : r.cases) BOOST_TEST(c.passed, c.description << ": " << c.message);
  BOOST_REQUIRE(r.cases[1].accepted_by.has_value());
  BOOST_TEST((r.cases[1].accepted_by->kind == RuleRef::Kind::kSsh));
  BOOST_TEST(r.cases[1].accepted_by->index == 1u);
}

BOOST_AUTO_TEST_CASE(ssh_first_matching_rule_decides) {
  Policy p = base();
  Selector eng = sel(SelectorKind::kGroup, "group:eng");
  p.ssh.push_back(ssh_rule("check", {eng}, {tag("tag:prod")}, {"root"}, 40));
  p.ssh.push_back(ssh_rule("accept", {eng}, {tag("tag:prod")}, {"root"}, 41));
  SshTest t;
  t.src = user("bob@example.com");
  t.dst = {tag("tag:prod")};
  t.accept = {"root"};
  p.ssh_tests.push_back(t);
  TestReport r = run(p);
  BOOST_REQUIRE(r.cases.size() == 1u);
  BOOST_TEST(!r.cases[0].passed);
  BOOST_TEST(r.cases[0].message.find("expected accept, got check by ssh[0]") == 0u, r.cases[0].message);
}

BOOST_AUTO_TEST_CASE(ssh_check_rule_wins_over_an_earlier_accept_rule) {
  Policy p = base();
  Selector eng = sel(SelectorKind::kGroup, "group:eng");
  p.ssh.push_back(ssh_rule("accept", {eng}, {tag("tag:prod")}, {"root", "ubuntu"}, 40));
  p.ssh.push_back(ssh_rule("check", {eng}, {tag("tag:prod")}, {"root"}, 41));
  SshTest t;
  t.src = user("bob@example.com");
  t.dst = {tag("tag:prod")};
  t.check = {"root"};
  t.accept = {"ubuntu"};
  p.ssh_tests.push_back(t);
  TestReport r = run(p);
  BOOST_REQUIRE(r.cases.size() == 2u);
  for (const auto& c : r.cases) BOOST_TEST(c.passed, c.description << ": " << c.message);
  BOOST_REQUIRE(r.cases[1].accepted_by.has_value());
  BOOST_TEST(r.cases[1].accepted_by->index == 1u);  // the check rule, ssh[1]
}

BOOST_AUTO_TEST_CASE(ssh_localpart_maps_login_to_local_user) {
  Policy p = base();
  p.ssh.push_back(ssh_rule("accept", {sel(SelectorKind::kAutogroupMember, "autogroup:member")},
                           {tag("tag:prod")}, {"localpart:*@example.com"}, 40));
  SshTest t;
  t.src = user("alice@example.com");
  t.dst = {tag("tag:prod")};
  t.accept = {"alice"};
  t.deny = {"bob", "root"};
  p.ssh_tests.push_back(t);
  SshTest other_domain;
  other_domain.src = user("alice@other.org");
  other_domain.dst = {tag("tag:prod")};
  other_domain.deny = {"alice"};
  p.ssh_tests.push_back(other_domain);
  TestReport r = run(p);
  BOOST_TEST(r.cases.size() == 4u);
  BOOST_TEST(r.failed() == 0u);
}

// The one test through the front end: a HuJSON policy with tests of every verdict kind.
BOOST_AUTO_TEST_CASE(runs_the_tests_of_a_loaded_policy) {
  const char* text = R"({
    "groups": {"group:eng": ["alice@example.com", "bob@example.com"]},
    "tagOwners": {"tag:prod": ["group:eng"], "tag:db": ["group:eng"]},
    "hosts": {"wiki": "100.101.102.103"},
    "acls": [
      {"action": "accept", "src": ["autogroup:member"], "dst": ["autogroup:self:*"]},
      {"action": "accept", "src": ["group:eng"], "dst": ["tag:prod:22,443", "wiki:443"]},
      {"action": "accept", "src": ["tag:prod"], "proto": "tcp", "dst": ["tag:db:5432"]},
    ],
    "grants": [
      {"src": ["alice@example.com"], "dst": ["tag:db"], "ip": ["tcp:5432", "icmp:*"]},
    ],
    "ssh": [
      {"action": "check", "src": ["group:eng"], "dst": ["tag:prod"], "users": ["root"]},
      {"action": "accept", "src": ["group:eng"], "dst": ["tag:prod"], "users": ["autogroup:nonroot"]},
    ],
    "tests": [
      {"src": "alice@example.com", "accept": ["tag:prod:22", "wiki:443", "tag:db:5432", "alice@example.com:8080"],
       "deny": ["tag:prod:80", "bob@example.com:22"]},
      {"src": "group:eng", "accept": ["tag:prod:443"], "deny": ["tag:db:5432"]},
      {"src": "tag:prod", "proto": "udp", "deny": ["tag:db:5432"]},
    ],
    "sshTests": [
      {"src": "bob@example.com", "dst": ["tag:prod"], "check": ["root"], "accept": ["ubuntu"]},
    ],
  })";
  auto loaded = load_policy(text);
  for (const auto& d : loaded.diagnostics) BOOST_TEST_MESSAGE(d.at.line << ":" << d.at.column << ": " << d.message);
  BOOST_REQUIRE(loaded.policy.has_value());
  TestReport r = run(*loaded.policy);
  BOOST_TEST(r.cases.size() == 11u);
  // Case 7, "group:eng" -> deny tag:db:5432, fails on purpose: alice is accepted by grants[0].
  for (std::size_t i = 0; i < r.cases.size(); ++i)
    if (i != 7) BOOST_TEST(r.cases[i].passed, r.cases[i].description << ": " << r.cases[i].message);
  BOOST_TEST(r.failed() == 1u);
  BOOST_TEST(!r.cases[7].passed);
  BOOST_TEST(r.cases[7].message.find("grants[0] at line 11") != std::string::npos, r.cases[7].message);
  BOOST_TEST(r.cases[7].message.find("alice@example.com") != std::string::npos, r.cases[7].message);
}

BOOST_AUTO_TEST_CASE(legacy_allow_key_is_read_as_accept) {
  const char* text = R"({
    "tagOwners": {"tag:prod": []},
    "acls": [{"action": "accept", "src": ["alice@example.com"], "dst": ["tag:prod:22,443"]}],
    "ssh": [{"action": "accept", "src": ["alice@example.com"], "dst": ["tag:prod"], "users": ["root", "ubuntu"]}],
    "tests": [
      {"src": "alice@example.com", "allow": ["tag:prod:22"]},
      {"src": "alice@example.com", "accept": ["tag:prod:443"], "allow": ["tag:prod:80"]},
    ],
    "sshTests": [
      {"src": "alice@example.com", "dst": ["tag:prod"], "allow": ["root"]},
      {"src": "alice@example.com", "dst": ["tag:prod"], "accept": ["ubuntu"], "allow": ["admin"]},
    ],
  })";
  auto loaded = load_policy(text);
  BOOST_TEST(loaded.diagnostics.empty());
  BOOST_REQUIRE(loaded.policy.has_value());
  BOOST_TEST_REQUIRE(loaded.policy->tests.size() == 2u);
  BOOST_TEST(loaded.policy->tests[1].accept.size() == 2u);
  BOOST_TEST_REQUIRE(loaded.policy->ssh_tests.size() == 2u);
  BOOST_TEST((loaded.policy->ssh_tests[1].accept == std::vector<std::string>{"ubuntu", "admin"}));
  TestReport r = run(*loaded.policy);
  BOOST_TEST_REQUIRE(r.cases.size() == 6u);
  // "allow" cases are judged as "accept" cases: tag:prod:80 and login admin are not allowed.
  BOOST_TEST(r.failed() == 2u);
  for (const auto& c : r.cases)
    BOOST_TEST(c.passed == (c.description.find(":80") == std::string::npos &&
                            c.description.find("admin") == std::string::npos),
               c.description << ": " << c.message);
}

BOOST_AUTO_TEST_CASE(reaches_a_service_only_through_rules_that_name_it) {
  // "*" does not include a service: its addresses are learned only from grants naming it.
  auto out = failures(R"({
  "tagOwners": {"tag:ci": [], "tag:web": []},
  "grants": [
    {"src": ["tag:ci"], "dst": ["svc:db"], "ip": ["tcp:5432"]},
    {"src": ["*"], "dst": ["*"], "ip": ["tcp:443"]},
  ],
  "tests": [
    {"src": "tag:ci", "accept": ["svc:db:5432"], "deny": ["svc:db:22", "svc:db:443", "svc:web:5432"]},
    {"src": "tag:web", "deny": ["svc:db:5432"]},
  ],
})");
  BOOST_TEST(out.empty(), out);
}

BOOST_AUTO_TEST_CASE(tests_decide_domain_users_and_synced_groups_named_as_src) {
  // A synced group has no members offline; a test naming it as src is a device carrying it.
  auto out = failures(R"({
  "tagOwners": {"tag:srv": []},
  "grants": [
    {"src": ["user:*@example.com"], "dst": ["tag:srv"], "ip": ["tcp:22"]},
    {"src": ["group:sec@example.com"], "dst": ["tag:srv"], "ip": ["tcp:443"]},
  ],
  "tests": [
    {"src": "ann@example.com", "accept": ["tag:srv:22"], "deny": ["tag:srv:443"]},
    {"src": "ann@example.org", "deny": ["tag:srv:22"]},
    {"src": "group:sec@example.com", "accept": ["tag:srv:443"], "deny": ["tag:srv:22"]},
  ],
})");
  BOOST_TEST(out.empty(), out);
}

BOOST_AUTO_TEST_CASE(group_destinations_and_ssh_sources_check_every_member) {
  auto out = failures(R"({
  "groups": {"group:eng": ["ann@example.com", "bob@example.com"], "group:ops": ["cy@example.com"]},
  "tagOwners": {"tag:srv": []},
  "hosts": {"jump": "100.64.0.7"},
  "acls": [
    {"action": "accept", "src": ["group:ops"], "dst": ["group:eng:22"]},
    {"action": "accept", "src": ["cy@example.com"], "dst": ["ann@example.com:80"]},
  ],
  "ssh": [
    {"action": "accept", "src": ["group:eng"], "dst": ["tag:srv"], "users": ["deploy"]},
    {"action": "accept", "src": ["*"], "dst": ["tag:srv"], "users": ["backup"]},
  ],
  "tests": [
    {"src": "group:ops", "accept": ["group:eng:22"], "deny": ["group:eng:23"]},
    {"src": "cy@example.com", "deny": ["group:eng:80"]},
  ],
  "sshTests": [
    {"src": "group:eng", "dst": ["tag:srv"], "accept": ["deploy"], "deny": ["root"]},
    {"src": "group:ops", "dst": ["tag:srv"], "deny": ["deploy"]},
    {"src": "jump", "dst": ["tag:srv"], "accept": ["backup"], "deny": ["deploy"]},
    {"src": "100.64.0.8", "dst": ["tag:srv", "group:eng"], "deny": ["deploy"]},
  ],
})");
  // The deny of group:eng:80 fails for ann only; the message names the member.
  BOOST_TEST(out == "cy@example.com -> group:eng:80 (tcp): expected deny, got accept by acls[1] at line 7, "
                    "column 5 (for destination group member ann@example.com)\n", out);
}

BOOST_AUTO_TEST_CASE(ssh_users_that_look_like_groups_are_literal_logins) {
  // Tailscale compiles "group:ops" in ssh users to the login "group:ops", not to the group.
  auto out = failures(R"({
  "groups": {"group:ops": ["ann@example.com"]},
  "tagOwners": {"tag:srv": []},
  "ssh": [{"action": "accept", "src": ["group:ops"], "dst": ["tag:srv"], "users": ["group:ops", "autogroup:member"]}],
  "sshTests": [
    {"src": "ann@example.com", "dst": ["tag:srv"], "accept": ["group:ops", "autogroup:member"], "deny": ["ann", "root"]},
  ],
})");
  BOOST_TEST(out.empty(), out);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(enricher_decides_tests_against_what_the_server_knows) {
  // autogroup:admin reaches tag:prod; the policy alone cannot know that alice is an admin, the
  // coordination server's registry can.
  Policy p;
  TagOwner owner;
  owner.tag = "tag:prod";
  owner.owners = {user("alice@example.com")};
  p.tag_owners.push_back(owner);
  Acl a;
  a.action = "accept";
  a.src = {sel(SelectorKind::kAutogroupAdmin, "autogroup:admin")};
  a.dst = {AclDestination{tag("tag:prod"), {{22, 22}}, {}}};
  a.at = {3, 5};
  p.acls.push_back(a);
  AclTest t;
  t.src = user("alice@example.com");
  t.accept = {target(tag("tag:prod"), 22, 7)};
  t.at = {6, 5};
  p.tests.push_back(t);
  auto ev = Evaluator::compile(p);
  BOOST_REQUIRE(ev.ok());

  BOOST_TEST(run_tests(p, *ev).failed() == 1u);
  int calls = 0;
  IdentityEnricher admin_alice = [&](Identity& id) {
    ++calls;
    if (id.user && *id.user == "alice@example.com") id.roles.push_back("admin");
  };
  TestReport report = run_tests(p, *ev, admin_alice);
  BOOST_TEST(report.failed() == 0u);
  BOOST_TEST(calls == 2);  // the source and the destination
}
