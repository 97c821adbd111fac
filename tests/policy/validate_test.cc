#define BOOST_TEST_MODULE policy_validate
#include <boost/test/unit_test.hpp>

#include <string>

#include "policy/load.h"
#include "support/policy_findings.h"

using namespace weft::policy;
using weft::test::has;
using weft::test::render;

BOOST_AUTO_TEST_SUITE(validate)

BOOST_AUTO_TEST_CASE(reports_unknown_group_with_suggestion) {
  auto r = load_policy(R"({"groups": {"group:eng": ["a@example.com"]},
"acls": [{"action": "accept", "src": ["group:engg"], "dst": ["*:*"]}]})");
  BOOST_TEST(has(r, "2:39: error: group not found: \"group:engg\"; did you mean \"group:eng\"?"), render(r));
  BOOST_TEST(!r.policy.has_value());
}

BOOST_AUTO_TEST_CASE(reports_unknown_tag_host_and_ipset) {
  auto r = load_policy(R"({"tagOwners": {"tag:prod": []}, "hosts": {"db1": "10.0.0.1"}, "ipsets": {"ipset:office": ["10.0.0.0/8"]},
"acls": [{"action": "accept", "src": ["tag:prd"], "dst": ["db2:22", "ipset:ofice:*"]}]})");
  BOOST_TEST(has(r, "2:39: error: tag not found: \"tag:prd\"; did you mean \"tag:prod\"?"), render(r));
  BOOST_TEST(has(r, "2:59: error: host not found: \"db2\"; did you mean \"db1\"?"), render(r));
  BOOST_TEST(has(r, "2:69: error: ipset not found: \"ipset:ofice\"; did you mean \"ipset:office\"?"), render(r));
}

BOOST_AUTO_TEST_CASE(omits_the_suggestion_when_nothing_is_close) {
  auto r = load_policy(R"({"acls": [{"action": "accept", "src": ["tag:zzz"], "dst": ["*:*"]}]})");
  BOOST_TEST(has(r, "1:40: error: tag not found: \"tag:zzz\""), render(r));
}

BOOST_AUTO_TEST_CASE(resolves_host_aliases) {
  auto r = load_policy(R"({"hosts": {"db1": "10.1.2.3"},
"acls": [{"action": "accept", "src": ["db1"], "dst": ["db1:5432"]}]})");
  BOOST_TEST_REQUIRE(r.policy.has_value(), render(r));
  BOOST_TEST(r.policy->acls[0].src[0].prefix.to_string() == "10.1.2.3/32");
  BOOST_TEST(r.policy->acls[0].dst[0].target.prefix.to_string() == "10.1.2.3/32");
}

BOOST_AUTO_TEST_CASE(warns_about_hosts_never_used) {
  auto r = load_policy(R"({"hosts": {"db": "10.0.0.1", "old": "10.0.0.2", "lan": "10.1.0.0/16"},
"ipsets": {"ipset:x": ["host:lan"]},
"acls": [{"action": "accept", "src": ["*"], "dst": ["db:22", "ipset:x:*"]}]})");
  BOOST_TEST(has(r, "1:30: warning: host \"old\" is never used"), render(r));
  BOOST_TEST(r.diagnostics.size() == 1u, render(r));
  BOOST_TEST(r.policy.has_value());
}

BOOST_AUTO_TEST_CASE(rejects_recursive_and_non_user_group_members) {
  auto r = load_policy(R"({"tagOwners": {"tag:x": []}, "groups": {"group:a": ["b@example.com"],
"group:b": ["group:a", "tag:x", "autogroup:member"]}})");
  BOOST_TEST(has(r, "2:13: error: group members cannot be recursive"), render(r));
  BOOST_TEST(has(r, "2:24: error: group \"group:b\" members must be users, found \"tag:x\""), render(r));
  BOOST_TEST(has(r, "2:33: error: group \"group:b\" members must be users, found \"autogroup:member\""),
             render(r));
}

BOOST_AUTO_TEST_CASE(warns_about_empty_groups_but_keeps_the_policy) {
  auto r = load_policy(R"({"groups": {"group:none": []}})");
  BOOST_TEST(has(r, "1:13: warning: group \"group:none\" has no members"), render(r));
  BOOST_TEST(r.policy.has_value());
}

