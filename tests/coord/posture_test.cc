// Device posture on the server (lib/coord/posture.cc; docs/network-config.md, "Device
// posture"): the attributes policies read, the operator's attribute checks, and what a change of
// posture does to peers and packet filters in the next delta.
#define BOOST_TEST_MODULE posture
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "coord/coordinator_harness.h"
#include "coord/posture.h"

using namespace weft;
using namespace weft::coord;
using namespace weft::coord::test;

namespace {

// Members reach tag:srv on 22 only from a trusted device; tag:srv reaches everyone on 80, from
// any device (tag:srv's own posture is not asked).
const char* kPolicy = R"({
  "tagOwners": {"tag:srv": ["alice@example.com"]},
  "postures": {
    "posture:trusted": ["custom:trusted == 'yes'"],
    "posture:modern": ["node:osVersion >= '6.1'", "node:tsVersion >= '0.2'"]
  },
  "acls": [
    {"action": "accept", "src": ["autogroup:member"], "srcPosture": ["posture:trusted"],
     "dst": ["tag:srv:22"]},
    {"action": "accept", "src": ["autogroup:member"], "srcPosture": ["posture:modern"],
     "dst": ["tag:srv:443"]}
  ]
})";

// Every member reaches tag:srv on 22; only devices with custom:managed set may, by default.
const char* kDefaultPolicy = R"({
  "tagOwners": {"tag:srv": ["alice@example.com"]},
  "postures": {"posture:managed": ["custom:managed IS SET"]},
  "defaultSrcPosture": ["posture:managed"],
  "acls": [{"action": "accept", "src": ["autogroup:member"], "dst": ["tag:srv:22"]}]
})";

bool has_peer(const TestNode& n, const TestNode& peer) {
  return netmap_of(n).peers.count(control::NodeId{id_of(peer)}) != 0;
}

// Whether n's filter lets `from`'s IPv4 address in on TCP `port`.
bool filter_admits(World& w, const TestNode& n, const TestNode& from, uint16_t port) {
  const Device* d = w.coordinator->registry().find(DeviceId{id_of(from)});
  BOOST_REQUIRE(d != nullptr && d->addresses);
  for (const auto& r : netmap_of(n).filter) {
    if (r.protocol != 6 || port < r.port_first || port > r.port_last) continue;
    for (const auto& s : r.sources)
      if (s.contains(d->addresses->v4)) return true;
  }
  return false;
}

Status set_attr(World& w, const TestNode& n, std::map<std::string, std::string> set,
                std::vector<std::string> unset = {}) {
  Status st = w.coordinator->set_posture_attributes(DeviceId{id_of(n)}, set, unset, w.now);
  w.pump();
  return st;
}

std::size_t deltas(const TestNode& n) { return n.received<control::MapDelta>().size(); }

}  // namespace

BOOST_AUTO_TEST_SUITE(posture)

BOOST_AUTO_TEST_CASE(reports_the_nodes_attributes_without_the_client_name_and_the_operators) {
  Device d;
  d.os = "linux";
  d.os_version = "6.1.0-18-amd64";
  d.client_version = "weft 0.1.0~git312.gc4729c1";
  d.posture_attributes = {{"custom:risk", "40"}};
  const auto attrs = posture_of(d);
  BOOST_TEST(attrs.at("node:os") == "linux");
  BOOST_TEST(attrs.at("node:osVersion") == "6.1.0-18-amd64");
  BOOST_TEST(attrs.at("node:tsVersion") == "0.1.0~git312.gc4729c1");
  BOOST_TEST(attrs.at("custom:risk") == "40");
  BOOST_TEST(posture_of(Device{}).empty());
}

BOOST_AUTO_TEST_CASE(operators_set_custom_and_provider_attributes_only) {
  BOOST_TEST(check_posture_attribute_name("custom:trusted").ok());
  BOOST_TEST(check_posture_attribute_name("intune:complianceState").ok());
  for (const char* bad : {"node:os", "node:osVersion", "ip:country", "custom", "custom:",
                          "nope:x", "custom:a b", "custom:x:y", ":x", ""}) {
    Status st = check_posture_attribute_name(bad);
    BOOST_TEST(!st.ok(), bad);
    if (!st.ok()) BOOST_TEST(st.error().code == "coord.posture_attribute");
  }
  BOOST_TEST(!check_posture_attribute_name("custom:" + std::string(200, 'a')).ok());
  BOOST_TEST(check_posture_attribute_value("").ok());
  BOOST_TEST(check_posture_attribute_value("Ünïcode 1.2").ok());
  BOOST_TEST(!check_posture_attribute_value("a\nb").ok());
  BOOST_TEST(!check_posture_attribute_value("\xff").ok());
  BOOST_TEST(!check_posture_attribute_value(std::string(kMaxPostureValueBytes + 1, 'v')).ok());
}

