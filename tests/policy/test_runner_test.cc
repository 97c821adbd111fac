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

// The messages of the failing cases of a policy text's own tests ("" when all pass), or with
// `undecidable`, of the cases the file alone cannot decide.
std::string failures(const char* text, bool undecidable = false, const TailnetView& tailnet = {}) {
  auto c = check_policy(text, RunTests::kYes, tailnet);
  std::string out;
  for (const auto& d : c.diagnostics)
    if (d.severity == Severity::kError) out += "load: " + d.message + "\n";
  for (const auto& t : c.tests.cases)
    if (!t.passed && t.decidable != undecidable) out += t.description + ": " + t.message + "\n";
  return out;
}

std::string undecidable(const char* text) { return failures(text, true); }

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
  const char* text = R"({
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
})";
  auto out = failures(text);
  BOOST_TEST(out.empty(), out);
  // Whether ann is in the synced group, and who is in it, are the identity provider's to know.
  BOOST_TEST(undecidable(text) ==
                 "ann@example.com -> tag:srv:443 (tcp): the file does not say which synced groups "
                 "ann@example.com is in; if ann@example.com is in group:sec@example.com, grants[1] at "
                 "line 5, column 5 accepts (expected deny)\n"
                 "group:sec@example.com -> tag:srv:22 (tcp): the file does not say who is in "
                 "group:sec@example.com; if its members include users the policy names, grants[0] at "
                 "line 4, column 5 accepts (expected deny)\n",
             undecidable(text));
}

BOOST_AUTO_TEST_CASE(group_destinations_and_ssh_sources_check_every_member) {
  const char* text = R"({
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
})";
  auto out = failures(text);
  // The deny of group:eng:80 fails for ann only; the message names the member.
  BOOST_TEST(out == "cy@example.com -> group:eng:80 (tcp): expected deny, got accept by acls[1] at line 7, "
                    "column 5 (for destination group member ann@example.com)\n", out);
  // Addresses of the tailnet ranges may be anyone's device: a member of group:eng would be let in.
  auto open = undecidable(text);
  BOOST_TEST(open.find("jump -> tag:srv as deploy (ssh deny): the file does not say which device holds "
                       "jump (100.64.0.7); if jump (100.64.0.7) is a device of ann@example.com, "
                       "ssh[0] at line 10, column 5 answers accept (expected deny)\n") == 0u, open);
  BOOST_TEST(open.find("100.64.0.8 -> tag:srv as deploy") != std::string::npos, open);
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

  TestReport offline = run_tests(p, *ev);
  BOOST_TEST(offline.failed() == 0u);
  BOOST_TEST(offline.undecidable() == 1u);
  int calls = 0;
  IdentityEnricher admin_alice = [&](Identity& id) {
    ++calls;
    if (id.user && *id.user == "alice@example.com") id.roles.push_back("admin");
  };
  TestReport report = run_tests(p, *ev, admin_alice);
  BOOST_TEST(report.failed() == 0u);
  BOOST_TEST(calls == 2);  // the source and the destination
}

// --- What offline checking cannot know (docs/policy.md) ---------------------------------------

namespace {

// The cases of a policy's tests as "P|F|U description: message" lines (passed, failed, not
// decidable), decided offline or against `tailnet`.
std::string verdicts(const char* text, const TailnetView& tailnet = {}) {
  auto c = check_policy(text, RunTests::kYes, tailnet);
  std::string out;
  for (const auto& d : c.diagnostics)
    if (d.severity == Severity::kError) out += "load: " + d.message + "\n";
  for (const auto& t : c.tests.cases) {
    out += t.passed ? "P " : t.decidable ? "F " : "U ";
    out += t.description + (t.message.empty() ? "" : ": " + t.message) + "\n";
  }
  return out;
}

TailnetView tailnet_of(const char* text) {
  TailnetLoad l = load_tailnet(text);
  BOOST_REQUIRE(l.tailnet.has_value());
  return view_of(*l.tailnet, "tn.hujson");
}

// acls[0] (line 4): admins reach tag:prod:22; acls[1] (line 5): alice reaches tag:prod:80.
constexpr const char* kRoles = R"({
  "tagOwners": {"tag:prod": []},
  "acls": [
    {"action": "accept", "src": ["autogroup:admin"], "dst": ["tag:prod:22"]},
    {"action": "accept", "src": ["alice@example.com"], "dst": ["tag:prod:80"]},
  ],
  "tests": [
    {"src": "alice@example.com", "accept": ["tag:prod:22", "tag:prod:80"], "deny": ["tag:prod:22", "tag:prod:80", "tag:prod:443"]},
  ],
})";

}  // namespace

