// Peer visibility by hand-written cases: who sees whom under groups, tags, autogroups, hosts,
// prefixes, autogroup:self and posture; deltas of joins, changes, removals and policy changes;
// inbound filter contents.
#define BOOST_TEST_MODULE coord_visibility
#include <boost/test/unit_test.hpp>

#include <ostream>
#include <string>
#include <vector>

#include "coord/visibility.h"

namespace weft::coord {
std::ostream& operator<<(std::ostream& os, DeviceId id) { return os << "device " << id.value; }
}  // namespace weft::coord
namespace weft::util {
std::ostream& operator<<(std::ostream& os, const IpPrefix& p) { return os << p.to_string(); }
}  // namespace weft::util

using namespace weft;
using namespace weft::coord;

namespace {

util::IpAddress ip(const std::string& text) { return *util::IpAddress::parse(text); }
util::IpPrefix prefix(const std::string& text) { return *util::IpPrefix::parse(text); }

std::unique_ptr<Visibility> make(std::string_view policy) {
  auto v = Visibility::create(policy);
  BOOST_TEST_REQUIRE(v.ok(), (v.ok() ? "" : v.error().detail));
  return std::move(*v);
}

// Device n has 100.64.0.n and fd7a:115c:a1e0::n.
NodeIdentity user_node(int n, const std::string& user) {
  NodeIdentity id;
  id.user = user;
  id.addresses = {ip("100.64.0." + std::to_string(n)), ip("fd7a:115c:a1e0::" + std::to_string(n))};
  return id;
}

NodeIdentity tagged_node(int n, std::vector<std::string> tags) {
  NodeIdentity id = user_node(n, "owner@example.com");
  id.tags = std::move(tags);
  return id;
}

DeviceId dev(uint64_t n) { return DeviceId{n}; }

std::vector<DeviceId> ids(std::initializer_list<uint64_t> v) {
  std::vector<DeviceId> out;
  for (auto n : v) out.push_back(DeviceId{n});
  return out;
}

const NodeVisibilityDelta* delta_of(const VisibilityChange& c, uint64_t n) {
  for (const auto& d : c.nodes)
    if (d.node == DeviceId{n}) return &d;
  return nullptr;
}

const char* kGroups = R"({
  "groups": {"group:eng": ["alice@example.com", "bob@example.com"], "group:ops": ["carol@example.com"]},
  "tagOwners": {"tag:db": ["group:ops"], "tag:web": ["group:ops"]},
  "acls": [
    {"action": "accept", "src": ["group:eng"], "dst": ["tag:db:5432"]},
    {"action": "accept", "src": ["group:ops"], "dst": ["tag:db:*", "tag:web:*"]},
  ],
})";

}  // namespace

BOOST_AUTO_TEST_SUITE(visibility)

BOOST_AUTO_TEST_CASE(no_policy_means_everyone_sees_everyone) {
  auto v = make("  \n");
  v->upsert(dev(1), user_node(1, "alice@example.com"));
  v->upsert(dev(2), user_node(2, "bob@example.com"));
  v->upsert(dev(3), tagged_node(3, {}));
  BOOST_TEST(v->peers_of(dev(1)) == ids({2, 3}));
  BOOST_TEST(v->peers_of(dev(3)) == ids({1, 2}));
  // "*:*" without proto: TCP, UDP, ICMP and ICMPv6 from anywhere.
  auto filter = v->inbound_filter(dev(2));
  BOOST_TEST_REQUIRE(filter.size() == 4u);
  std::vector<uint16_t> protos;
  for (const auto& r : filter) {
    protos.push_back(r.protocol);
    BOOST_TEST(r.sources == (std::vector<util::IpPrefix>{prefix("0.0.0.0/0"), prefix("::/0")}));
    BOOST_TEST(r.destinations == (std::vector<util::IpPrefix>{prefix("100.64.0.2/32"), prefix("fd7a:115c:a1e0::2/128")}));
    BOOST_TEST(r.port_first == 0);
    BOOST_TEST(r.port_last == 65535);
  }
  BOOST_TEST(protos == (std::vector<uint16_t>{1, 6, 17, 58}));
}

