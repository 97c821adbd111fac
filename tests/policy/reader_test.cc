#define BOOST_TEST_MODULE policy_reader
#include <boost/test/unit_test.hpp>

#include <string>

#include "policy/load.h"
#include "support/policy_findings.h"

using namespace weft::policy;
using weft::test::has;
using weft::test::render;

BOOST_AUTO_TEST_SUITE(reader)

BOOST_AUTO_TEST_CASE(reads_a_complete_policy) {
  auto r = load_policy(R"({
  "groups": {"group:eng": ["alice@example.com", "bob@example.com"]},
  "tagOwners": {"tag:prod": ["group:eng"], "tag:db": ["autogroup:admin", "tag:prod"]},
  "hosts": {"db1": "100.64.0.5", "corp": "10.0.0.0/8"},
  "ipsets": {"ipset:office": ["192.0.2.0/24", "remove 192.0.2.7", "host:corp"]},
  "postures": {"posture:latest": ["node:tsVersion >= '1.40'"]},
  "defaultSrcPosture": ["posture:latest"],
  "acls": [
    {"action": "accept", "src": ["group:eng"], "dst": ["tag:prod:22,80", "db1:*"], "srcPosture": ["posture:latest"]},
    {"action": "accept", "src": ["*"], "proto": "icmp", "dst": ["corp:*"]},
  ],
  "grants": [
    {"src": ["autogroup:member"], "dst": ["tag:db"], "ip": ["tcp:5432"], "app": {"example.com/cap/db": [{"ro": true}]}, "via": ["tag:prod"]},
  ],
  "autoApprovers": {"routes": {"10.0.0.0/8": ["tag:prod"]}, "exitNode": ["group:eng"]},
  "nodeAttrs": [{"target": ["tag:prod"], "attr": ["funnel"]}],
  "ssh": [{"action": "check", "src": ["group:eng"], "dst": ["tag:prod"], "users": ["root", "autogroup:nonroot"], "checkPeriod": "12h"}],
  "sshTests": [{"src": "alice@example.com", "dst": ["tag:prod"], "check": ["root"]}],
  "tests": [{"src": "alice@example.com", "proto": "tcp", "accept": ["tag:prod:22"], "deny": ["db1:443"]}],
  "derpMap": {"OmitDefaultRegions": false},
  "disableIPv4": false,
  "randomizeClientPort": true,
})");
  BOOST_TEST_REQUIRE(r.policy.has_value(), render(r));
  BOOST_TEST(r.diagnostics.empty(), render(r));
  const Policy& p = *r.policy;
  BOOST_TEST(p.groups.size() == 1u);
  BOOST_TEST(p.groups[0].members.size() == 2u);
  BOOST_TEST(p.tag_owners.size() == 2u);
  BOOST_TEST(p.hosts.size() == 2u);
  BOOST_TEST(p.ipsets[0].entries.size() == 3u);
  BOOST_TEST(p.ipsets[0].entries[1].remove);
  BOOST_TEST((p.ipsets[0].entries[2].selector.kind == SelectorKind::kHost));
  BOOST_TEST(p.acls.size() == 2u);
  BOOST_TEST(p.acls[0].dst.size() == 2u);
  BOOST_TEST(p.acls[0].dst[1].target.prefix.to_string() == "100.64.0.5/32");
  BOOST_TEST(p.acls[0].src_posture.front() == "posture:latest");
  BOOST_TEST((p.acls[1].protos == std::vector<uint8_t>{kProtoIcmp}));
  BOOST_TEST(p.acls[1].at.line == 10u);
  BOOST_TEST(p.acls[1].at.column == 5u);
  BOOST_TEST(p.grants[0].app.front().name == "example.com/cap/db");
  BOOST_TEST(p.grants[0].app.front().json_value == R"([{"ro":true}])");
  BOOST_TEST(p.grants[0].via.front().name == "tag:prod");
  BOOST_TEST(p.auto_approvers.routes.front().route.to_string() == "10.0.0.0/8");
  BOOST_TEST(p.auto_approvers.exit_node.size() == 1u);
  BOOST_TEST(p.node_attrs.front().attr.front() == "funnel");
  BOOST_TEST(p.ssh.front().check_period.value() == "12h");
  BOOST_TEST(p.ssh_tests.front().check.front() == "root");
  BOOST_TEST(p.tests.front().accept.front().port == 22);
  BOOST_TEST(p.tests.front().proto.value() == kProtoTcp);
  BOOST_TEST(p.default_src_posture.size() == 1u);
  BOOST_TEST(p.postures.front().conditions.size() == 1u);
}