BOOST_AUTO_TEST_CASE(a_role_the_file_cannot_know_leaves_a_test_undecided_either_way) {
  // Whether alice is an admin decides tag:prod:22 both ways; tag:prod:80 is hers whatever her
  // role (an accept stands), and no rule could ever let her reach tag:prod:443.
  BOOST_TEST(verdicts(kRoles) ==
                 "U alice@example.com -> tag:prod:22 (tcp): the file does not say what roles "
                 "alice@example.com has; if alice@example.com has the admin role, acls[0] at line 4, "
                 "column 5 accepts (expected accept)\n"
                 "P alice@example.com -> tag:prod:80 (tcp)\n"
                 "U alice@example.com -> tag:prod:22 (tcp): the file does not say what roles "
                 "alice@example.com has; if alice@example.com has the admin role, acls[0] at line 4, "
                 "column 5 accepts (expected deny)\n"
                 "F alice@example.com -> tag:prod:80 (tcp): expected deny, got accept by acls[1] at "
                 "line 5, column 5\n"
                 "P alice@example.com -> tag:prod:443 (tcp)\n",
             verdicts(kRoles));
  // Not decidable is not a failure: the policy stays valid without its failing case.
  auto c = check_policy(kRoles);
  BOOST_TEST(c.tests.undecidable() == 2u);
  BOOST_TEST(c.tests.failed() == 1u);
  BOOST_TEST(c.tests.passed() == 2u);
}

BOOST_AUTO_TEST_CASE(a_tailnet_decides_and_names_the_facts_it_used) {
  TailnetView admin = tailnet_of(R"({"users": [{"email": "alice@example.com", "role": "admin"}]})");
  auto c = check_policy(kRoles, RunTests::kYes, admin);
  BOOST_TEST(c.tests.undecidable() == 0u);
  BOOST_TEST_REQUIRE(c.tests.cases.size() == 5u);
  BOOST_TEST(c.tests.cases[0].passed);
  BOOST_TEST(!c.tests.cases[2].passed);
  BOOST_TEST(c.tests.cases[2].message == "expected deny, got accept by acls[0] at line 4, column 5");
  BOOST_TEST(c.tests.cases[2].decided_by == std::vector<std::string>{"alice@example.com is admin in tn.hujson"});

  // A user the tailnet does not list has no role: decided, and the message says why.
  auto none = check_policy(kRoles, RunTests::kYes, tailnet_of(R"({"users": []})"));
  BOOST_TEST(none.tests.undecidable() == 0u);
  BOOST_TEST(!none.tests.cases[0].passed);
  BOOST_TEST(none.tests.cases[0].decided_by ==
             std::vector<std::string>{"alice@example.com is not in tn.hujson's users (no role)"});
}

BOOST_AUTO_TEST_CASE(tests_naming_no_unknown_fact_stay_decided) {
  // No rule names a role, a synced group or a tailnet address: nothing to assume.
  BOOST_TEST(verdicts(R"({
  "groups": {"group:eng": ["alice@example.com"]},
  "tagOwners": {"tag:prod": []},
  "hosts": {"office": "192.168.1.10"},
  "acls": [{"action": "accept", "src": ["group:eng"], "dst": ["tag:prod:22"]}],
  "tests": [
    {"src": "bob@example.com", "deny": ["tag:prod:22"]},
    {"src": "office", "deny": ["tag:prod:22"]},
    {"src": "192.168.1.11", "deny": ["tag:prod:22"]},
  ],
})") == "P bob@example.com -> tag:prod:22 (tcp)\n"
        "P office -> tag:prod:22 (tcp)\n"
        "P 192.168.1.11 -> tag:prod:22 (tcp)\n");
}

