#define BOOST_TEST_MODULE policy_selector
#include <boost/test/unit_test.hpp>

#include "policy/selector.h"

using namespace weft::policy;

BOOST_AUTO_TEST_SUITE(selector)

BOOST_AUTO_TEST_CASE(classifies_every_selector_form) {
  struct Case {
    const char* text;
    SelectorKind kind;
  } cases[] = {
      {"*", SelectorKind::kWildcard},
      {"alice@example.com", SelectorKind::kUser},
      {"alice@github", SelectorKind::kUser},
      {"group:eng", SelectorKind::kGroup},
      {"tag:prod", SelectorKind::kTag},
      {"ipset:office", SelectorKind::kIpSet},
      {"db1", SelectorKind::kHost},
      {"my-host.corp", SelectorKind::kHost},
      {"100.64.0.1", SelectorKind::kPrefix},
      {"10.0.0.0/8", SelectorKind::kPrefix},
      {"fd7a:115c:a1e0::/48", SelectorKind::kPrefix},
      {"autogroup:member", SelectorKind::kAutogroupMember},
      {"autogroup:tagged", SelectorKind::kAutogroupTagged},
      {"autogroup:self", SelectorKind::kAutogroupSelf},
      {"autogroup:internet", SelectorKind::kAutogroupInternet},
      {"autogroup:admin", SelectorKind::kAutogroupAdmin},
      {"autogroup:it-admin", SelectorKind::kAutogroupAdmin},
      {"autogroup:nonroot", SelectorKind::kAutogroupNonroot},
      {"autogroup:danger-all", SelectorKind::kWildcard},
      {"autogroup:members", SelectorKind::kAutogroupMember},
      {"autogroup:shared", SelectorKind::kAutogroupShared},
  };
  for (const auto& c : cases) {
    auto s = parse_selector(c.text);
    BOOST_TEST_REQUIRE(s.ok(), c.text);
    BOOST_TEST((s.value().kind == c.kind), c.text);
  }
  BOOST_TEST(parse_selector("10.0.0.0/8").value().prefix.bits() == 8);
  BOOST_TEST(parse_selector("tag:prod").value().name == "tag:prod");
}

BOOST_AUTO_TEST_CASE(rejects_unknown_autogroup_with_suggestion) {
  auto s = parse_selector("autogroup:membr");
  BOOST_TEST_REQUIRE(!s.ok());
  BOOST_TEST(s.error().message ==
             "unknown autogroup \"autogroup:membr\"; did you mean \"autogroup:member\"?");
}

BOOST_AUTO_TEST_CASE(keeps_the_legacy_autogroup_spelling_as_written) {
  auto s = parse_selector("autogroup:members");
  BOOST_TEST_REQUIRE(s.ok());
  BOOST_TEST(s.value().name == "autogroup:members");
}

BOOST_AUTO_TEST_CASE(rejects_empty_names_and_bad_characters) {
  auto empty_tag = parse_selector("tag:");
  BOOST_TEST_REQUIRE(!empty_tag.ok());
  BOOST_TEST(empty_tag.error().message == "tag name is empty in \"tag:\"");
  auto bad = parse_selector("group:e ng");
  BOOST_TEST_REQUIRE(!bad.ok());
  BOOST_TEST(bad.error().offset == 7u);
  BOOST_TEST(!parse_selector("").ok());
  BOOST_TEST(!parse_selector("@example.com").ok());
  BOOST_TEST(parse_selector("alice@").error().message == "user \"alice@\" has no domain after '@'");
  BOOST_TEST(parse_selector("user:alice").error().message.starts_with("unknown selector \"user:alice\""));
}

BOOST_AUTO_TEST_CASE(rejects_malformed_addresses) {
  BOOST_TEST(parse_selector("10.0.0").error().message == "invalid IP address \"10.0.0\"");
  BOOST_TEST(parse_selector("10.0.0.0/33").error().message == "invalid CIDR \"10.0.0.0/33\"");
}

BOOST_AUTO_TEST_CASE(parses_port_lists_and_ranges) {
  auto all = parse_ports("*");
  BOOST_TEST_REQUIRE(all.ok());
  BOOST_TEST((all.value() == std::vector<PortRange>{{0, 65535}}));
  auto list = parse_ports("22,80,8000-8099");
  BOOST_TEST_REQUIRE(list.ok());
  BOOST_TEST((list.value() == std::vector<PortRange>{{22, 22}, {80, 80}, {8000, 8099}}));
}