BOOST_AUTO_TEST_CASE(reports_unknown_top_level_key_with_suggestion) {
  auto r = load_policy("{\n  \"acl\": [],\n}");
  BOOST_TEST(has(r, "2:3: error: unknown key \"acl\"; did you mean \"acls\"?"), render(r));
  BOOST_TEST(!r.policy.has_value());
}

BOOST_AUTO_TEST_CASE(matches_keys_without_regard_to_case_like_tailscale) {
  auto r = load_policy(R"({"ACLs": [{"Action": "accept", "Users": ["*"], "Ports": ["*:*"]}]})");
  BOOST_TEST_REQUIRE(r.policy.has_value(), render(r));
  BOOST_TEST(r.policy->acls.size() == 1u);
  BOOST_TEST(r.policy->acls[0].dst.size() == 1u);
}

BOOST_AUTO_TEST_CASE(reports_the_same_key_in_two_cases) {
  auto r = load_policy("{\"acls\": [],\n \"ACLS\": []}");
  BOOST_TEST(has(r, "2:2: error: duplicate key \"ACLS\" (keys are matched without regard to case, as "
                    "Tailscale does)"),
             render(r));
}

BOOST_AUTO_TEST_CASE(accepts_tailnet_options_and_schema) {
  auto r = load_policy(R"({"OneCGNATRoute": "mac-only", "attrs": {"x": 1}, "$schema": "x"})");
  BOOST_TEST(r.policy.has_value(), render(r));
}

BOOST_AUTO_TEST_CASE(keeps_attr_config_beside_node_attrs) {
  auto r = load_policy(R"({"attrConfig": {"funnel": {"x": 1}},
"nodeAttrs": [{"target": ["*"], "attr": ["funnel"]}]})");
  BOOST_TEST(r.diagnostics.empty(), render(r));
  BOOST_TEST(r.policy.has_value());
}

BOOST_AUTO_TEST_CASE(reads_ssh_session_recording) {
  auto r = load_policy(R"({"tagOwners": {"tag:rec": [], "tag:s": []}, "ssh": [
{"action": "accept", "src": ["autogroup:member"], "dst": ["tag:s"], "users": ["root"], "recorder": ["tag:rec"], "enforceRecorder": true},
{"action": "accept", "src": ["autogroup:member"], "dst": ["tag:s"], "users": ["root"], "recorder": ["tag:rec"]}]})");
  BOOST_TEST(r.diagnostics.empty(), render(r));
  BOOST_TEST_REQUIRE(r.policy.has_value());
  BOOST_TEST_REQUIRE(r.policy->ssh.size() == 2u);
  BOOST_TEST(r.policy->ssh[0].recorder.size() == 1u);
  BOOST_TEST(r.policy->ssh[0].recorder[0].name == "tag:rec");
  BOOST_TEST(r.policy->ssh[0].enforce_recorder);
  BOOST_TEST(!r.policy->ssh[1].enforce_recorder);
}

BOOST_AUTO_TEST_CASE(reports_bad_ssh_recorder_types) {
  auto r = load_policy(R"({"tagOwners": {"tag:s": []}, "ssh": [
{"action": "accept", "src": ["*"], "dst": ["tag:s"], "users": ["root"], "recorder": "tag:rec", "enforceRecorder": "yes"}]})");
  BOOST_TEST(has(r, "2:85: error: \"recorder\" must be an array of strings, found string"), render(r));
  BOOST_TEST(has(r, "2:115: error: \"enforceRecorder\" must be a boolean, found string"), render(r));
}

BOOST_AUTO_TEST_CASE(reports_wrong_types_with_field_names) {
  auto r = load_policy(R"({"acls": [
{"action": "accept", "src": "group:eng", "dst": ["*:*"]},
{"action": 1, "src": [1], "dst": ["*:*"]},
],
"disableIPv4": "yes",
"groups": []})");
  BOOST_TEST(has(r, "2:29: error: \"src\" must be an array of strings, found string"), render(r));
  BOOST_TEST(has(r, "3:12: error: \"action\" must be a string, found number"), render(r));
  BOOST_TEST(has(r, "3:23: error: \"src\" must be an array of strings, found number in the array"), render(r));
  BOOST_TEST(has(r, "5:16: error: \"disableIPv4\" must be a boolean, found string"), render(r));
  BOOST_TEST(has(r, "6:11: error: \"groups\" must be an object, found array"), render(r));
}

BOOST_AUTO_TEST_CASE(reports_non_object_document) {
  auto r = load_policy("[]");
  BOOST_TEST(has(r, "1:1: error: policy must be a JSON object, found array"), render(r));
}

