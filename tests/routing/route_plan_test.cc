#define BOOST_TEST_MODULE routing_route_plan
#include <boost/test/unit_test.hpp>

#include <set>
#include <string>
#include <vector>

#include "routing/route_plan.h"

using weft::routing::PlanInput;
using weft::routing::PlannedRoute;
using weft::routing::PlannedRule;
using weft::routing::plan_routes;
using weft::routing::TableSetting;
using weft::util::IpPrefix;

namespace {

IpPrefix pfx(const char* text) { return *IpPrefix::parse(text); }

std::vector<std::string> routes_of(const weft::routing::RoutePlan& plan) {
  std::vector<std::string> out;
  for (const auto& r : plan.routes) {
    out.push_back(r.destination.to_string() + " table " + std::to_string(r.table));
  }
  return out;
}

std::vector<std::string> rules_of(const weft::routing::RoutePlan& plan) {
  std::vector<std::string> out;
  for (const auto& r : plan.rules) {
    std::string fam = r.ipv6 ? "-6 " : "-4 ";
    if (r.kind == PlannedRule::Kind::kNotMarkedToTable) {
      out.push_back(fam + "not fwmark " + std::to_string(r.fwmark) + " table " +
                    std::to_string(r.table));
    } else {
      out.push_back(fam + "table " + std::to_string(r.table) + " suppress_prefixlength 0");
    }
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(route_plan)

BOOST_AUTO_TEST_CASE(parses_table_settings) {
  BOOST_TEST(TableSetting::parse("auto")->to_string() == "auto");
  BOOST_TEST(TableSetting::parse("OFF")->to_string() == "off");
  BOOST_TEST(TableSetting::parse("1234")->number == 1234u);
  BOOST_TEST(TableSetting::parse("main")->number == 254u);
  BOOST_TEST(TableSetting::parse("4294967295")->number == 4294967295u);
  BOOST_TEST(!TableSetting::parse("0"));
  BOOST_TEST(!TableSetting::parse("4294967296"));
  BOOST_TEST(!TableSetting::parse("-1"));
  BOOST_TEST(!TableSetting::parse(""));
  BOOST_TEST(!TableSetting::parse("vpn"));
  BOOST_TEST(TableSetting::parse("off")->to_string() == "off");
  BOOST_TEST(TableSetting::parse("77")->to_string() == "77");
}

BOOST_AUTO_TEST_CASE(full_tunnel_uses_table_51820_and_two_rules_per_family) {
  PlanInput in;
  in.allowed_ips = {pfx("0.0.0.0/0"), pfx("::/0")};
  auto plan = plan_routes(in);
  BOOST_TEST(plan.set_fwmark == 51820u);
  BOOST_TEST(plan.policy_table == 51820u);
  // wg-quick's sort puts "::/0" before "0.0.0.0/0" (same length, text descending).
  std::vector<std::string> want_routes = {"::/0 table 51820", "0.0.0.0/0 table 51820"};
  BOOST_TEST(routes_of(plan) == want_routes, boost::test_tools::per_element());
  std::vector<std::string> want_rules = {
      "-6 not fwmark 51820 table 51820", "-6 table 254 suppress_prefixlength 0",
      "-4 not fwmark 51820 table 51820", "-4 table 254 suppress_prefixlength 0"};
  BOOST_TEST(rules_of(plan) == want_rules, boost::test_tools::per_element());
  BOOST_TEST(plan.src_valid_mark);
}

BOOST_AUTO_TEST_CASE(skips_tables_in_use_and_uses_configured_fwmark) {
  PlanInput in;
  in.allowed_ips = {pfx("0.0.0.0/0")};
  std::set<uint32_t> used = {51820, 51821};
  in.table_in_use = [&](uint32_t t) { return used.count(t) > 0; };
  auto plan = plan_routes(in);
  BOOST_TEST(plan.policy_table == 51822u);
  BOOST_TEST(plan.set_fwmark == 51822u);

  in.fwmark = 0x1234;
  plan = plan_routes(in);
  BOOST_TEST(plan.policy_table == 0x1234u);
  BOOST_TEST(plan.set_fwmark == 0u);  // already the socket's mark
  BOOST_TEST(rules_of(plan)[0] == "-4 not fwmark 4660 table 4660");
}

BOOST_AUTO_TEST_CASE(ipv6_only_default_route_does_not_need_src_valid_mark) {
  PlanInput in;
  in.allowed_ips = {pfx("::/0"), pfx("10.9.0.0/16")};
  auto plan = plan_routes(in);
  BOOST_TEST(!plan.src_valid_mark);
  BOOST_TEST(plan.rules.size() == 2u);
  std::vector<std::string> want = {"10.9.0.0/16 table 254", "::/0 table 51820"};
  BOOST_TEST(routes_of(plan) == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(split_tunnel_routes_longest_first_and_skips_covered_prefixes) {
  PlanInput in;
  in.allowed_ips = {pfx("10.0.0.0/8"), pfx("10.1.2.3/32"), pfx("100.64.0.0/24"),
                    pfx("100.64.0.9/32"), pfx("fd00::/64"), pfx("10.0.0.0/8")};
  in.interface_prefixes = {pfx("100.64.0.0/24")};  // Address = 100.64.0.2/24
  auto plan = plan_routes(in);
  // 100.64.0.9/32 and /24 are covered by the address's prefix route; the /32 in 10/8 comes
  // first (longest first), so the /8 that covers it is still added; the duplicate is one route.
  // The length is compared as a number across families, as `sort -n` does: /64 before /32.
  std::vector<std::string> want = {"fd00::/64 table 254", "10.1.2.3/32 table 254",
                                   "10.0.0.0/8 table 254"};
  BOOST_TEST(routes_of(plan) == want, boost::test_tools::per_element());
  BOOST_TEST(plan.rules.empty());
  BOOST_TEST(plan.set_fwmark == 0u);
  BOOST_TEST(!plan.src_valid_mark);
}

BOOST_AUTO_TEST_CASE(numbered_table_takes_every_prefix_without_rules) {
  PlanInput in;
  in.table = *TableSetting::parse("1234");
  in.allowed_ips = {pfx("0.0.0.0/0"), pfx("100.64.0.0/24")};
  in.interface_prefixes = {pfx("100.64.0.0/24")};
  auto plan = plan_routes(in);
  std::vector<std::string> want = {"100.64.0.0/24 table 1234", "0.0.0.0/0 table 1234"};
  BOOST_TEST(routes_of(plan) == want, boost::test_tools::per_element());
  BOOST_TEST(plan.rules.empty());
  BOOST_TEST(plan.set_fwmark == 0u);
}

BOOST_AUTO_TEST_CASE(table_off_plans_nothing) {
  PlanInput in;
  in.table = *TableSetting::parse("off");
  in.allowed_ips = {pfx("0.0.0.0/0"), pfx("10.0.0.0/8")};
  auto plan = plan_routes(in);
  BOOST_TEST(plan.routes.empty());
  BOOST_TEST(plan.rules.empty());
  BOOST_TEST(plan.set_fwmark == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