BOOST_AUTO_TEST_CASE(rejects_bad_ports_at_the_offending_item) {
  auto big = parse_ports("22,99999");
  BOOST_TEST(big.error().message == "port \"99999\" is out of range 0-65535");
  BOOST_TEST(big.error().offset == 3u);
  BOOST_TEST(parse_ports("90-80").error().message ==
             "invalid port range \"90-80\": first port is greater than last");
  BOOST_TEST(parse_ports("").error().message == "empty port list");
  BOOST_TEST(parse_ports("22,").error().message == "empty port in \"22,\"");
  BOOST_TEST(parse_ports("0").error().message == "port 0 is not a valid port");
  BOOST_TEST(parse_ports("ssh").error().message ==
             "invalid port \"ssh\"; expected a number, a range or \"*\"");
}

BOOST_AUTO_TEST_CASE(splits_destinations_at_the_last_colon_or_bracket) {
  auto tag = parse_destination("tag:prod:22");
  BOOST_TEST_REQUIRE(tag.ok());
  BOOST_TEST(tag.value().target.name == "tag:prod");
  BOOST_TEST((tag.value().ports == std::vector<PortRange>{{22, 22}}));
  auto v6 = parse_destination("fd7a:115c:a1e0::1:443");
  BOOST_TEST_REQUIRE(v6.ok());
  BOOST_TEST(v6.value().target.prefix.to_string() == "fd7a:115c:a1e0::1/128");
  auto bracketed = parse_destination("[fd7a::1]:22");
  BOOST_TEST_REQUIRE(bracketed.ok());
  BOOST_TEST((bracketed.value().target.kind == SelectorKind::kPrefix));
  auto any = parse_destination("*:*");
  BOOST_TEST_REQUIRE(any.ok());
  BOOST_TEST((any.value().target.kind == SelectorKind::kWildcard));
}

BOOST_AUTO_TEST_CASE(reports_missing_port_with_a_fix) {
  auto d = parse_destination("tag:prod");
  BOOST_TEST_REQUIRE(!d.ok());
  BOOST_TEST(d.error().message == "missing port in \"tag:prod\"; write \"tag:prod:*\" for every port");
  BOOST_TEST(!parse_destination("db1").ok());
  auto v6 = parse_destination("fd7a::1");
  BOOST_TEST_REQUIRE(!v6.ok());
  BOOST_TEST(v6.error().message == "missing port in \"fd7a::1\"; write \"[fd7a::1]:*\" for every port");
}

BOOST_AUTO_TEST_CASE(offsets_errors_inside_the_destination) {
  auto d = parse_destination("tag:prod:99999");
  BOOST_TEST_REQUIRE(!d.ok());
  BOOST_TEST(d.error().offset == 9u);
}

BOOST_AUTO_TEST_CASE(parses_grant_ip_forms) {
  auto star = parse_grant_ip("*");
  BOOST_TEST_REQUIRE(star.ok());
  BOOST_TEST(star.value().protos.empty());
  auto tcp = parse_grant_ip("tcp:443");
  BOOST_TEST_REQUIRE(tcp.ok());
  BOOST_TEST((tcp.value().protos == std::vector<uint8_t>{kProtoTcp}));
  BOOST_TEST((tcp.value().ports == std::vector<PortRange>{{443, 443}}));
  auto icmp = parse_grant_ip("icmp:*");
  BOOST_TEST_REQUIRE(icmp.ok());
  BOOST_TEST((icmp.value().protos == std::vector<uint8_t>{kProtoIcmp}));
  auto bare = parse_grant_ip("80,443");
  BOOST_TEST_REQUIRE(bare.ok());
  BOOST_TEST(bare.value().protos.size() == 3u);
  BOOST_TEST(bare.value().ports.size() == 2u);
  auto range = parse_grant_ip("udp:8000-8100");
  BOOST_TEST_REQUIRE(range.ok());
  BOOST_TEST((range.value().ports == std::vector<PortRange>{{8000, 8100}}));
}

BOOST_AUTO_TEST_CASE(refuses_a_grant_protocol_without_ports) {
  auto icmp = parse_grant_ip("icmp");
  BOOST_TEST_REQUIRE(!icmp.ok());
  BOOST_TEST(icmp.error().message == "grant ip \"icmp\" must be written proto:ports; use \"icmp:*\"");
  BOOST_TEST(icmp.error().offset == 0u);
  BOOST_TEST(!parse_grant_ip("tcp").ok());
  BOOST_TEST(parse_grant_ip("443").ok());
}