BOOST_AUTO_TEST_CASE(refuses_an_invalid_policy_with_positioned_errors) {
  auto v = Visibility::create(R"({"acls": [{"action": "accept", "src": ["group:nope"], "dst": ["*:*"]}]})");
  BOOST_TEST_REQUIRE(!v.ok());
  BOOST_TEST(v.error().code == "coord.policy_invalid");
  BOOST_TEST(v.error().detail.find("1:") == 0u, v.error().detail);
  BOOST_TEST(v.error().detail.find("group:nope") != std::string::npos, v.error().detail);
}

BOOST_AUTO_TEST_CASE(groups_and_tags_see_what_their_rules_name_and_nothing_else) {
  auto v = make(kGroups);
  v->upsert(dev(1), user_node(1, "alice@example.com"));
  v->upsert(dev(2), user_node(2, "bob@example.com"));
  v->upsert(dev(3), user_node(3, "carol@example.com"));
  v->upsert(dev(4), tagged_node(4, {"tag:db"}));
  v->upsert(dev(5), tagged_node(5, {"tag:web"}));
  v->upsert(dev(6), user_node(6, "dave@example.com"));
  BOOST_TEST(v->peers_of(dev(1)) == ids({4}));  // eng reaches db, not each other
  BOOST_TEST(v->peers_of(dev(2)) == ids({4}));
  BOOST_TEST(v->peers_of(dev(3)) == ids({4, 5}));
  // One-way rules make both sides peers: db is reached, never reaches anyone.
  BOOST_TEST(v->peers_of(dev(4)) == ids({1, 2, 3}));
  BOOST_TEST(v->peers_of(dev(5)) == ids({3}));
  // No rule mentions dave: nobody sees him, he sees nobody.
  BOOST_TEST(v->peers_of(dev(6)).empty());
  BOOST_TEST(v->inbound_filter(dev(6)).empty());
  BOOST_TEST(v->inbound_filter(dev(1)).empty());
}

BOOST_AUTO_TEST_CASE(filter_lists_admitted_devices_per_protocol_and_port) {
  auto v = make(kGroups);
  v->upsert(dev(1), user_node(1, "alice@example.com"));
  v->upsert(dev(3), user_node(3, "carol@example.com"));
  v->upsert(dev(4), tagged_node(4, {"tag:db"}));
  auto filter = v->inbound_filter(dev(4));
  // eng on 5432 (TCP, UDP; ICMP without ports), ops on every port.
  std::vector<std::string> seen;
  for (const auto& r : filter) {
    std::string s = std::to_string(r.protocol) + ":" + std::to_string(r.port_first) + "-" +
                    std::to_string(r.port_last) + " <-";
    for (const auto& p : r.sources) s += " " + p.to_string();
    seen.push_back(s);
    BOOST_TEST(r.destinations == (std::vector<util::IpPrefix>{prefix("100.64.0.4/32"), prefix("fd7a:115c:a1e0::4/128")}));
  }
  const std::string alice = " 100.64.0.1/32 fd7a:115c:a1e0::1/128";
  const std::string both = " 100.64.0.1/32 100.64.0.3/32 fd7a:115c:a1e0::1/128 fd7a:115c:a1e0::3/128";
  const std::string carol = " 100.64.0.3/32 fd7a:115c:a1e0::3/128";
  std::vector<std::string> want = {"1:0-65535 <-" + both,  "6:0-65535 <-" + carol, "6:5432-5432 <-" + alice,
                                   "17:0-65535 <-" + carol, "17:5432-5432 <-" + alice, "58:0-65535 <-" + both};
  BOOST_TEST(seen == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(autogroup_member_and_tagged_split_people_from_servers) {
  auto v = make(R"({
    "tagOwners": {"tag:ci": []},
    "grants": [{"src": ["autogroup:member"], "dst": ["autogroup:tagged"], "ip": ["tcp:22"]}],
  })");
  v->upsert(dev(1), user_node(1, "alice@example.com"));
  v->upsert(dev(2), user_node(2, "bob@example.com"));
  v->upsert(dev(3), tagged_node(3, {"tag:ci"}));
  v->upsert(dev(4), tagged_node(4, {"tag:ci"}));
  BOOST_TEST(v->peers_of(dev(1)) == ids({3, 4}));
  BOOST_TEST(v->peers_of(dev(3)) == ids({1, 2}));
  auto filter = v->inbound_filter(dev(3));
  BOOST_TEST_REQUIRE(filter.size() == 1u);
  BOOST_TEST(filter[0].protocol == 6);
  BOOST_TEST(filter[0].port_first == 22);
  BOOST_TEST(filter[0].sources.size() == 4u);
}

BOOST_AUTO_TEST_CASE(hosts_and_prefixes_as_destinations_match_devices_by_address) {
  auto v = make(R"({
    "hosts": {"db": "100.64.0.5"},
    "acls": [
      {"action": "accept", "src": ["alice@example.com"], "dst": ["db:5432"]},
      {"action": "accept", "src": ["bob@example.com"], "dst": ["100.64.0.8/30:*"]},
    ],
  })");
  v->upsert(dev(1), user_node(1, "alice@example.com"));
  v->upsert(dev(2), user_node(2, "bob@example.com"));
  v->upsert(dev(5), tagged_node(5, {}));
  v->upsert(dev(6), user_node(6, "carol@example.com"));
  v->upsert(dev(9), user_node(9, "carol@example.com"));
  BOOST_TEST(v->peers_of(dev(1)) == ids({5}));
  BOOST_TEST(v->peers_of(dev(2)) == ids({9}));
  BOOST_TEST(v->peers_of(dev(6)).empty());
  // A device taking over the host's address becomes a peer.
  v->remove(dev(5));
  auto change = v->upsert(dev(6), user_node(5, "carol@example.com"));
  BOOST_TEST(v->peers_of(dev(6)) == ids({1}));
  BOOST_TEST_REQUIRE(delta_of(change, 1) != nullptr);
  BOOST_TEST(delta_of(change, 1)->peers_added == ids({6}));
}