BOOST_AUTO_TEST_CASE(reports_missing_required_fields) {
  auto r = load_policy(R"({"acls": [{"action": "accept", "src": ["*"]}],
"grants": [{"src": ["*"], "dst": ["*"]}]})");
  BOOST_TEST(has(r, "1:11: error: missing required field \"dst\" in acls entry"), render(r));
  BOOST_TEST(has(r, "2:12: error: grant needs \"ip\" or \"app\""), render(r));
}

BOOST_AUTO_TEST_CASE(reports_bad_action) {
  auto r = load_policy(R"({"acls": [{"action": "allow", "src": ["*"], "dst": ["*:*"]}]})");
  BOOST_TEST(has(r, "1:22: error: action must be \"accept\", found \"allow\""), render(r));
}

BOOST_AUTO_TEST_CASE(rejects_both_src_and_legacy_users) {
  auto r = load_policy(R"({"acls": [{"action": "accept", "src": ["*"], "users": ["*"], "dst": ["*:*"]}]})");
  BOOST_TEST(has(r, "1:55: error: \"users\" is the legacy name of \"src\"; give only one"), render(r));
}

BOOST_AUTO_TEST_CASE(points_at_the_bad_port_inside_the_string) {
  auto r = load_policy(R"({"acls": [{"action": "accept", "src": ["*"],
  "dst": ["tag:prod:99999"]}], "tagOwners": {"tag:prod": []}})");
  BOOST_TEST(has(r, "2:21: error: port \"99999\" is out of range 0-65535"), render(r));
}

BOOST_AUTO_TEST_CASE(reports_unknown_protocol_and_ports_on_icmp) {
  auto r = load_policy(R"({"acls": [
{"action": "accept", "src": ["*"], "proto": "tcpp", "dst": ["*:*"]},
{"action": "accept", "src": ["*"], "proto": "icmp", "dst": ["*:22"]},
{"action": "accept", "src": ["*"], "proto": "17", "dst": ["*:53"]},
]})");
  BOOST_TEST(has(r, "2:45: error: unknown protocol \"tcpp\""), render(r));
  BOOST_TEST(has(r, "3:61: error: protocol \"icmp\" has no ports; use \"*:*\""), render(r));
  BOOST_TEST(r.diagnostics.size() == 2u, render(r));
}

BOOST_AUTO_TEST_CASE(points_at_the_string_start_when_it_holds_escapes) {
  // The written "\u0074" is six characters for one decoded 't', so offsets would drift.
  auto r = load_policy(R"({"tagOwners": {"tag:prod": []}, "acls": [{"action": "accept", "src": ["*"], "dst": ["\u0074ag:prod:99999"]}]})");
  BOOST_TEST(has(r, "1:85: error: port \"99999\" is out of range 0-65535"), render(r));
}

BOOST_AUTO_TEST_CASE(accepts_protocol_numbers_as_strings_or_json_numbers) {
  auto r = load_policy(R"({"acls": [
{"action": "accept", "src": ["*"], "proto": 17, "dst": ["*:53"]},
{"action": "accept", "src": ["*"], "proto": "6", "dst": ["*:22"]},
{"action": "accept", "src": ["*"], "proto": true, "dst": ["*:22"]},
]})");
  BOOST_TEST(has(r, "4:45: error: \"proto\" must be a string, found boolean"), render(r));
  BOOST_TEST(r.diagnostics.size() == 1u, render(r));
}

BOOST_AUTO_TEST_CASE(reports_missing_port_in_acl_destination) {
  auto r = load_policy(R"({"acls": [{"action": "accept", "src": ["*"], "dst": ["tag:prod"]}],
"tagOwners": {"tag:prod": []}})");
  BOOST_TEST(has(r, "1:63: error: missing port in \"tag:prod\"; write \"tag:prod:*\" for every port"),
             render(r));
}

BOOST_AUTO_TEST_CASE(accepts_ipv6_destinations_with_and_without_brackets) {
  auto r = load_policy(R"({"acls": [{"action": "accept", "src": ["*"], "dst": ["[fd7a::1]:22", "fd7a::2:80", "fd7a::/48:*"]}]})");
  BOOST_TEST_REQUIRE(r.policy.has_value(), render(r));
  BOOST_TEST(r.policy->acls[0].dst[1].target.prefix.to_string() == "fd7a::2/128");
  BOOST_TEST(r.policy->acls[0].dst[2].target.prefix.bits() == 48);
}

BOOST_AUTO_TEST_CASE(warns_about_host_bits_and_rules_that_never_match) {
  auto r = load_policy(R"({"hosts": {"corp": "10.0.0.1/8"},
"acls": [{"action": "accept", "src": [], "dst": ["*:*"]}]})");
  BOOST_TEST(has(r, "1:20: warning: \"10.0.0.1/8\" has host bits set; it means \"10.0.0.0/8\""), render(r));
  BOOST_TEST(has(r, "2:10: warning: rule can never match: \"src\" is empty"), render(r));
  BOOST_TEST(r.policy.has_value(), "warnings alone keep the policy");
}