BOOST_AUTO_TEST_CASE(edits_write_then_remove_and_refuse_a_name_both_set_and_unset) {
  auto next = edit_posture_attributes({{"custom:a", "1"}, {"custom:b", "2"}},
                                      {{"custom:a", "3"}}, {"custom:b", "custom:absent"});
  BOOST_REQUIRE(next.ok());
  BOOST_TEST((*next == std::map<std::string, std::string>{{"custom:a", "3"}}));
  BOOST_TEST(!edit_posture_attributes({}, {{"custom:a", "1"}}, {"custom:a"}).ok());
  BOOST_TEST(!edit_posture_attributes({}, {{"node:os", "linux"}}, {}).ok());
  std::map<std::string, std::string> many;
  for (std::size_t i = 0; i <= kMaxPostureAttributes; ++i)
    many["custom:a" + std::to_string(i)] = "1";
  BOOST_TEST(!edit_posture_attributes({}, many, {}).ok());
}

BOOST_AUTO_TEST_CASE(a_device_that_gains_and_loses_a_posture_gains_and_loses_its_peers) {
  World w(kPolicy);
  TestNode& srv = w.join(w.key("alice@example.com", {"tag:srv"}), "srv");
  TestNode& laptop = w.join(w.key("bob@example.com"), "laptop");
  // Untrusted: neither sees the other, and srv's filter does not let laptop in.
  BOOST_TEST(!has_peer(laptop, srv));
  BOOST_TEST(!has_peer(srv, laptop));
  BOOST_TEST(!filter_admits(w, srv, laptop, 22));

  const std::size_t srv_before = deltas(srv), laptop_before = deltas(laptop);
  BOOST_REQUIRE(set_attr(w, laptop, {{"custom:trusted", "yes"}}).ok());
  // One delta each: laptop gets srv, srv gets laptop and lets it in on 22 (not on 443).
  BOOST_TEST(deltas(srv) == srv_before + 1);
  BOOST_TEST(deltas(laptop) == laptop_before + 1);
  BOOST_TEST(has_peer(laptop, srv));
  BOOST_TEST(has_peer(srv, laptop));
  BOOST_TEST(filter_admits(w, srv, laptop, 22));
  BOOST_TEST(!filter_admits(w, srv, laptop, 443));
  const Device* d = w.coordinator->registry().find(DeviceId{id_of(laptop)});
  BOOST_TEST(d->posture_attributes.at("custom:trusted") == "yes");

  // Another value fails the condition: both lose the other, srv's filter drops laptop.
  BOOST_REQUIRE(set_attr(w, laptop, {{"custom:trusted", "no"}}).ok());
  BOOST_TEST(!has_peer(laptop, srv));
  BOOST_TEST(!has_peer(srv, laptop));
  BOOST_TEST(!filter_admits(w, srv, laptop, 22));

  BOOST_REQUIRE(set_attr(w, laptop, {{"custom:trusted", "yes"}}).ok());
  BOOST_TEST(has_peer(srv, laptop));
  BOOST_REQUIRE(set_attr(w, laptop, {}, {"custom:trusted"}).ok());
  BOOST_TEST(!has_peer(laptop, srv));
  BOOST_TEST(!filter_admits(w, srv, laptop, 22));
}

BOOST_AUTO_TEST_CASE(an_attribute_no_rule_reads_changes_no_peer_and_no_filter) {
  World w(kPolicy);
  TestNode& srv = w.join(w.key("alice@example.com", {"tag:srv"}), "srv");
  TestNode& laptop = w.join(w.key("bob@example.com"), "laptop");
  BOOST_REQUIRE(set_attr(w, laptop, {{"custom:trusted", "yes"}}).ok());
  const std::size_t before = deltas(srv);
  BOOST_REQUIRE(set_attr(w, laptop, {{"custom:owner", "finance"}}).ok());
  // At most the device's own row again (as after any operator change): nobody gained or lost a
  // peer, no filter moved.
  const auto after = srv.received<control::MapDelta>();
  for (std::size_t i = before; i < after.size(); ++i) {
    BOOST_TEST(after[i].removed.empty());
    BOOST_TEST(!after[i].filter.has_value());
    BOOST_TEST(after[i].filter_added.empty());
    BOOST_TEST(after[i].filter_sources_removed.empty());
  }
  BOOST_TEST(has_peer(srv, laptop));
  BOOST_TEST(filter_admits(w, srv, laptop, 22));
}