BOOST_AUTO_TEST_CASE(rejects_autogroup_self_and_internet_on_the_src_side) {
  auto r = load_policy(R"({"acls": [
{"action": "accept", "src": ["autogroup:self"], "dst": ["autogroup:self:*"]},
{"action": "accept", "src": ["autogroup:internet"], "dst": ["autogroup:internet:*"]},
],
"grants": [{"src": ["autogroup:self"], "dst": ["autogroup:self"], "ip": ["*"]}]})");
  BOOST_TEST(has(r, "2:30: error: \"autogroup:self\" not valid on the src side of a rule"), render(r));
  BOOST_TEST(has(r, "3:30: error: \"autogroup:internet\" not valid on the src side of a rule"), render(r));
  BOOST_TEST(has(r, "5:21: error: \"autogroup:self\" not valid on the src side of a rule"), render(r));
  BOOST_TEST(r.diagnostics.size() == 3u, render(r));
}

BOOST_AUTO_TEST_CASE(accepts_autogroup_members_as_the_legacy_member) {
  auto r = load_policy(R"({"tagOwners": {"tag:prod": ["autogroup:members"]},
"acls": [{"action": "accept", "src": ["autogroup:members"], "dst": ["tag:prod:22"]}],
"ssh": [{"action": "accept", "src": ["autogroup:members"], "dst": ["tag:prod"], "users": ["root"]}]})");
  BOOST_TEST(r.diagnostics.empty(), render(r));
  BOOST_TEST_REQUIRE(r.policy.has_value());
  BOOST_TEST((r.policy->acls[0].src[0].kind == SelectorKind::kAutogroupMember));
}

BOOST_AUTO_TEST_CASE(warns_that_autogroup_shared_matches_nobody_offline) {
  auto r = load_policy(R"({"tagOwners": {"tag:prod": []},
"acls": [{"action": "accept", "src": ["autogroup:shared"], "dst": ["tag:prod:22"]}],
"ssh": [{"action": "accept", "src": ["autogroup:shared"], "dst": ["tag:prod"], "users": ["root"]}]})");
  BOOST_TEST(has(r, "2:39: warning: \"autogroup:shared\" matches nobody offline (weft has no device sharing)"),
             render(r));
  BOOST_TEST(has(r, "3:38: warning: \"autogroup:shared\" matches nobody offline (weft has no device sharing)"),
             render(r));
  BOOST_TEST(r.diagnostics.size() == 2u, render(r));
  BOOST_TEST(r.policy.has_value());
}

BOOST_AUTO_TEST_CASE(refuses_all_addresses_as_a_grant_destination) {
  auto r = load_policy(R"({"grants": [{"src": ["*"], "dst": ["0.0.0.0/0", "::/0", "10.0.0.0/8"], "ip": ["*"]}]})");
  BOOST_TEST(has(r, "1:36: error: \"0.0.0.0/0\" is not a valid grant destination: to allow all IP addresses, "
                    "use \"*\" or \"autogroup:internet\""),
             render(r));
  BOOST_TEST(has(r, "1:49: error: \"::/0\" is not a valid grant destination: to allow all IP addresses, use "
                    "\"*\" or \"autogroup:internet\""),
             render(r));
  BOOST_TEST(r.diagnostics.size() == 2u, render(r));
}

BOOST_AUTO_TEST_CASE(keeps_all_addresses_as_an_acl_destination) {
  auto r = load_policy(R"({"acls": [{"action": "accept", "src": ["*"], "dst": ["0.0.0.0/0:*", "[::/0]:*"]}]})");
  BOOST_TEST(r.diagnostics.empty(), render(r));
}

BOOST_AUTO_TEST_CASE(refuses_autogroup_danger_all_as_a_destination) {
  auto r = load_policy(R"({"grants": [{"src": ["autogroup:danger-all"], "dst": ["autogroup:danger-all"], "ip": ["*"]}],
"acls": [{"action": "accept", "src": ["autogroup:danger-all"], "dst": ["autogroup:danger-all:443"]}]})");
  BOOST_TEST(has(r, "1:55: error: \"autogroup:danger-all\" not valid on the dst side of a rule; use \"*\""),
             render(r));
  BOOST_TEST(has(r, "2:72: error: \"autogroup:danger-all\" not valid on the dst side of a rule; use \"*\""),
             render(r));
  BOOST_TEST(r.diagnostics.size() == 2u, render(r));
}

BOOST_AUTO_TEST_CASE(rejects_nonroot_outside_ssh_users) {
  auto r = load_policy(R"({"acls": [{"action": "accept", "src": ["autogroup:nonroot"], "dst": ["*:*"]}]})");
  BOOST_TEST(has(r, "1:40: error: \"autogroup:nonroot\" is only valid in ssh \"users\""), render(r));
}