BOOST_AUTO_TEST_CASE(grant_dst_must_not_have_ports) {
  auto r = load_policy(R"({"grants": [{"src": ["*"], "dst": ["10.0.0.1:22"], "ip": ["*"]}]})");
  BOOST_TEST(has(r, "1:36: error: grant dst \"10.0.0.1:22\" must not have ports; put them in \"ip\""),
             render(r));
}

BOOST_AUTO_TEST_CASE(reports_bad_grant_ip_and_app) {
  auto r = load_policy(R"({"grants": [
{"src": ["*"], "dst": ["*"], "ip": ["icmp:22", "tcp:0"]},
{"src": ["*"], "dst": ["*"], "app": {"example.com/cap/x": {"a": 1}, "nopath": []}},
]})");
  BOOST_TEST(has(r, "2:43: error: protocol \"icmp\" has no ports; use \"icmp:*\""), render(r));
  BOOST_TEST(has(r, "2:53: error: port 0 is not a valid port"), render(r));
  BOOST_TEST(has(r, "3:59: error: app capability \"example.com/cap/x\" must be an array of objects, found object"),
             render(r));
  BOOST_TEST(has(r, "3:69: error: app capability name \"nopath\" must have the form {domain}/{path}, such as "
                    "\"example.com/cap/name\" (no \"https://\")"),
             render(r));
}

BOOST_AUTO_TEST_CASE(reports_bad_definition_names) {
  auto r = load_policy(R"({"groups": {"eng": []},
"tagOwners": {"tag:": []},
"hosts": {"tag:x": "10.0.0.1", "db": "nope"},
"ipsets": {"ipset:a": ["tag:x", "remove 10.0.0.300"]},
"postures": {"latest": []}})");
  BOOST_TEST(has(r, "1:13: error: group name \"eng\" must start with \"group:\""), render(r));
  BOOST_TEST(has(r, "2:15: error: tag name \"tag:\" is empty"), render(r));
  BOOST_TEST(has(r, "3:11: error: host name \"tag:x\" is not a valid alias: it must not look like a "
                    "user, group, tag, autogroup, IP address or \"*\""),
             render(r));
  BOOST_TEST(has(r, "3:38: error: host \"db\": invalid IP address or CIDR \"nope\""), render(r));
  BOOST_TEST(has(r, "4:24: error: ipsets may contain IP addresses, CIDRs, hosts, other ipsets and "
                    "autogroup:internet, found \"tag:x\""),
             render(r));
  BOOST_TEST(has(r, "4:41: error: invalid IP address \"10.0.0.300\""), render(r));
  BOOST_TEST(has(r, "5:14: error: posture name \"latest\" must start with \"posture:\""), render(r));
}

BOOST_AUTO_TEST_CASE(reports_posture_condition_errors_inside_the_string) {
  auto r = load_policy(R"({"postures": {"posture:a": ["node:os == linux"]}})");
  BOOST_TEST(has(r, "1:41: error: value \"linux\" must be quoted ('linux')"), render(r));
}

BOOST_AUTO_TEST_CASE(reports_bad_src_posture_reference_form) {
  auto r = load_policy(R"({"defaultSrcPosture": ["latest"]})");
  BOOST_TEST(has(r, "1:24: error: \"defaultSrcPosture\" entries must be \"posture:name\", found \"latest\""),
             render(r));
}

BOOST_AUTO_TEST_CASE(reports_bad_auto_approver_routes) {
  auto r = load_policy(R"({"autoApprovers": {"routes": {"10.0.0.1/8": [], "x": []}, "exitnodes": []}})");
  BOOST_TEST(has(r, "1:31: error: route \"10.0.0.1/8\" is not a valid CIDR (host bits are set)"), render(r));
  BOOST_TEST(has(r, "1:49: error: route \"x\" is not a valid CIDR"), render(r));
  BOOST_TEST(has(r, "1:59: error: unknown key \"exitnodes\" in autoApprovers; did you mean \"exitNode\"?"),
             render(r));
}