BOOST_AUTO_TEST_CASE(a_tailnet_address_may_be_any_device) {
  const char* text = R"({
  "groups": {"group:eng": ["alice@example.com"]},
  "tagOwners": {"tag:ci": [], "tag:prod": []},
  "acls": [
    {"action": "accept", "src": ["tag:ci"], "dst": ["tag:prod:22"]},
    {"action": "accept", "src": ["group:eng"], "dst": ["tag:prod:443"]},
    {"action": "accept", "src": ["autogroup:member"], "dst": ["autogroup:self:*"]},
  ],
  "tests": [
    {"src": "100.64.0.5", "deny": ["tag:prod:22", "tag:prod:443", "tag:prod:8080"]},
    {"src": "alice@example.com", "deny": ["100.64.0.6:9000"]},
  ],
})";
  BOOST_TEST(verdicts(text) ==
                 "U 100.64.0.5 -> tag:prod:22 (tcp): the file does not say which device holds "
                 "100.64.0.5; if 100.64.0.5 is a device tagged tag:ci, acls[0] at line 5, column 5 "
                 "accepts (expected deny)\n"
                 "U 100.64.0.5 -> tag:prod:443 (tcp): the file does not say which device holds "
                 "100.64.0.5; if 100.64.0.5 is a device of a member of group:eng, acls[1] at line 6, "
                 "column 5 accepts (expected deny)\n"
                 "P 100.64.0.5 -> tag:prod:8080 (tcp)\n"
                 "U alice@example.com -> 100.64.0.6:9000 (tcp): the file does not say which device "
                 "holds 100.64.0.6; if 100.64.0.6 is a device of alice@example.com, acls[2] at line 7, "
                 "column 5 accepts (expected deny)\n",
             verdicts(text));
  TailnetView tn = tailnet_of(R"({
    "users": [{"email": "alice@example.com"}],
    "devices": [
      {"name": "runner", "tags": ["tag:ci"], "addresses": ["100.64.0.5"]},
      {"name": "desk", "user": "alice@example.com", "addresses": ["100.64.0.6"]},
    ],
  })");
  BOOST_TEST(verdicts(text, tn) ==
                 "F 100.64.0.5 -> tag:prod:22 (tcp): expected deny, got accept by acls[0] at line 5, "
                 "column 5\n"
                 "P 100.64.0.5 -> tag:prod:443 (tcp)\n"
                 "P 100.64.0.5 -> tag:prod:8080 (tcp)\n"
                 "F alice@example.com -> 100.64.0.6:9000 (tcp): expected deny, got accept by acls[2] "
                 "at line 7, column 5\n",
             verdicts(text, tn));
  auto c = check_policy(text, RunTests::kYes, tn);
  BOOST_TEST(c.tests.cases[3].decided_by ==
             (std::vector<std::string>{"alice@example.com is member in tn.hujson",
                                       "100.64.0.6 is desk of alice@example.com in tn.hujson"}));
}

BOOST_AUTO_TEST_CASE(a_decided_failure_of_one_member_outweighs_an_undecided_one) {
  // bob fails whatever the tailnet says; alice's verdict alone would be undecided.
  BOOST_TEST(verdicts(R"({
  "groups": {"group:eng": ["alice@example.com", "bob@example.com"]},
  "tagOwners": {"tag:prod": []},
  "acls": [
    {"action": "accept", "src": ["autogroup:admin"], "dst": ["tag:prod:22"]},
    {"action": "accept", "src": ["bob@example.com"], "dst": ["tag:prod:22"]},
  ],
  "tests": [{"src": "group:eng", "deny": ["tag:prod:22"]}],
})") == "F group:eng -> tag:prod:22 (tcp): expected deny, got accept by acls[1] at line 6, column 5 "
        "(for group member bob@example.com)\n");
}

BOOST_AUTO_TEST_CASE(ssh_verdicts_can_change_either_way) {
  // A check rule for admins comes before the accept rule: an admin would be asked to check.
  const char* text = R"({
  "tagOwners": {"tag:srv": []},
  "ssh": [
    {"action": "accept", "src": ["autogroup:member"], "dst": ["tag:srv"], "users": ["root"]},
    {"action": "check", "src": ["autogroup:admin"], "dst": ["tag:srv"], "users": ["root"]},
  ],
  "sshTests": [{"src": "alice@example.com", "dst": ["tag:srv"], "accept": ["root"], "deny": ["ubuntu"]}],
})";
  BOOST_TEST(verdicts(text) ==
                 "U alice@example.com -> tag:srv as root (ssh accept): the file does not say what roles "
                 "alice@example.com has; if alice@example.com has the admin role, ssh[1] at line 5, "
                 "column 5 answers check (expected accept)\n"
                 "P alice@example.com -> tag:srv as ubuntu (ssh deny)\n",
             verdicts(text));
  TailnetView member = tailnet_of(R"({"users": [{"email": "alice@example.com", "role": "member"}]})");
  BOOST_TEST(verdicts(text, member) ==
             "P alice@example.com -> tag:srv as root (ssh accept)\n"
             "P alice@example.com -> tag:srv as ubuntu (ssh deny)\n");
}