BOOST_AUTO_TEST_CASE(a_prefix_source_is_in_the_filter_as_written) {
  auto v = make(R"({
    "ipsets": {"ipset:lab": ["10.0.0.0/8", "remove 10.128.0.0/9"]},
    "acls": [{"action": "accept", "src": ["ipset:lab", "192.0.2.0/24"], "proto": "udp", "dst": ["*:53"]}],
  })");
  v->upsert(dev(1), user_node(1, "alice@example.com"));
  auto filter = v->inbound_filter(dev(1));
  BOOST_TEST_REQUIRE(filter.size() == 1u);
  BOOST_TEST(filter[0].protocol == 17);
  BOOST_TEST(filter[0].port_first == 53);
  BOOST_TEST(filter[0].sources == (std::vector<util::IpPrefix>{prefix("10.0.0.0/9"), prefix("192.0.2.0/24")}));
  BOOST_TEST(v->peers_of(dev(1)).empty());
}

BOOST_AUTO_TEST_CASE(autogroup_self_pairs_only_devices_of_the_same_user) {
  auto v = make(R"({
    "tagOwners": {"tag:x": []},
    "acls": [{"action": "accept", "src": ["autogroup:member"], "dst": ["autogroup:self:*"]}],
  })");
  v->upsert(dev(1), user_node(1, "alice@example.com"));
  v->upsert(dev(2), user_node(2, "alice@example.com"));
  v->upsert(dev(3), user_node(3, "bob@example.com"));
  v->upsert(dev(4), tagged_node(4, {"tag:x"}));
  v->upsert(dev(5), user_node(5, "bob@example.com"));
  BOOST_TEST(v->peers_of(dev(1)) == ids({2}));
  BOOST_TEST(v->peers_of(dev(3)) == ids({5}));
  BOOST_TEST(v->peers_of(dev(4)).empty());
  // Tagging a device takes it out of its user's devices.
  auto change = v->upsert(dev(2), tagged_node(2, {"tag:x"}));
  BOOST_TEST(v->peers_of(dev(1)).empty());
  BOOST_TEST_REQUIRE(delta_of(change, 1) != nullptr);
  BOOST_TEST(delta_of(change, 1)->peers_removed == ids({2}));
  BOOST_TEST(delta_of(change, 1)->filter_changed);
  BOOST_TEST_REQUIRE(delta_of(change, 2) != nullptr);
  BOOST_TEST(delta_of(change, 2)->peers_removed == ids({1}));
  BOOST_TEST(delta_of(change, 3) == nullptr);
}