BOOST_AUTO_TEST_CASE(reports_ssh_rule_mistakes) {
  auto r = load_policy(R"({"tagOwners": {"tag:s": []}, "ssh": [
{"action": "allow", "src": ["autogroup:member"], "dst": ["tag:s"], "users": ["root"]},
{"action": "accept", "src": ["autogroup:member"], "dst": ["tag:s"], "users": ["autogroup:x", "a b"], "checkPeriod": "1h"},
{"action": "check", "src": ["autogroup:member"], "dst": ["tag:s"], "users": ["localpart:x"], "checkPeriod": "soon"},
]})");
  BOOST_TEST(has(r, "2:12: error: ssh action must be \"accept\" or \"check\", found \"allow\""), render(r));
  BOOST_TEST(has(r, "3:79: warning: ssh user \"autogroup:x\" is a login name to Tailscale, not a set of "
                    "people: no account can be called that; choose who connects in \"src\" and list logins "
                    "here (such as \"autogroup:nonroot\")"), render(r));
  BOOST_TEST(has(r, "3:94: warning: ssh user \"a b\" is a login name no account can have (it contains \" \"); "
                    "Tailscale accepts it, and it matches nothing"), render(r));
  BOOST_TEST(has(r, "3:117: error: \"checkPeriod\" is only valid with action \"check\""), render(r));
  BOOST_TEST(has(r, "4:78: warning: ssh user \"localpart:x\" is not \"localpart:*@DOMAIN\", so Tailscale takes "
                    "it as a login name, which no account can have"), render(r));
  BOOST_TEST(has(r, "4:109: error: invalid checkPeriod \"soon\"; expected a duration such as \"12h\" or \"always\""),
             render(r));
}

BOOST_AUTO_TEST_CASE(refuses_check_periods_over_a_week) {
  auto r = load_policy(R"({"tagOwners": {"tag:s": []}, "ssh": [
{"action": "check", "src": ["autogroup:member"], "dst": ["tag:s"], "users": ["root"], "checkPeriod": "169h"},
{"action": "check", "src": ["autogroup:member"], "dst": ["tag:s"], "users": ["root"], "checkPeriod": "167h60m0.5s"},
{"action": "check", "src": ["autogroup:member"], "dst": ["tag:s"], "users": ["root"], "checkPeriod": "168h"},
{"action": "check", "src": ["autogroup:member"], "dst": ["tag:s"], "users": ["root"], "checkPeriod": "1.5h"},
{"action": "check", "src": ["autogroup:member"], "dst": ["tag:s"], "users": ["root"], "checkPeriod": "always"},
]})");
  BOOST_TEST(has(r, "2:102: error: checkPeriod \"169h\" is longer than 168h (one week), the most Tailscale allows"),
             render(r));
  BOOST_TEST(has(r, "3:102: error: checkPeriod \"167h60m0.5s\" is longer than 168h (one week), the most Tailscale allows"),
             render(r));
  BOOST_TEST(r.diagnostics.size() == 2u, render(r));
}

BOOST_AUTO_TEST_CASE(refuses_ssh_rules_without_users) {
  auto r = load_policy(R"({"tagOwners": {"tag:s": []}, "ssh": [
{"action": "accept", "src": ["autogroup:member"], "dst": ["tag:s"], "users": []}]})");
  BOOST_TEST(has(r, "2:78: error: ssh \"users\" is empty; list at least one login such as \"autogroup:nonroot\""),
             render(r));
  BOOST_TEST(r.diagnostics.size() == 1u, render(r));
}

BOOST_AUTO_TEST_CASE(refuses_grants_with_empty_ip_and_app) {
  auto r = load_policy(R"({"grants": [
{"src": ["*"], "dst": ["*"], "ip": []},
{"src": ["*"], "dst": ["*"], "ip": [], "app": {}},
{"src": ["*"], "dst": ["*"], "app": {}},
{"src": ["*"], "dst": ["*"], "ip": [], "app": {"example.com/cap/x": []}},
{"src": ["*"], "dst": ["*"], "ip": ["icmp:*"], "app": {}},
]})");
  BOOST_TEST(has(r, "2:1: error: grant gives nothing: \"ip\" and \"app\" are both empty"), render(r));
  BOOST_TEST(has(r, "3:1: error: grant gives nothing: \"ip\" and \"app\" are both empty"), render(r));
  BOOST_TEST(has(r, "4:1: error: grant gives nothing: \"ip\" and \"app\" are both empty"), render(r));
  BOOST_TEST(r.diagnostics.size() == 3u, render(r));
}

BOOST_AUTO_TEST_CASE(accepts_node_attrs_with_only_a_target_with_a_warning) {
  auto r = load_policy(R"({"nodeAttrs": [{"target": ["*"]}]})");
  BOOST_TEST_REQUIRE(r.policy.has_value(), render(r));
  BOOST_TEST(r.policy->node_attrs.size() == 1u);
  BOOST_TEST(has(r, "1:16: warning: nodeAttrs entry gives its targets nothing; add \"attr\" (such as [\"funnel\"]), \"app\" or \"ipPool\", or remove it"),
             render(r));
  BOOST_TEST(r.diagnostics.size() == 1u, render(r));
}

