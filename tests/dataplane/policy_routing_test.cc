#define BOOST_TEST_MODULE dataplane_policy_routing
#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <optional>
#include <string>

#include "dataplane/interface_setup.h"
#include "dataplane/policy_routing.h"
#include "routing/route_plan.h"
#include "runtime/netns.h"
#include "runtime/tun_device.h"

using namespace weft;

namespace {

// Output of a shell command run in the test's (current) network namespace.
std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  BOOST_REQUIRE_MESSAGE(p != nullptr, "popen " + cmd);
  char buf[512];
  while (std::fgets(buf, sizeof(buf), p) != nullptr) out += buf;
  ::pclose(p);
  return out;
}

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

util::IpPrefix pfx(const char* text) { return *util::IpPrefix::parse(text); }

struct Tunnel {
  Tunnel() {
    auto t = runtime::TunDevice::create("prt0");
    BOOST_REQUIRE_MESSAGE(t.ok(), "TUN: " + (t.ok() ? std::string() : t.error().detail));
    tun.emplace(std::move(*t));
    dataplane::InterfaceLayout layout;
    layout.mtu = 1420;
    layout.addresses = {{*util::IpAddress::parse("10.7.0.2"), 24}};
    BOOST_REQUIRE(dataplane::configure_interface(*tun, layout).ok());
  }
  std::optional<runtime::TunDevice> tun;
};

routing::RoutePlan full_tunnel_plan() {
  routing::PlanInput in;
  in.allowed_ips = {pfx("0.0.0.0/0"), pfx("::/0"), pfx("10.7.0.0/24"), pfx("10.8.0.0/16")};
  in.interface_prefixes = {pfx("10.7.0.0/24")};
  in.table_in_use = dataplane::table_in_use_checker();
  return routing::plan_routes(in);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(policy_routing)

BOOST_AUTO_TEST_CASE(installs_wg_quick_rules_and_routes_and_removes_them) {
  ScopedNetns ns;
  Tunnel t;
  const std::string rules_before = run("ip -4 rule") + run("ip -6 rule");
  auto installed = dataplane::InstalledRouting::install(t.tun->ifindex(), full_tunnel_plan(),
                                                        nullptr);
  BOOST_REQUIRE_MESSAGE(installed.ok(),
                        std::string(installed.ok() ? "" : installed.error().detail));
  for (const char* fam : {"-4", "-6"}) {
    std::string rules = run(std::string("ip ") + fam + " rule");
    BOOST_TEST(count(rules, "32765:\tnot from all fwmark 0xca6c lookup 51820") == 1, rules);
    BOOST_TEST(count(rules, "32764:\tfrom all lookup main suppress_prefixlength 0") == 1, rules);
    std::string table = run(std::string("ip ") + fam + " route show table 51820");
    BOOST_TEST(table.rfind("default dev prt0", 0) == 0, table);
    BOOST_TEST(count(table, "\n") == 1, table);
  }
  std::string main4 = run("ip -4 route show dev prt0");
  BOOST_TEST(count(main4, "10.8.0.0/16 scope link") == 1, main4);  // as `ip route add`
  BOOST_TEST(count(main4, "10.7.0.0/24") == 1, main4);  // the address's route only
  (*installed)->remove();
  BOOST_TEST(run("ip -4 rule") + run("ip -6 rule") == rules_before);
  BOOST_TEST(run("ip -4 route show table 51820").empty());
  BOOST_TEST(count(run("ip -4 route show dev prt0"), "10.8.0.0/16") == 0);
}

BOOST_AUTO_TEST_CASE(removes_rules_a_crashed_run_left_behind) {
  ScopedNetns ns;
  Tunnel t;
  const std::string rules_before = run("ip -4 rule");
  // What a SIGKILLed run leaves: its rules (routes went with its interface).
  run("ip -4 rule add not fwmark 51820 table 51820");
  run("ip -4 rule add table main suppress_prefixlength 0");
  BOOST_REQUIRE(count(run("ip -4 rule"), "lookup 51820") == 1);
  std::string logged;
  {
    auto installed = dataplane::InstalledRouting::install(
        t.tun->ifindex(), full_tunnel_plan(),
        [&](std::string_view line) { logged += std::string(line) + "\n"; });
    BOOST_REQUIRE(installed.ok());
    std::string rules = run("ip -4 rule");
    BOOST_TEST(count(rules, "lookup 51820") == 1, rules);
    BOOST_TEST(count(rules, "suppress_prefixlength 0") == 1, rules);
    BOOST_TEST(logged.find("removed 1 stale IPv4 rule(s) for table 51820") != std::string::npos,
               logged);
  }
  BOOST_TEST(run("ip -4 rule") == rules_before);
}

BOOST_AUTO_TEST_CASE(moves_to_the_next_table_when_51820_is_in_use) {
  ScopedNetns ns;
  Tunnel t;
  run("ip route add blackhole 192.0.2.0/24 table 51820");
  auto plan = full_tunnel_plan();
  BOOST_TEST(plan.policy_table == 51821u);
  BOOST_TEST(plan.set_fwmark == 51821u);
}

BOOST_AUTO_TEST_SUITE_END()