BOOST_AUTO_TEST_CASE(checks_tag_owners) {
  auto r = load_policy(R"({"groups": {"group:eng": ["a@example.com"]},
"tagOwners": {"tag:a": ["group:eng", "tag:b", "autogroup:admin", "10.0.0.1", "group:ops"]}})");
  BOOST_TEST(has(r, "2:38: error: tag not found: \"tag:b\"; did you mean \"tag:a\"?"), render(r));
  BOOST_TEST(has(r, "2:66: error: tag owners must be users, groups, tags or autogroups, found \"10.0.0.1\""),
             render(r));
  BOOST_TEST(has(r, "2:78: error: group not found: \"group:ops\""), render(r));
}

BOOST_AUTO_TEST_CASE(rejects_ipset_cycles) {
  auto r = load_policy(R"({"ipsets": {
"ipset:a": ["ipset:b"],
"ipset:b": ["10.0.0.0/8", "ipset:a"],
"ipset:c": ["ipset:c"],
"ipset:d": ["ipset:a", "autogroup:internet", "remove ipset:nope"],
}})");
  BOOST_TEST(has(r, "3:27: error: ipsets cannot refer to themselves: ipset:a -> ipset:b -> ipset:a"), render(r));
  BOOST_TEST(has(r, "4:13: error: ipsets cannot refer to themselves: ipset:c -> ipset:c"), render(r));
  BOOST_TEST(has(r, "5:54: error: ipset not found: \"ipset:nope\""), render(r));
}

BOOST_AUTO_TEST_CASE(follows_long_ipset_chains_without_recursion) {
  std::string text = "{\"ipsets\": {\n";
  const int n = 20000;
  for (int i = 0; i < n; ++i)
    text += "\"ipset:s" + std::to_string(i) + "\": [\"ipset:s" + std::to_string((i + 1) % n) + "\"],\n";
  text += "}}";
  auto r = load_policy(text);
  std::size_t cycles = 0;
  for (const auto& d : r.diagnostics)
    if (d.message == "ipsets cannot refer to themselves: ipset:s0 -> ipset:s1 -> ipset:s2 -> ... "
                     "(19995 more) -> ipset:s19998 -> ipset:s19999 -> ipset:s0")
      ++cycles;
  BOOST_TEST(cycles == 1u, r.diagnostics.front().message.substr(0, 300));
  BOOST_TEST(r.diagnostics.size() == 1u);
}

BOOST_AUTO_TEST_CASE(bounds_the_work_spent_on_suggestions) {
  std::string text = "{\"groups\": {";
  for (int i = 0; i < 2000; ++i) text += "\"group:g" + std::to_string(i) + "\": [\"u@example.com\"],";
  text += "}, \"acls\": [";
  for (int i = 0; i < 3000; ++i)
    text += "{\"action\": \"accept\", \"src\": [\"group:missing" + std::to_string(i) + "\"], \"dst\": [\"*:*\"]},";
  text += "]}";
  auto r = load_policy(text);
  std::size_t not_found = 0;
  for (const auto& d : r.diagnostics)
    if (d.message.starts_with("group not found: \"group:missing")) ++not_found;
  BOOST_TEST(not_found == 3000u);  // every finding is still reported
}

BOOST_AUTO_TEST_CASE(via_must_be_tags) {
  auto r = load_policy(R"({"tagOwners": {"tag:r": []},
"grants": [{"src": ["*"], "dst": ["10.0.0.0/8"], "ip": ["*"], "via": ["tag:r", "group:x", "tag:q"]}]})");
  BOOST_TEST(has(r, "2:80: error: \"via\" must list tags, found \"group:x\""), render(r));
  BOOST_TEST(has(r, "2:91: error: tag not found: \"tag:q\"; did you mean \"tag:r\"?"), render(r));
}

BOOST_AUTO_TEST_CASE(reports_unknown_postures) {
  auto r = load_policy(R"({"postures": {"posture:latest": ["node:os == 'linux'"]},
"defaultSrcPosture": ["posture:lates"],
"acls": [{"action": "accept", "src": ["*"], "dst": ["*:*"], "srcPosture": ["posture:other"]}]})");
  BOOST_TEST(has(r, "2:23: error: posture not found: \"posture:lates\"; did you mean \"posture:latest\"?"),
             render(r));
  BOOST_TEST(has(r, "3:76: error: posture not found: \"posture:other\""), render(r));
}