BOOST_AUTO_TEST_CASE(accepts_ssh_rules_without_src_or_dst_with_a_warning) {
  auto r = load_policy(R"({"tagOwners": {"tag:s": []}, "ssh": [
{"action": "accept", "dst": ["tag:s"], "users": ["root"]},
{"action": "accept", "src": ["autogroup:member"], "users": ["root"]}],
"sshTests": [{"src": "a@example.com", "dst": ["tag:s"], "deny": ["root"]}]})");
  BOOST_TEST_REQUIRE(r.policy.has_value(), render(r));
  BOOST_TEST(r.policy->ssh.size() == 2u);
  BOOST_TEST(has(r, "2:1: warning: ssh rule can never match: it has no \"src\"; add one such as [\"autogroup:member\"]"),
             render(r));
  BOOST_TEST(has(r, "3:1: warning: ssh rule can never match: it has no \"dst\"; add one such as [\"autogroup:self\"]"),
             render(r));
  BOOST_TEST(r.diagnostics.size() == 2u, render(r));
}

BOOST_AUTO_TEST_CASE(reads_null_check_period_and_accept_env_as_absent) {
  auto r = load_policy(R"({"tagOwners": {"tag:s": []}, "ssh": [
{"action": "check", "src": ["autogroup:member"], "dst": ["tag:s"], "users": ["root"], "checkPeriod": null, "acceptEnv": null}]})");
  BOOST_TEST(r.diagnostics.empty(), render(r));
  BOOST_TEST_REQUIRE(r.policy.has_value());
  BOOST_TEST(!r.policy->ssh[0].check_period.has_value());
  BOOST_TEST(r.policy->ssh[0].accept_env.empty());
}

BOOST_AUTO_TEST_CASE(trims_whitespace_around_actions_tags_and_users_with_warnings) {
  auto r = load_policy(R"({"tagOwners": {"tag:s": []}, "acls": [
{"action": " accept", "src": ["alice@example.com "], "dst": ["tag:s:22"]}],
"ssh": [{"action": "check ", "src": [" alice@example.com"], "dst": ["tag:s "], "users": [" root"]}],
"grants": [{"src": [" group:x"], "dst": ["*"], "ip": ["*"]}]})");
  BOOST_TEST(has(r, "2:12: warning: action \" accept\" has surrounding whitespace; Tailscale ignores it: write \"accept\""),
             render(r));
  BOOST_TEST(has(r, "2:31: warning: \"alice@example.com \" has surrounding whitespace; Tailscale ignores it: write \"alice@example.com\""),
             render(r));
  BOOST_TEST(has(r, "3:20: warning: action \"check \" has surrounding whitespace; Tailscale ignores it: write \"check\""),
             render(r));
  BOOST_TEST(has(r, "3:38: warning: \" alice@example.com\" has surrounding whitespace; Tailscale ignores it: write \"alice@example.com\""),
             render(r));
  BOOST_TEST(has(r, "3:69: warning: \"tag:s \" has surrounding whitespace; Tailscale ignores it: write \"tag:s\""),
             render(r));
  BOOST_TEST(has(r, "3:90: warning: ssh user \" root\" has surrounding whitespace; Tailscale ignores it: write \"root\""),
             render(r));
  // Groups are not trimmed: the API's treatment of them is not recorded.
  BOOST_TEST(has(r, "4:21: error: unknown selector \" group:x\"; expected \"*\", a user, user:*@, group:, tag:, autogroup:, ipset:, svc:, a host alias or an IP address"),
             render(r));
  BOOST_TEST_REQUIRE(r.diagnostics.size() == 7u, render(r));
}

BOOST_AUTO_TEST_CASE(reports_test_entry_mistakes) {
  auto r = load_policy(R"({"tests": [
{"src": "alice@example.com", "accept": ["10.0.0.1:22,80"]},
{"src": "alice@example.com", "proto": "bogus", "deny": ["10.0.0.1:22"], "srcPostureAttrs": {"node:os": []}},
{"src": "alice@example.com"},
]})");
  BOOST_TEST(has(r, "2:51: error: test destination \"10.0.0.1:22,80\" needs exactly one port (0-65535)"),
             render(r));
  BOOST_TEST(has(r, "3:39: error: unknown protocol \"bogus\""), render(r));
  BOOST_TEST(has(r, "3:104: error: srcPostureAttrs value \"node:os\" must be a string, number or boolean, found array"),
             render(r));
  BOOST_TEST(has(r, "4:1: error: tests entry needs \"accept\" or \"deny\""), render(r));
}