BOOST_AUTO_TEST_CASE(a_tailnet_lists_the_members_of_synced_groups) {
  const char* text = R"({
  "tagOwners": {"tag:srv": []},
  "acls": [
    {"action": "accept", "src": ["group:sec@example.com"], "dst": ["tag:srv:443"]},
    {"action": "accept", "src": ["ann@example.com"], "dst": ["tag:srv:22"]},
  ],
  "tests": [
    {"src": "group:sec@example.com", "accept": ["tag:srv:443"], "deny": ["tag:srv:22"]},
    {"src": "bob@example.com", "deny": ["tag:srv:443"]},
  ],
})";
  // Offline the group is one node carrying it; who is in it is the identity provider's to know.
  BOOST_TEST(verdicts(text) ==
                 "P group:sec@example.com -> tag:srv:443 (tcp)\n"
                 "U group:sec@example.com -> tag:srv:22 (tcp): the file does not say who is in "
                 "group:sec@example.com; if its members include users the policy names, acls[1] at "
                 "line 5, column 5 accepts (expected deny)\n"
                 "U bob@example.com -> tag:srv:443 (tcp): the file does not say which synced groups "
                 "bob@example.com is in; if bob@example.com is in group:sec@example.com, acls[0] at "
                 "line 4, column 5 accepts (expected deny)\n",
             verdicts(text));
  TailnetView tn = tailnet_of(R"({
    "users": [{"email": "ann@example.com"}, {"email": "bob@example.com"}],
    "groups": {"group:sec@example.com": ["ann@example.com"]},
  })");
  BOOST_TEST(verdicts(text, tn) ==
                 "P group:sec@example.com -> tag:srv:443 (tcp)\n"
                 "F group:sec@example.com -> tag:srv:22 (tcp): expected deny, got accept by acls[1] at "
                 "line 5, column 5 (for group member ann@example.com)\n"
                 "P bob@example.com -> tag:srv:443 (tcp)\n",
             verdicts(text, tn));
}

// Tailscale fails an sshTests accept case to a device's IPv6 address that passes for its IPv4
// address (headscale's recorded answers sshtest-malformed-dst-bare-ipv6 and -ipv4): an IPv6 dst
// is no device, offline and against a tailnet alike.
BOOST_AUTO_TEST_CASE(an_ipv6_ssh_test_destination_is_no_device) {
  const char* text = R"({
  "tagOwners": {"tag:srv": []},
  "hosts": {"srv6": "fd7a:115c:a1e0::10"},
  "ssh": [{"action": "accept", "src": ["autogroup:member"], "dst": ["tag:srv"], "users": ["root"]}],
  "sshTests": [
    {"src": "alice@example.com", "dst": ["100.64.0.16", "fd7a:115c:a1e0::10", "srv6"], "accept": ["root"], "deny": ["nobody"]},
  ],
})";
  TailnetView tn = tailnet_of(R"({
    "users": [{"email": "alice@example.com"}],
    "devices": [{"name": "srv", "tags": ["tag:srv"], "addresses": ["100.64.0.16", "fd7a:115c:a1e0::10"]}],
  })");
  BOOST_TEST(verdicts(text, tn) ==
                 "P alice@example.com -> 100.64.0.16 as root (ssh accept)\n"
                 "P alice@example.com -> 100.64.0.16 as nobody (ssh deny)\n"
                 "F alice@example.com -> fd7a:115c:a1e0::10 as root (ssh accept): expected accept, got deny\n"
                 "P alice@example.com -> fd7a:115c:a1e0::10 as nobody (ssh deny)\n"
                 "F alice@example.com -> srv6 as root (ssh accept): expected accept, got deny\n"
                 "P alice@example.com -> srv6 as nobody (ssh deny)\n",
             verdicts(text, tn));
  const std::string offline = verdicts(text);
  BOOST_TEST(offline.find("F alice@example.com -> fd7a:115c:a1e0::10 as root") != std::string::npos, offline);
  BOOST_TEST(offline.find("P alice@example.com -> srv6 as nobody") != std::string::npos, offline);
}

BOOST_AUTO_TEST_SUITE_END()