BOOST_AUTO_TEST_CASE(applies_ssh_src_and_dst_restrictions) {
  auto r = load_policy(R"({"groups": {"group:eng": ["a@example.com"]}, "tagOwners": {"tag:s": []}, "ssh": [
{"action": "accept", "src": ["group:eng"], "dst": ["a@example.com", "autogroup:self", "tag:s"], "users": ["root"]},
{"action": "accept", "src": ["a@example.com"], "dst": ["a@example.com", "10.0.0.1"], "users": ["root"]},
{"action": "accept", "src": ["10.0.0.0/8"], "dst": ["tag:s"], "users": ["root"]},
]})");
  BOOST_TEST(has(r, "2:52: error: ssh dst \"a@example.com\" is a user's devices; only that same user may be "
                    "the src (use \"autogroup:self\")"),
             render(r));
  BOOST_TEST(has(r, "3:73: error: ssh dst must be tags, autogroup:self, autogroup:tagged, autogroup:member "
                    "or the src user, found \"10.0.0.1\""),
             render(r));
  BOOST_TEST(has(r, "4:30: error: ssh src must be users, groups, tags or autogroups, found \"10.0.0.0/8\""),
             render(r));
  BOOST_TEST(r.diagnostics.size() == 3u, render(r));
}

BOOST_AUTO_TEST_CASE(ssh_recorders_must_be_defined_tags) {
  auto r = load_policy(R"({"tagOwners": {"tag:rec": [], "tag:s": []}, "ssh": [
{"action": "accept", "src": ["*"], "dst": ["tag:s"], "users": ["root"], "recorder": ["tag:recc", "group:x", "100.64.0.1"]}]})");
  BOOST_TEST(has(r, "2:86: error: tag not found: \"tag:recc\"; did you mean \"tag:rec\"?"), render(r));
  BOOST_TEST(has(r, "2:98: error: ssh recorder must be tags, found \"group:x\""), render(r));
  BOOST_TEST(has(r, "2:109: error: ssh recorder must be tags, found \"100.64.0.1\""), render(r));
  BOOST_TEST(r.diagnostics.size() == 3u, render(r));
}

BOOST_AUTO_TEST_CASE(rejects_autogroup_self_for_tagged_ssh_sources) {
  auto r = load_policy(R"({"tagOwners": {"tag:ci": []}, "ssh": [
{"action": "accept", "src": ["tag:ci"], "dst": ["autogroup:self"], "users": ["root"]},
{"action": "accept", "src": ["autogroup:member"], "dst": ["autogroup:self"], "users": ["root"]},
]})");
  BOOST_TEST(has(r, "2:49: error: ssh dst \"autogroup:self\" needs a src of users, groups or "
                    "autogroup:member, found \"tag:ci\""),
             render(r));
  BOOST_TEST(r.diagnostics.size() == 1u, render(r));
}

BOOST_AUTO_TEST_CASE(checks_tests_identities) {
  auto r = load_policy(R"({"tagOwners": {"tag:s": []}, "hosts": {"db": "10.0.0.5"}, "tests": [
{"src": "tag:t", "accept": ["db:22", "tag:s:22"], "deny": ["nohost:22", "group:x:22"]},
{"src": "10.0.0.0/8", "accept": ["autogroup:member:80"]},
]})");
  BOOST_TEST(has(r, "2:9: error: tag not found: \"tag:t\"; did you mean \"tag:s\"?"), render(r));
  BOOST_TEST(has(r, "2:60: error: host not found: \"nohost\""), render(r));
  BOOST_TEST(has(r, "2:73: error: group not found: \"group:x\""), render(r));
  BOOST_TEST(has(r, "3:9: error: test src must be a single IP address, found \"10.0.0.0/8\""), render(r));
  BOOST_TEST(has(r, "3:34: error: test destination must be a user, group, tag, host, service or IP address, found "
                    "\"autogroup:member\""),
             render(r));
}

BOOST_AUTO_TEST_CASE(checks_ssh_tests_identities) {
  auto r = load_policy(R"({"sshTests": [{"src": "group:x", "dst": ["tag:nope"], "accept": ["root"]}]})");
  BOOST_TEST(has(r, "1:23: error: group not found: \"group:x\""), render(r));
  BOOST_TEST(has(r, "1:42: error: tag not found: \"tag:nope\""), render(r));
}