BOOST_AUTO_TEST_CASE(posture_limits_which_sources_are_admitted) {
  auto v = make(R"({
    "postures": {"posture:linux": ["node:os == 'linux'"]},
    "tagOwners": {"tag:db": []},
    "acls": [{"action": "accept", "src": ["autogroup:member"], "srcPosture": ["posture:linux"], "dst": ["tag:db:*"]}],
  })");
  NodeIdentity linux_box = user_node(1, "alice@example.com");
  linux_box.posture_attrs["node:os"] = "linux";
  NodeIdentity mac = user_node(2, "bob@example.com");
  mac.posture_attrs["node:os"] = "macos";
  v->upsert(dev(1), linux_box);
  v->upsert(dev(2), mac);
  v->upsert(dev(3), tagged_node(3, {"tag:db"}));
  BOOST_TEST(v->peers_of(dev(3)) == ids({1}));
  for (const auto& r : v->inbound_filter(dev(3)))
    BOOST_TEST(r.sources == (std::vector<util::IpPrefix>{prefix("100.64.0.1/32"), prefix("fd7a:115c:a1e0::1/128")}));
  // An update of the posture report moves bob in.
  mac.posture_attrs["node:os"] = "linux";
  auto change = v->upsert(dev(2), mac);
  BOOST_TEST(v->peers_of(dev(3)) == ids({1, 2}));
  BOOST_TEST_REQUIRE(delta_of(change, 3) != nullptr);
  BOOST_TEST(delta_of(change, 3)->filter_changed);
}

BOOST_AUTO_TEST_CASE(join_gives_the_new_device_all_its_peers_and_each_peer_the_device) {
  auto v = make(kGroups);
  v->upsert(dev(1), user_node(1, "alice@example.com"));
  v->upsert(dev(3), user_node(3, "carol@example.com"));
  auto change = v->upsert(dev(4), tagged_node(4, {"tag:db"}));
  BOOST_TEST(change.nodes.size() == 3u);
  BOOST_TEST(delta_of(change, 4)->peers_added == ids({1, 3}));
  BOOST_TEST(delta_of(change, 4)->filter_changed);
  BOOST_TEST(delta_of(change, 1)->peers_added == ids({4}));
  BOOST_TEST(!delta_of(change, 1)->filter_changed);  // db reaches nobody
  BOOST_TEST(delta_of(change, 3)->peers_added == ids({4}));
  // The same identity again changes nothing.
  BOOST_TEST(v->upsert(dev(4), tagged_node(4, {"tag:db"})).empty());
}

BOOST_AUTO_TEST_CASE(remove_tells_each_former_peer_and_nobody_else) {
  auto v = make(kGroups);
  v->upsert(dev(1), user_node(1, "alice@example.com"));
  v->upsert(dev(3), user_node(3, "carol@example.com"));
  v->upsert(dev(4), tagged_node(4, {"tag:db"}));
  v->upsert(dev(5), tagged_node(5, {"tag:web"}));
  auto change = v->remove(dev(1));
  BOOST_TEST_REQUIRE(change.nodes.size() == 1u);
  BOOST_TEST(change.nodes[0].node == dev(4));
  BOOST_TEST(change.nodes[0].peers_removed == ids({1}));
  BOOST_TEST(change.nodes[0].filter_changed);
  BOOST_TEST(!v->contains(dev(1)));
  BOOST_TEST(v->peers_of(dev(1)).empty());
  BOOST_TEST(v->peers_of(dev(4)) == ids({3}));
  BOOST_TEST(v->remove(dev(1)).empty());
  BOOST_TEST(v->size() == 3u);
}