BOOST_AUTO_TEST_CASE(tag_names_start_with_an_ascii_letter) {
  for (const char* bad : {"tag:1st-floor", "tag:_x", "tag:-x", "tag:.x", "tag:\xc3\xa9t\xc3\xa9"}) {
    auto t = parse_selector(bad);
    BOOST_TEST_REQUIRE(!t.ok(), bad);
    BOOST_TEST(t.error().message == "tag name \"" + std::string(bad) + "\" must start with a letter after \"tag:\"");
    BOOST_TEST(t.error().offset == 4u);
  }
  BOOST_TEST(parse_selector("tag:Prod-1").ok());
  BOOST_TEST(parse_selector("tag:x1").ok());
  BOOST_TEST(parse_selector("group:1st").ok());
}

BOOST_AUTO_TEST_CASE(rejects_ports_on_portless_protocols_and_unknown_protocols) {
  auto icmp = parse_grant_ip("icmp:22");
  BOOST_TEST_REQUIRE(!icmp.ok());
  BOOST_TEST(icmp.error().message == "protocol \"icmp\" has no ports; use \"icmp:*\"");
  BOOST_TEST(icmp.error().offset == 5u);
  BOOST_TEST(parse_grant_ip("bogus:1").error().message == "unknown protocol \"bogus\"");
}

BOOST_AUTO_TEST_CASE(test_targets_need_exactly_one_port) {
  auto t = parse_test_target("tag:prod:22");
  BOOST_TEST_REQUIRE(t.ok());
  BOOST_TEST(t.value().port == 22);
  BOOST_TEST(t.value().host.name == "tag:prod");
  BOOST_TEST(!parse_test_target("tag:prod:22,80").ok());
  BOOST_TEST(!parse_test_target("tag:prod:*").ok());
  BOOST_TEST(parse_test_target("tag:prod:0").value().port == 0);  // icmp tests
}

BOOST_AUTO_TEST_CASE(counts_code_points_not_bytes) {
  BOOST_TEST(code_points("é:1", 3) == 2u);
  BOOST_TEST(code_points("abc", 10) == 3u);
}

BOOST_AUTO_TEST_CASE(reports_malformed_host_port_splits) {
  BOOST_TEST(parse_destination(":22").error().message == "missing host before ':' in \":22\"");
  BOOST_TEST(parse_destination("[fd7a::1:22").error().message == "unterminated '[' in \"[fd7a::1:22\"");
  auto no_port = parse_destination("[fd7a::1]");
  BOOST_TEST(no_port.error().message == "expected ':' and ports after ']' in \"[fd7a::1]\"");
  BOOST_TEST(no_port.error().offset == 9u);
  BOOST_TEST(parse_grant_ip("").error().message == "empty ip entry");
}

BOOST_AUTO_TEST_CASE(reports_malformed_users_at_the_offending_character) {
  auto two = parse_selector("a@b@c");
  BOOST_TEST(two.error().message == "user \"a@b@c\" has more than one '@'");
  BOOST_TEST(two.error().offset == 3u);
  auto space = parse_selector("a b@example.com");
  BOOST_TEST(space.error().message == "invalid character in user \"a b@example.com\"");
  BOOST_TEST(space.error().offset == 1u);
  BOOST_TEST(parse_selector("db/1").error().message == "invalid character \"/\" in host alias \"db/1\"");
  BOOST_TEST(parse_selector("").error().message == "empty selector");
}

BOOST_AUTO_TEST_CASE(suggests_only_close_names) {
  std::vector<std::string> groups = {"group:eng", "group:ops"};
  BOOST_TEST(did_you_mean("group:engg", groups) == "; did you mean \"group:eng\"?");
  BOOST_TEST(did_you_mean("group:dev", groups) == "");
  BOOST_TEST(did_you_mean("protocol", {"proto", "src"}) == "; did you mean \"proto\"?");
  BOOST_TEST(did_you_mean("x", {}) == "");
}