BOOST_AUTO_TEST_CASE(accepts_groups_hosts_and_addresses_on_every_test_side) {
  auto r = load_policy(R"({"groups": {"group:eng": ["a@example.com"]}, "tagOwners": {"tag:s": []},
"hosts": {"db": "100.64.0.5"},
"tests": [{"src": "group:eng", "accept": ["group:eng:22", "group:ops@example.com:22"]},
          {"src": "db", "deny": ["db:22", "100.64.0.6:22"]}],
"sshTests": [{"src": "group:eng", "dst": ["group:eng", "db", "100.64.0.6"], "deny": ["root"]},
             {"src": "100.64.0.5", "dst": ["tag:s"], "deny": ["root"]},
             {"src": "db", "dst": ["tag:s"], "deny": ["root"]}]})");
  BOOST_TEST(r.policy.has_value(), render(r));
  BOOST_TEST(r.diagnostics.size() == 1u, "only the synced group's warning\n" + render(r));
}

BOOST_AUTO_TEST_CASE(refuses_what_names_many_nodes_in_ssh_tests) {
  auto r = load_policy(R"({"hosts": {"lan": "10.0.0.0/24"}, "sshTests": [
{"src": "autogroup:member", "dst": ["lan", "10.0.0.0/8", "autogroup:internet", "svc:db"], "deny": ["root"]},
{"src": "lan", "dst": ["*"], "deny": ["root"]},
]})");
  BOOST_TEST(has(r, "2:9: error: sshTests src must be a user, group, tag, host or IP address, found "
                    "\"autogroup:member\""), render(r));
  BOOST_TEST(has(r, "2:37: error: sshTests dst must be a single IP address, found host \"lan\" = \"10.0.0.0/24\""),
             render(r));
  BOOST_TEST(has(r, "2:44: error: sshTests dst must be a single IP address, found \"10.0.0.0/8\""), render(r));
  BOOST_TEST(has(r, "2:58: error: sshTests dst must be a user, group, tag, host or IP address, found "
                    "\"autogroup:internet\""), render(r));
  BOOST_TEST(has(r, "2:80: error: sshTests dst must be a user, group, tag, host or IP address, found \"svc:db\""),
             render(r));
  BOOST_TEST(has(r, "3:9: error: sshTests src must be a single IP address, found host \"lan\" = \"10.0.0.0/24\""),
             render(r));
  BOOST_TEST(has(r, "3:24: error: sshTests dst must be a user, group, tag, host or IP address, found \"*\""),
             render(r));
}

BOOST_AUTO_TEST_CASE(checks_auto_approvers_and_node_attrs) {
  auto r = load_policy(R"({"autoApprovers": {"routes": {"10.0.0.0/8": ["tag:r", "*"]}, "exitNode": ["group:x"]},
"nodeAttrs": [{"target": ["autogroup:self", "tag:r"], "attr": ["x"]}]})");
  BOOST_TEST(has(r, "1:46: error: tag not found: \"tag:r\""), render(r));
  BOOST_TEST(has(r, "1:55: error: autoApprovers entries must be users, groups, tags or autogroups, found \"*\""),
             render(r));
  BOOST_TEST(has(r, "1:75: error: group not found: \"group:x\""), render(r));
  BOOST_TEST(has(r, "2:27: error: \"autogroup:self\" not valid in nodeAttrs target"), render(r));
  BOOST_TEST(has(r, "2:45: error: tag not found: \"tag:r\""), render(r));
}

BOOST_AUTO_TEST_CASE(refuses_autogroup_self_for_sources_that_own_no_devices) {
  auto r = load_policy(R"({"tagOwners": {"tag:ci": []}, "hosts": {"db": "10.0.0.5"},
"groups": {"group:eng": ["a@x.com"]},
"acls": [
{"action": "accept", "src": ["tag:ci"], "dst": ["autogroup:self:*"]},
{"action": "accept", "src": ["a@x.com", "db"], "dst": ["autogroup:self:22"]},
{"action": "accept", "src": ["*", "group:eng", "autogroup:member", "autogroup:admin"], "dst": ["autogroup:self:*"]},
],
"grants": [
{"src": ["*"], "dst": ["autogroup:self"], "ip": ["*"]},
{"src": ["autogroup:tagged"], "dst": ["autogroup:self"], "ip": ["*"]},
{"src": ["10.0.0.0/8"], "dst": ["autogroup:self"], "ip": ["*"]},
{"src": ["a@x.com", "group:eng", "autogroup:member"], "dst": ["autogroup:self"], "ip": ["*"]},
]})");
  BOOST_TEST(has(r, "4:49: error: acl dst \"autogroup:self\" needs sources that are users, groups or "
                    "autogroup:member (or \"*\"), found \"tag:ci\""),
             render(r));
  BOOST_TEST(has(r, "5:56: error: acl dst \"autogroup:self\" needs sources that are users, groups or "
                    "autogroup:member (or \"*\"), found \"db\""),
             render(r));
  BOOST_TEST(has(r, "9:24: error: grant dst \"autogroup:self\" needs sources that are users, groups or "
                    "autogroup:member, found \"*\""),
             render(r));
  BOOST_TEST(has(r, "10:39: error: grant dst \"autogroup:self\" needs sources that are users, groups or "
                    "autogroup:member, found \"autogroup:tagged\""),
             render(r));
  BOOST_TEST(has(r, "11:33: error: grant dst \"autogroup:self\" needs sources that are users, groups or "
                    "autogroup:member, found \"10.0.0.0/8\""),
             render(r));
  BOOST_TEST(r.diagnostics.size() == 5u, render(r));
}