BOOST_AUTO_TEST_CASE(accepts_posture_attrs_in_ssh_tests) {
  auto r = load_policy(R"({"tagOwners": {"tag:s": []}, "sshTests": [
{"src": "a@example.com", "dst": ["tag:s"], "deny": ["root"], "srcPostureAttrs": {"node:os": "linux"}},
{"src": "a@example.com", "dst": ["tag:s"], "deny": ["root"], "srcPostureAttrs": []},
]})");
  BOOST_TEST(has(r, "3:81: error: \"srcPostureAttrs\" must be an object, found array"), render(r));
  BOOST_TEST(r.diagnostics.size() == 1u, render(r));
}

BOOST_AUTO_TEST_CASE(keeps_posture_attrs_of_tests_as_text) {
  auto r = load_policy(R"({"tests": [{"src": "10.0.0.1", "srcPostureAttrs": {"custom:n": 3, "custom:b": true, "node:os": "linux"}, "deny": ["10.0.0.2:22"]}]})");
  BOOST_TEST_REQUIRE(r.policy.has_value(), render(r));
  const auto& attrs = r.policy->tests[0].src_posture_attrs;
  BOOST_TEST(attrs.at("custom:n") == "3");
  BOOST_TEST(attrs.at("custom:b") == "true");
  BOOST_TEST(attrs.at("node:os") == "linux");
}

BOOST_AUTO_TEST_CASE(reports_unknown_keys_inside_entries) {
  auto r = load_policy(R"({"acls": [{"action": "accept", "src": ["*"], "dst": ["*:*"], "protocol": "tcp"}]})");
  BOOST_TEST(has(r, "1:62: error: unknown key \"protocol\" in acls entry; did you mean \"proto\"?"), render(r));
}

BOOST_AUTO_TEST_CASE(reports_node_attr_ssh_and_approver_shape_mistakes) {
  auto r = load_policy(R"({"nodeAttrs": [{"target": ["*"]}, {"target": ["*"], "ipPool": ["x"]}],
"ssh": [{"action": "accept", "src": ["autogroup:member"], "dst": ["autogroup:self"], "users": ["root"], "acceptEnv": ["GIT-*"]}],
"sshTests": [{"src": "a@example.com", "dst": ["autogroup:self"]}],
"autoApprovers": {"services": {"web": []}},
"hosts": {"db": 1}})");
  BOOST_TEST(has(r, "1:16: warning: nodeAttrs entry gives its targets nothing; add \"attr\" (such as [\"funnel\"]), \"app\" or \"ipPool\", or remove it"),
             render(r));
  BOOST_TEST(has(r, "1:64: error: invalid CIDR \"x\" in \"ipPool\""), render(r));
  BOOST_TEST(has(r, "2:119: error: invalid acceptEnv pattern \"GIT-*\""), render(r));
  BOOST_TEST(has(r, "3:14: error: sshTests entry needs \"accept\", \"check\" or \"deny\""), render(r));
  BOOST_TEST(has(r, "4:32: error: service \"web\" must start with \"svc:\""), render(r));
  BOOST_TEST(has(r, "5:17: error: host \"db\" must be a string (an IP or CIDR), found number"), render(r));
}

BOOST_AUTO_TEST_CASE(refuses_ip_pools_inside_tailscale_reserved_ranges) {
  auto r = load_policy(R"({"nodeAttrs": [{"target": ["*"], "ipPool": [
"100.100.100.0/24", "100.100.0.128/25", "100.115.0.0/16", "100.64.0.0/10", "100.80.0.0/16"]}]})");
  BOOST_TEST(has(r, "2:1: error: \"ipPool\" \"100.100.100.0/24\" overlaps the reserved 100.100.100.0/24 "
                    "(Tailscale services such as the 100.100.100.100 resolver); pick a range without it"),
             render(r));
  BOOST_TEST(has(r, "2:21: error: \"ipPool\" \"100.100.0.128/25\" overlaps the reserved 100.100.0.0/24 "
                    "(Tailscale internal use); pick a range without it"),
             render(r));
  BOOST_TEST(has(r, "2:41: error: \"ipPool\" \"100.115.0.0/16\" overlaps the reserved 100.115.92.0/23 "
                    "(Tailscale internal use; ChromeOS VMs use it); pick a range without it"),
             render(r));
  // The whole CGNAT range contains every reserved range: one message, for the first.
  BOOST_TEST(has(r, "2:59: error: \"ipPool\" \"100.64.0.0/10\" overlaps the reserved 100.100.0.0/24 "
                    "(Tailscale internal use); pick a range without it"),
             render(r));
  BOOST_TEST(r.diagnostics.size() == 4u, render(r));
}