BOOST_AUTO_TEST_CASE(parses_tailscale_service_names_as_dns_labels) {
  for (const char* ok : {"svc:db", "svc:web-1", "svc:a", "svc:Grafana2"}) {
    auto s = parse_selector(ok);
    BOOST_TEST_REQUIRE(s.ok(), ok);
    BOOST_TEST((s.value().kind == SelectorKind::kService), ok);
    BOOST_TEST(s.value().name == ok);
  }
  struct Case {
    const char* text;
    uint32_t offset;
    const char* message;
  } bad[] = {
      {"svc:", 4, "service name is empty in \"svc:\""},
      {"svc:-db", 4, "invalid character \"-\" in service name \"svc:-db\"; a service name is a DNS label: "
                     "letters, digits and '-', starting and ending with a letter or digit"},
      {"svc:db-", 6, "invalid character \"-\" in service name \"svc:db-\"; a service name is a DNS label: "
                     "letters, digits and '-', starting and ending with a letter or digit"},
      {"svc:my_db", 6, "invalid character \"_\" in service name \"svc:my_db\"; a service name is a DNS label: "
                       "letters, digits and '-', starting and ending with a letter or digit"},
  };
  for (const auto& c : bad) {
    auto s = parse_selector(c.text);
    BOOST_TEST_REQUIRE(!s.ok(), c.text);
    BOOST_TEST(s.error().offset == c.offset, c.text);
    BOOST_TEST(s.error().message == c.message);
  }
  auto long_name = parse_selector("svc:" + std::string(64, 'a'));
  BOOST_TEST_REQUIRE(!long_name.ok());
  BOOST_TEST(long_name.error().message.find("longer than 63 characters") != std::string::npos);
  BOOST_TEST(parse_selector("svc:" + std::string(63, 'a')).ok());
}

BOOST_AUTO_TEST_CASE(asks_for_a_port_on_a_service_destination) {
  auto d = parse_destination("svc:db");
  BOOST_TEST_REQUIRE(!d.ok());
  BOOST_TEST(d.error().message == "missing port in \"svc:db\"; write \"svc:db:*\" for every port");
  auto t = parse_test_target("svc:db:5432");
  BOOST_TEST_REQUIRE(t.ok());
  BOOST_TEST((t.value().host.kind == SelectorKind::kService));
  BOOST_TEST(t.value().port == 5432);
}

BOOST_AUTO_TEST_CASE(parses_domain_user_selectors_and_synced_groups) {
  auto all = parse_selector("user:*@example.com");
  BOOST_TEST_REQUIRE(all.ok());
  BOOST_TEST((all.value().kind == SelectorKind::kUserDomain));
  BOOST_TEST(all.value().name == "user:*@example.com");
  auto synced = parse_selector("group:security-team@example.com");
  BOOST_TEST_REQUIRE(synced.ok());
  BOOST_TEST((synced.value().kind == SelectorKind::kGroup));
  BOOST_TEST(is_synced_group("group:security-team@example.com"));
  BOOST_TEST(!is_synced_group("group:eng"));
  struct Case {
    const char* text;
    uint32_t offset;
    const char* message;
  } bad[] = {
      {"user:alice@example.com", 0,
       "unknown selector \"user:alice@example.com\"; write a user without \"user:\" (\"alice@example.com\"), "
       "or every user of a domain as \"user:*@example.com\""},
      {"user:*@", 7, "user selector \"user:*@\" has no domain after '@'"},
      {"user:*@*", 7, "user selector \"user:*@*\" names no domain: write one of the tailnet's domains, such as "
                      "\"example.com\""},
      {"user:*@a@b", 8, "user selector \"user:*@a@b\" has more than one '@'"},
      {"user:*@a b", 8, "invalid character \" \" in user selector \"user:*@a b\""},
      // Tailscale refuses an upper-case domain (recorded answer ssh-e1, for localpart:*@).
      {"user:*@Example.com", 7, "user selector \"user:*@Example.com\" has an upper-case domain, which "
                                "Tailscale refuses; write \"user:*@example.com\""},
      {"group:@example.com", 6, "group \"group:@example.com\" has no name before '@'"},
      {"group:sec@", 10, "group \"group:sec@\" has no domain after '@'"},
      {"group:s c@example.com", 7, "invalid character \" \" in group name \"group:s c@example.com\""},
  };
  for (const auto& c : bad) {
    auto s = parse_selector(c.text);
    BOOST_TEST_REQUIRE(!s.ok(), c.text);
    BOOST_TEST(s.error().offset == c.offset, c.text);
    BOOST_TEST(s.error().message == c.message);
  }
}

BOOST_AUTO_TEST_CASE(keys_a_login_by_its_domain_without_regard_to_case) {
  BOOST_TEST(user_domain_key("Ann@Example.COM") == "user:*@example.com");
  BOOST_TEST(user_domain_key("user:*@Example.com") == "user:*@example.com");
  BOOST_TEST(user_domain_key("ann@github") == "user:*@github");
  BOOST_TEST(user_domain_key("nobody").empty());
}

BOOST_AUTO_TEST_SUITE_END()