BOOST_AUTO_TEST_CASE(refuses_app_grants_to_autogroup_internet) {
  auto r = load_policy(R"({"grants": [
{"src": ["*"], "dst": ["autogroup:internet"], "app": {"example.com/cap/x": [{}]}},
{"src": ["*"], "dst": ["autogroup:internet"], "ip": ["tcp:443"]},
]})");
  BOOST_TEST(has(r, "2:24: error: \"autogroup:internet\" is not a valid destination for \"app\" capabilities: "
                    "they go to tailnet devices; grant \"ip\" instead"),
             render(r));
  BOOST_TEST(r.diagnostics.size() == 1u, render(r));
}

BOOST_AUTO_TEST_CASE(refuses_test_destinations_that_name_a_prefix) {
  auto r = load_policy(R"({"hosts": {"one": "10.0.0.5", "net": "10.0.0.0/24"},
"acls": [{"action": "accept", "src": ["*"], "dst": ["net:22"]}],
"tests": [{"src": "a@x.com", "accept": ["one:22", "net:22", "10.1.0.0/16:22"]}],
"sshTests": [{"src": "a@x.com", "dst": ["net"], "accept": ["root"]}]})");
  BOOST_TEST(has(r, "3:51: error: test destination must be a single IP address, found host \"net\" = "
                    "\"10.0.0.0/24\""),
             render(r));
  BOOST_TEST(has(r, "3:61: error: test destination must be a single IP address, found \"10.1.0.0/16\""),
             render(r));
  BOOST_TEST(has(r, "4:41: error: sshTests dst must be a single IP address, found host \"net\" = "
                    "\"10.0.0.0/24\""),
             render(r));
  BOOST_TEST(r.diagnostics.size() == 3u, render(r));
}

// Tailscale fails a test to "100.64.0.16/32:22" that its rules accept for "100.64.0.16:22"
// (headscale's recorded answer policytest-allpass-grants-only-tag-src-prefix32-dst).
BOOST_AUTO_TEST_CASE(refuses_a_test_address_written_as_a_prefix_of_one_address) {
  auto r = load_policy(R"({"hosts": {"one": "100.64.0.16/32"},
"acls": [{"action": "accept", "src": ["*"], "dst": ["100.64.0.16:22"]}],
"tests": [{"src": "100.64.0.5/32", "accept": ["100.64.0.16/32:22", "[fd7a:115c:a1e0::10/128]:22", "one:22"]}],
"sshTests": [{"src": "a@x.com", "dst": ["100.64.0.16/32"], "deny": ["root"]}]})");
  BOOST_TEST(has(r, "3:19: error: test src must be a single IP address, found \"100.64.0.5/32\"; write "
                    "\"100.64.0.5\""),
             render(r));
  BOOST_TEST(has(r, "3:47: error: test destination must be a single IP address, found \"100.64.0.16/32\"; "
                    "write \"100.64.0.16\""),
             render(r));
  BOOST_TEST(has(r, "3:68: error: test destination must be a single IP address, found "
                    "\"fd7a:115c:a1e0::10/128\"; write \"fd7a:115c:a1e0::10\""),
             render(r));
  BOOST_TEST(has(r, "4:41: error: sshTests dst must be a single IP address, found \"100.64.0.16/32\"; write "
                    "\"100.64.0.16\""),
             render(r));
  BOOST_TEST(r.diagnostics.size() == 4u, "a host alias of one address stays valid\n" + render(r));
}