BOOST_AUTO_TEST_CASE(the_nodes_reported_versions_decide_a_posture) {
  World w(kPolicy);
  TestNode& srv = w.join(w.key("alice@example.com", {"tag:srv"}), "srv");
  const std::string bob = w.key("bob@example.com");
  auto join_as = [&](const std::string& name, const std::string& kernel,
                     const std::string& client) -> TestNode& {
    TestNode& n = w.node();
    w.connect(n);
    auto r = w.register_request(n, bob, name);
    r.hostinfo.os_version = kernel;
    r.hostinfo.client_version = client;
    w.send(n, r);
    control::MapRequest m;
    m.node_key = n.node_key;
    w.send(n, m);
    return n;
  };
  TestNode& modern = join_as("modern", "6.1.0-18-amd64", "weft 0.2.0~git3.gabc");
  TestNode& old_kernel = join_as("old-kernel", "5.10.0-28-amd64", "weft 0.2.0");
  TestNode& old_client = join_as("old-client", "6.5.0", "weft 0.1.9");
  TestNode& silent = join_as("silent", "", "");
  BOOST_TEST(filter_admits(w, srv, modern, 443));
  BOOST_TEST(has_peer(modern, srv));
  for (TestNode* n : {&old_kernel, &old_client, &silent}) {
    BOOST_TEST(!filter_admits(w, srv, *n, 443));
    BOOST_TEST(!has_peer(*n, srv));
  }
  const Device* d = w.coordinator->registry().find(DeviceId{id_of(modern)});
  BOOST_TEST(d->os_version == "6.1.0-18-amd64");

  // The node reconnects after a kernel upgrade: its registration carries the new version.
  w.disconnect(old_kernel);
  w.connect(old_kernel);
  auto r = w.register_request(old_kernel, "", "old-kernel");
  r.hostinfo.os_version = "6.6.0";
  r.hostinfo.client_version = "weft 0.2.0";
  w.send(old_kernel, r);
  BOOST_TEST(filter_admits(w, srv, old_kernel, 443));
}

BOOST_AUTO_TEST_CASE(default_src_posture_applies_to_rules_without_their_own) {
  World w(kDefaultPolicy);
  TestNode& srv = w.join(w.key("alice@example.com", {"tag:srv"}), "srv");
  TestNode& laptop = w.join(w.key("bob@example.com"), "laptop");
  BOOST_TEST(!has_peer(srv, laptop));
  BOOST_REQUIRE(set_attr(w, laptop, {{"custom:managed", ""}}).ok());
  BOOST_TEST(has_peer(srv, laptop));
  BOOST_TEST(filter_admits(w, srv, laptop, 22));
}

BOOST_AUTO_TEST_CASE(attributes_survive_a_restart_and_refusals_change_nothing) {
  World w(kPolicy);
  TestNode& srv = w.join(w.key("alice@example.com", {"tag:srv"}), "srv");
  TestNode& laptop = w.join(w.key("bob@example.com"), "laptop");
  BOOST_REQUIRE(set_attr(w, laptop, {{"custom:trusted", "yes"}}).ok());
  Status refused = set_attr(w, laptop, {{"node:os", "macos"}});
  BOOST_REQUIRE(!refused.ok());
  BOOST_TEST(refused.error().code == "coord.posture_attribute");
  BOOST_TEST(!set_attr(w, laptop, {{"custom:trusted", "no"}}, {"custom:trusted"}).ok());
  Status unknown = w.coordinator->set_posture_attributes(DeviceId{999}, {}, {}, w.now);
  BOOST_REQUIRE(!unknown.ok());
  BOOST_TEST(unknown.error().code == "coord.unknown_device");

  w.restart();
  const Device* d = w.coordinator->registry().find(DeviceId{id_of(laptop)});
  BOOST_REQUIRE(d != nullptr);
  BOOST_TEST((d->posture_attributes == std::map<std::string, std::string>{{"custom:trusted", "yes"}}));
  TestNode& again = w.node();
  again.machine = srv.machine;
  again.node_key = srv.node_key;
  w.connect(again);
  w.send(again, w.register_request(again, "", "srv"));
  control::MapRequest m;
  m.node_key = again.node_key;
  w.send(again, m);
  auto maps = again.received<control::MapResponse>();
  BOOST_REQUIRE(!maps.empty());
  bool sees = false;
  for (const auto& p : maps.back().peers) sees = sees || p.id.value == id_of(laptop);
  BOOST_TEST(sees);
}

BOOST_AUTO_TEST_SUITE_END()