BOOST_AUTO_TEST_CASE(policy_change_adds_and_removes_peers) {
  auto v = make(kGroups);
  v->upsert(dev(1), user_node(1, "alice@example.com"));
  v->upsert(dev(3), user_node(3, "carol@example.com"));
  v->upsert(dev(4), tagged_node(4, {"tag:db"}));
  v->upsert(dev(5), tagged_node(5, {"tag:web"}));
  // eng now reaches web instead of db.
  auto change = v->set_policy(R"({
    "groups": {"group:eng": ["alice@example.com", "bob@example.com"], "group:ops": ["carol@example.com"]},
    "tagOwners": {"tag:db": ["group:ops"], "tag:web": ["group:ops"]},
    "acls": [
      {"action": "accept", "src": ["group:eng"], "dst": ["tag:web:443"]},
      {"action": "accept", "src": ["group:ops"], "dst": ["tag:db:*", "tag:web:*"]},
    ],
  })");
  BOOST_TEST_REQUIRE(change.ok());
  BOOST_TEST(v->peers_of(dev(1)) == ids({5}));
  BOOST_TEST(v->peers_of(dev(4)) == ids({3}));
  BOOST_TEST(v->peers_of(dev(5)) == ids({1, 3}));
  BOOST_TEST(delta_of(*change, 1)->peers_added == ids({5}));
  BOOST_TEST(delta_of(*change, 1)->peers_removed == ids({4}));
  BOOST_TEST(delta_of(*change, 4)->peers_removed == ids({1}));
  BOOST_TEST(delta_of(*change, 5)->peers_added == ids({1}));
  BOOST_TEST(delta_of(*change, 3) == nullptr);  // ops saw db and web before and after
}

BOOST_AUTO_TEST_CASE(a_user_added_to_a_group_gets_the_groups_peers) {
  auto v = make(kGroups);
  v->upsert(dev(1), user_node(1, "alice@example.com"));
  v->upsert(dev(4), tagged_node(4, {"tag:db"}));
  v->upsert(dev(5), tagged_node(5, {"tag:web"}));
  v->upsert(dev(6), user_node(6, "dave@example.com"));
  std::string edited = kGroups;
  edited.replace(edited.find("[\"carol@example.com\"]"), 21, "[\"carol@example.com\", \"dave@example.com\"]");
  auto change = v->set_policy(edited);
  BOOST_TEST_REQUIRE(change.ok(), (change.ok() ? "" : change.error().detail));
  BOOST_TEST(v->peers_of(dev(6)) == ids({4, 5}));
  BOOST_TEST(v->peers_of(dev(5)) == ids({6}));
  BOOST_TEST(change->recomputed == 1u);
  BOOST_TEST_REQUIRE(delta_of(*change, 4) != nullptr);
  BOOST_TEST(delta_of(*change, 4)->peers_added == ids({6}));
  BOOST_TEST(delta_of(*change, 4)->filter_changed);
  BOOST_TEST(delta_of(*change, 1) == nullptr);
}

BOOST_AUTO_TEST_CASE(a_rule_edit_touching_two_groups_recomputes_only_those) {
  std::string head = R"({"groups": {)";
  for (int g = 0; g < 10; ++g) {
    head += "\"group:g" + std::to_string(g) + "\": [";
    for (int u = 0; u < 5; ++u) head += "\"u" + std::to_string(g * 5 + u) + "@example.com\",";
    head += "],";
  }
  head += "}, \"acls\": [";
  std::string rules;
  for (int g = 0; g < 10; ++g)
    rules += R"({"action": "accept", "src": ["group:g)" + std::to_string(g) + R"("], "dst": ["group:g)" +
             std::to_string(g) + ":*\"]},";
  auto v = make(head + rules + "]}");
  for (int n = 0; n < 50; ++n) v->upsert(dev(n + 1), user_node(n + 1, "u" + std::to_string(n) + "@example.com"));
  BOOST_TEST(v->peers_of(dev(1)).size() == 4u);
  auto change = v->set_policy(head + rules + R"({"action": "accept", "src": ["group:g1"], "dst": ["group:g2:22"]}]})");
  BOOST_TEST_REQUIRE(change.ok());
  BOOST_TEST(change->recomputed <= 10u);
  BOOST_TEST(change->nodes.size() == 10u);
  BOOST_TEST(v->peers_of(dev(6)).size() == 9u);   // g1: its 4 plus g2's 5
  BOOST_TEST(v->peers_of(dev(11)).size() == 9u);  // g2: its 4 plus g1's 5
  BOOST_TEST(v->peers_of(dev(16)).size() == 4u);
  for (const auto& d : change->nodes) BOOST_TEST((d.node.value >= 6 && d.node.value <= 15));
}