BOOST_AUTO_TEST_CASE(warns_that_an_ipv6_ssh_test_destination_is_no_device) {
  auto r = load_policy(R"({"hosts": {"srv6": "fd7a:115c:a1e0::10"},
"sshTests": [{"src": "a@x.com", "dst": ["fd7a:115c:a1e0::10", "srv6", "100.64.0.16"], "deny": ["root"]}],
"tests": [{"src": "a@x.com", "deny": ["[fd7a:115c:a1e0::10]:22"]}]})");
  BOOST_TEST(has(r, "2:41: warning: sshTests dst \"fd7a:115c:a1e0::10\" is an IPv6 address: Tailscale finds no "
                    "device by it, so no ssh rule matches (its accept and check cases fail); write the device's "
                    "IPv4 address"),
             render(r));
  BOOST_TEST(has(r, "2:63: warning: sshTests dst \"srv6\" = \"fd7a:115c:a1e0::10\" is an IPv6 address: Tailscale "
                    "finds no device by it, so no ssh rule matches (its accept and check cases fail); write the "
                    "device's IPv4 address"),
             render(r));
  BOOST_TEST(r.diagnostics.size() == 2u, "ACL tests and IPv4 addresses are not concerned\n" + render(r));
}

BOOST_AUTO_TEST_CASE(accepts_services_as_grant_destinations_with_one_warning_each) {
  auto r = load_policy(R"({"tagOwners": {"tag:web": []},
"autoApprovers": {"services": {"svc:db": ["tag:web"]}},
"grants": [{"src": ["autogroup:member"], "dst": ["svc:db", "svc:web"], "ip": ["tcp:5432"]},
           {"src": ["tag:web"], "dst": ["svc:db"], "ip": ["tcp:5432"]}]})");
  BOOST_TEST_REQUIRE(r.policy.has_value(), render(r));
  BOOST_TEST(has(r, "3:50: warning: \"svc:db\" is a Tailscale Service: it matches no device offline "
                    "(weft hosts no services); tests can name it as a destination"), render(r));
  BOOST_TEST(has(r, "3:60: warning: \"svc:web\" is a Tailscale Service: it matches no device offline "
                    "(weft hosts no services); tests can name it as a destination"), render(r));
  BOOST_TEST(r.diagnostics.size() == 2u, "one warning per service name\n" + render(r));
  BOOST_TEST((r.policy->grants[0].dst[0].kind == SelectorKind::kService));
}

BOOST_AUTO_TEST_CASE(refuses_services_outside_grant_and_test_destinations) {
  auto r = load_policy(R"({"tagOwners": {"tag:s": ["svc:db"]},
"acls": [{"action": "accept", "src": ["svc:db"], "dst": ["svc:db:443"]}],
"grants": [{"src": ["svc:db"], "dst": ["tag:s"], "ip": ["*"]}],
"ssh": [{"action": "accept", "src": ["svc:db"], "dst": ["svc:db"], "users": ["root"]}],
"nodeAttrs": [{"target": ["svc:db"], "attr": ["funnel"]}],
"autoApprovers": {"services": {"svc:bad_name": ["tag:s"]}},
"tests": [{"src": "svc:db", "accept": ["tag:s:22"]}]})");
  BOOST_TEST(has(r, "1:26: error: tag owners must be users, groups, tags or autogroups, found \"svc:db\""),
             render(r));
  BOOST_TEST(has(r, "2:39: error: \"svc:db\" not valid on the src side of a rule: a Tailscale Service only "
                    "receives connections"), render(r));
  BOOST_TEST(has(r, "2:58: error: \"svc:db\" not valid in acls: a Tailscale Service is reached through a "
                    "grant (\"dst\": [\"svc:db\"])"), render(r));
  BOOST_TEST(has(r, "3:21: error: \"svc:db\" not valid on the src side of a rule: a Tailscale Service only "
                    "receives connections"), render(r));
  BOOST_TEST(has(r, "4:38: error: ssh src must be users, groups, tags or autogroups, found \"svc:db\""),
             render(r));
  BOOST_TEST(has(r, "4:57: error: ssh dst must be tags, autogroup:self, autogroup:tagged, autogroup:member "
                    "or the src user, found \"svc:db\""), render(r));
  BOOST_TEST(has(r, "5:27: error: \"svc:db\" not valid in nodeAttrs target"), render(r));
  BOOST_TEST(has(r, "6:32: error: invalid character \"_\" in service name \"svc:bad_name\"; a service name is "
                    "a DNS label: letters, digits and '-', starting and ending with a letter or digit"),
             render(r));
  BOOST_TEST(has(r, "7:19: error: test src must be a user, group, tag, host or IP address, found \"svc:db\""),
             render(r));
}