BOOST_AUTO_TEST_CASE(takes_group_tag_and_autogroup_ssh_users_as_literal_logins_with_warnings) {
  auto r = load_policy(R"({"tagOwners": {"tag:s": []}, "ssh": [
{"action": "accept", "src": ["autogroup:member"], "dst": ["tag:s"], "users": ["group:foo", "tag:s", "autogroup:member"]},
{"action": "accept", "src": ["autogroup:member"], "dst": ["tag:s"], "users": ["localpart:*@", "ann@example.com", "ubuntu"]},
]})");
  BOOST_TEST_REQUIRE(r.policy.has_value(), render(r));
  for (const char* pos : {"2:79", "2:92", "2:101"})
    BOOST_TEST(render(r).find(std::string(pos) + ": warning: ssh user \"") != std::string::npos, pos << "\n" << render(r));
  BOOST_TEST(has(r, "3:79: warning: ssh user \"localpart:*@\" is not \"localpart:*@DOMAIN\", so Tailscale takes it "
                    "as a login name, which no account can have"), render(r));
  BOOST_TEST(r.diagnostics.size() == 4u, "a login with '@' is a valid name on some systems\n" + render(r));
  BOOST_TEST((r.policy->ssh[0].users == std::vector<std::string>{"group:foo", "tag:s", "autogroup:member"}));
}

BOOST_AUTO_TEST_CASE(refuses_empty_and_wildcard_ssh_users_as_tailscale_does) {
  auto r = load_policy(R"({"tagOwners": {"tag:s": []}, "ssh": [
{"action": "accept", "src": ["autogroup:member"], "dst": ["tag:s"], "users": ["", "  ", "*", "localpart:*@*"]},
]})");
  BOOST_TEST(has(r, "2:79: error: ssh user is empty (Tailscale refuses it); list logins such as \"root\" or "
                    "\"autogroup:nonroot\""), render(r));
  BOOST_TEST(has(r, "2:83: error: ssh user is empty (Tailscale refuses it); list logins such as \"root\" or "
                    "\"autogroup:nonroot\""), render(r));
  BOOST_TEST(has(r, "2:89: error: ssh user \"*\" is not valid (Tailscale refuses it); use \"autogroup:nonroot\" "
                    "for every login but root"), render(r));
  BOOST_TEST(has(r, "2:94: error: ssh user \"localpart:*@*\" names no domain: write one of the tailnet's domains "
                    "(\"localpart:*@example.com\")"), render(r));
}

// Tailscale answers "PASSKEY is not associated with this Tailnet" for "localpart:*@EXAMPLE.COM"
// where example.com is the tailnet's domain (headscale's recorded answer ssh-e1).
BOOST_AUTO_TEST_CASE(refuses_upper_case_localpart_domains_as_tailscale_does) {
  auto r = load_policy(R"({"tagOwners": {"tag:s": []}, "ssh": [
{"action": "accept", "src": ["autogroup:member"], "dst": ["tag:s"], "users": ["localpart:*@EXAMPLE.com", "Root"]},
]})");
  BOOST_TEST(has(r, "2:79: error: ssh user \"localpart:*@EXAMPLE.com\" has an upper-case domain, which Tailscale "
                    "refuses; write \"localpart:*@example.com\""), render(r));
  BOOST_TEST(r.diagnostics.size() == 1u, "a login keeps its case\n" + render(r));
}

BOOST_AUTO_TEST_CASE(refuses_unpublished_tailscale_capabilities_in_grants_only) {
  auto r = load_policy(R"({"grants": [
{"src": ["*"], "dst": ["*"], "app": {"tailscale.com/cap/webui": [{}], "tailscale.com/cap/funnel": [{}]}},
{"src": ["*"], "dst": ["*"], "app": {"https://tailscale.com/cap/ingress": [{}]}},
],
"nodeAttrs": [{"target": ["*"], "app": {"tailscale.com/app-connectors": [{"name": "x"}]}}]})");
  BOOST_TEST(has(r, "2:71: error: app capability name \"tailscale.com/cap/funnel\" is in the tailscale.com "
                    "domain, where a grant may name only the capabilities Tailscale publishes; name your own "
                    "under your domain (\"example.com/cap/name\")"), render(r));
  BOOST_TEST(has(r, "3:38: error: app capability name \"https://tailscale.com/cap/ingress\" must have the form "
                    "{domain}/{path}, such as \"example.com/cap/name\" (no \"https://\")"), render(r));
  BOOST_TEST(r.diagnostics.size() == 2u, render(r));
}

BOOST_AUTO_TEST_SUITE_END()