BOOST_AUTO_TEST_CASE(a_refused_policy_leaves_the_old_one_in_force) {
  auto v = make(kGroups);
  v->upsert(dev(1), user_node(1, "alice@example.com"));
  v->upsert(dev(4), tagged_node(4, {"tag:db"}));
  auto change = v->set_policy(R"({"acls": [{"action": "accept", "src": ["tag:nope"], "dst": ["*:*"]}]})");
  BOOST_TEST_REQUIRE(!change.ok());
  BOOST_TEST(change.error().code == "coord.policy_invalid");
  BOOST_TEST(v->peers_of(dev(1)) == ids({4}));
}

BOOST_AUTO_TEST_CASE(contributions_and_prefix_rules_make_up_the_filter) {
  // Device 2 reaches tag:web as a member and by its address in "hosts"; "*" opens udp 53.
  auto v = make(R"({
    "tagOwners": {"tag:web": ["owner@example.com"]},
    "hosts": {"two": "100.64.0.2"},
    "acls": [
      {"action": "accept", "src": ["autogroup:member"], "proto": "tcp", "dst": ["tag:web:443"]},
      {"action": "accept", "src": ["two"], "proto": "tcp", "dst": ["tag:web:443"]},
      {"action": "accept", "src": ["*"], "proto": "udp", "dst": ["tag:web:53"]},
      {"action": "accept", "src": ["autogroup:member"], "proto": "udp", "dst": ["tag:web:53"]}
    ]})");
  v->upsert(dev(1), tagged_node(1, {"tag:web"}));
  v->upsert(dev(2), user_node(2, "alice@example.com"));
  v->upsert(dev(3), user_node(3, "bob@example.com"));
  // Device 3 is listed on tcp 443 by both addresses; udp 53 already admits everyone.
  const auto three = v->contribution(dev(3), dev(1));
  BOOST_REQUIRE(three.size() == 1u);
  BOOST_TEST(three[0].protocol == 6);
  BOOST_TEST(three[0].port_first == 443);
  BOOST_TEST((three[0].sources == std::vector<util::IpPrefix>{prefix("100.64.0.3/32"), prefix("fd7a:115c:a1e0::3/128")}));
  BOOST_TEST((three[0].destinations == std::vector<util::IpPrefix>{prefix("100.64.0.1/32"), prefix("fd7a:115c:a1e0::1/128")}));
  // Device 2's IPv4 address is the policy's own prefix there: only its IPv6 address is its own.
  const auto two = v->contribution(dev(2), dev(1));
  BOOST_REQUIRE(two.size() == 1u);
  BOOST_TEST((two[0].sources == std::vector<util::IpPrefix>{prefix("fd7a:115c:a1e0::2/128")}));
  const auto named = v->prefix_rules(dev(1));
  BOOST_REQUIRE(named.size() == 2u);  // tcp 443 from 100.64.0.2/32; udp 53 from everyone
  BOOST_TEST((named[0].sources == std::vector<util::IpPrefix>{prefix("100.64.0.2/32")}));
  BOOST_TEST((named[1].sources == std::vector<util::IpPrefix>{prefix("0.0.0.0/0"), prefix("::/0")}));
  BOOST_TEST(v->contribution(dev(1), dev(1)).empty());
  BOOST_TEST(v->contribution(dev(1), dev(3)).empty());  // tag:web reaches nobody
  BOOST_TEST(v->contribution(dev(9), dev(1)).empty());  // not in the view
  BOOST_TEST((v->source_prefixes(dev(2)) == std::vector<util::IpPrefix>{prefix("100.64.0.2/32"), prefix("fd7a:115c:a1e0::2/128")}));
}

BOOST_AUTO_TEST_SUITE_END()