BOOST_AUTO_TEST_CASE(accepts_domain_users_where_people_are_sources_or_destinations) {
  auto r = load_policy(R"({"tagOwners": {"tag:srv": []},
"acls": [{"action": "accept", "src": ["user:*@example.com"], "dst": ["user:*@example.org:22", "autogroup:self:*"]}],
"grants": [{"src": ["user:*@example.com"], "dst": ["autogroup:self", "user:*@example.com"], "ip": ["*"]}],
"ssh": [{"action": "accept", "src": ["user:*@example.com"], "dst": ["tag:srv", "autogroup:self"], "users": ["root"]}],
"nodeAttrs": [{"target": ["user:*@example.com"], "attr": ["funnel"]}]})");
  BOOST_TEST(r.diagnostics.empty(), render(r));
  BOOST_TEST_REQUIRE(r.policy.has_value());
  BOOST_TEST((r.policy->acls[0].src[0].kind == SelectorKind::kUserDomain));
}

BOOST_AUTO_TEST_CASE(refuses_domain_users_where_one_person_or_an_owner_is_needed) {
  auto r = load_policy(R"({"groups": {"group:a": ["user:*@example.com"]},
"tagOwners": {"tag:srv": ["user:*@example.com"]},
"ssh": [{"action": "accept", "src": ["user:*@example.com"], "dst": ["user:*@example.com"], "users": ["root"]}],
"tests": [{"src": "user:*@example.com", "accept": ["tag:srv:22"]}]})");
  BOOST_TEST(has(r, "1:25: error: group \"group:a\" members must be users, found \"user:*@example.com\""),
             render(r));
  BOOST_TEST(has(r, "2:27: error: tag owners must be users, groups, tags or autogroups, found "
                    "\"user:*@example.com\""), render(r));
  BOOST_TEST(has(r, "3:69: error: ssh dst must be tags, autogroup:self, autogroup:tagged, autogroup:member "
                    "or the src user, found \"user:*@example.com\""), render(r));
  BOOST_TEST(has(r, "4:19: error: test src must be a user, group, tag, host or IP address, found "
                    "\"user:*@example.com\""), render(r));
}

BOOST_AUTO_TEST_CASE(accepts_groups_synced_from_the_identity_provider_with_one_warning_each) {
  auto r = load_policy(R"({"tagOwners": {"tag:srv": ["group:ops@example.com"]},
"acls": [{"action": "accept", "src": ["group:sec@example.com", "group:ops@example.com"], "dst": ["tag:srv:22"]}],
"grants": [{"src": ["group:sec@example.com"], "dst": ["tag:srv"], "ip": ["tcp:443"]}],
"tests": [{"src": "group:sec@example.com", "accept": ["tag:srv:22", "tag:srv:443"]}]})");
  BOOST_TEST_REQUIRE(r.policy.has_value(), render(r));
  BOOST_TEST(has(r, "1:28: warning: \"group:ops@example.com\" is a group synced from the identity provider: "
                    "it matches nobody offline; tests can name it as a src"), render(r));
  BOOST_TEST(has(r, "2:39: warning: \"group:sec@example.com\" is a group synced from the identity provider: "
                    "it matches nobody offline; tests can name it as a src"), render(r));
  BOOST_TEST(r.diagnostics.size() == 2u, "one warning per group\n" + render(r));
}

BOOST_AUTO_TEST_CASE(asks_the_tailnet_who_is_in_a_synced_group) {
  const char* text = R"({"tagOwners": {"tag:srv": ["group:ops@example.com"]},
"acls": [{"action": "accept", "src": ["group:sec@example.com", "group:ops@example.com"], "dst": ["tag:srv:22"]}]})";
  TailnetView tailnet;
  tailnet.source = "tailnet.hujson";
  tailnet.synced_members = [](const std::string& group) {
    return group == "group:sec@example.com" ? std::vector<std::string>{"bob@example.com"}
                                            : std::vector<std::string>{};
  };
  auto r = load_policy(text, tailnet);
  BOOST_TEST_REQUIRE(r.policy.has_value(), render(r));
  // sec has a member in the tailnet: nothing to say; ops has none there.
  BOOST_TEST(has(r, "1:28: warning: \"group:ops@example.com\" is a group synced from the identity "
                    "provider with no members in tailnet.hujson: it matches nobody; tests can name "
                    "it as a src"), render(r));
  BOOST_TEST(r.diagnostics.size() == 1u, render(r));
  // A view without synced groups (an enricher alone) knows no more than the file: the offline
  // warning for both.
  auto offline = load_policy(text, TailnetView{});
  BOOST_TEST(offline.diagnostics.size() == 2u, render(offline));
}

BOOST_AUTO_TEST_SUITE_END()
