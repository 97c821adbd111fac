// Tests of the control client's netmap model (lib/controlclient/netmap.h): full maps replace,
// deltas apply in order, and refused input leaves the model unchanged.
#define BOOST_TEST_MODULE controlclient_netmap
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <string>

#include "controlclient/netmap.h"

namespace weft::controlclient {
namespace {

using control::NodeId;

control::Peer peer(uint64_t id, const std::string& name = "") {
  control::Peer p;
  p.id = NodeId{id};
  p.name = name.empty() ? "n" + std::to_string(id) : name;
  return p;
}

control::MapResponse full(uint64_t seq, std::initializer_list<uint64_t> ids) {
  control::MapResponse m;
  m.seq = seq;
  m.self = peer(1, "self");
  for (uint64_t id : ids) m.peers.push_back(peer(id));
  m.policy_version = 5;
  return m;
}

util::IpPrefix pfx(const char* text) { return *util::IpPrefix::parse(text); }

control::FilterRule rule(uint16_t proto, std::initializer_list<const char*> sources) {
  control::FilterRule r;
  for (const char* s : sources) r.sources.push_back(pfx(s));
  r.destinations = {pfx("100.64.0.1/32")};
  r.protocol = proto;
  return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(netmap)

BOOST_AUTO_TEST_CASE(a_full_map_replaces_everything) {
  NetMap map;
  BOOST_REQUIRE(replace_netmap(map, full(10, {2, 3, 4})).ok());
  auto c = replace_netmap(map, full(1, {5}));
  BOOST_REQUIRE(c.ok());
  BOOST_TEST(c->full);
  BOOST_TEST(c->peers == 1u);
  BOOST_TEST(!c->policy_changed);
  BOOST_TEST(map.seq == 1u);  // a new stream starts its own numbering
  BOOST_TEST(map.peers.size() == 1u);
  BOOST_TEST(map.peers.count(NodeId{5}) == 1u);
}

BOOST_AUTO_TEST_CASE(refuses_a_full_map_naming_a_peer_twice_or_itself) {
  NetMap map;
  BOOST_REQUIRE(replace_netmap(map, full(1, {2})).ok());
  auto twice = replace_netmap(map, full(2, {3, 3}));
  BOOST_REQUIRE(!twice.ok());
  BOOST_TEST(twice.error().code == "controlclient.duplicate_peer");
  auto self = replace_netmap(map, full(2, {1}));
  BOOST_REQUIRE(!self.ok());
  BOOST_TEST(self.error().code == "controlclient.self_as_peer");
  BOOST_TEST(map.seq == 1u);
  BOOST_TEST(map.peers.count(NodeId{2}) == 1u);
}

BOOST_AUTO_TEST_CASE(refuses_a_delta_before_a_full_map_or_after_a_gap) {
  NetMap map;
  control::MapDelta d;
  d.seq = 1;
  BOOST_TEST(apply_delta(map, control::MapDelta(d)).error().code == "controlclient.no_map");
  BOOST_REQUIRE(replace_netmap(map, full(4, {2})).ok());
  d.seq = 4;  // a repeat
  d.removed = {NodeId{2}};
  BOOST_TEST(apply_delta(map, control::MapDelta(d)).error().code == "controlclient.seq_gap");
  d.seq = 6;
  BOOST_TEST(apply_delta(map, control::MapDelta(d)).error().code == "controlclient.seq_gap");
  BOOST_TEST(map.peers.size() == 1u);
  BOOST_TEST(map.seq == 4u);
}

BOOST_AUTO_TEST_CASE(upserts_then_removals_and_unknown_removals_are_counted) {
  NetMap map;
  BOOST_REQUIRE(replace_netmap(map, full(1, {2, 3})).ok());
  control::MapDelta d;
  d.seq = 2;
  d.upserted = {peer(2, "renamed"), peer(9)};
  d.removed = {NodeId{3}, NodeId{42}};
  auto c = apply_delta(map, std::move(d));
  BOOST_REQUIRE(c.ok());
  BOOST_TEST(c->upserted == 2u);
  BOOST_TEST(c->removed == 1u);
  BOOST_TEST(c->unknown_removed == 1u);
  BOOST_TEST(!c->filter_changed);
  BOOST_TEST(!c->policy_changed);
  BOOST_TEST(map.peers.at(NodeId{2}).name == "renamed");
  BOOST_TEST(map.peers.count(NodeId{9}) == 1u);
  BOOST_TEST(map.peers.count(NodeId{3}) == 0u);
}

BOOST_AUTO_TEST_CASE(refuses_a_delta_upserting_the_node_itself) {
  NetMap map;
  BOOST_REQUIRE(replace_netmap(map, full(1, {2})).ok());
  control::MapDelta d;
  d.seq = 2;
  d.upserted = {peer(3), peer(1)};
  auto c = apply_delta(map, std::move(d));
  BOOST_REQUIRE(!c.ok());
  BOOST_TEST(c.error().code == "controlclient.self_as_peer");
  BOOST_TEST(map.peers.count(NodeId{3}) == 0u);
  BOOST_TEST(map.seq == 1u);
}

BOOST_AUTO_TEST_CASE(sets_filter_self_and_policy_version_when_present) {
  NetMap map;
  BOOST_REQUIRE(replace_netmap(map, full(1, {2})).ok());
  control::MapDelta d;
  d.seq = 2;
  d.filter = std::vector<control::FilterRule>(3);
  d.self = peer(1, "new-self");
  d.policy_version = 6;
  auto c = apply_delta(map, std::move(d));
  BOOST_REQUIRE(c.ok());
  BOOST_TEST(c->filter_changed);
  BOOST_TEST(c->self_changed);
  BOOST_TEST(c->policy_changed);
  BOOST_TEST(map.filter.size() == 3u);
  BOOST_TEST(map.self.name == "new-self");
  BOOST_TEST(map.policy_version == 6u);
}

BOOST_AUTO_TEST_CASE(removes_sources_then_merges_added_rules) {
  NetMap map;
  auto m = full(1, {2});
  m.filter = {rule(6, {"100.64.0.2/32", "100.64.0.3/32"}), rule(17, {"100.64.0.3/32"})};
  BOOST_REQUIRE(replace_netmap(map, std::move(m)).ok());
  control::MapDelta d;
  d.seq = 2;
  d.filter_sources_removed = {pfx("100.64.0.3/32")};
  // Merged into tcp's rule in order; icmp (1) is new and goes before tcp, as the server sorts.
  d.filter_added = {rule(6, {"100.64.0.4/32"}), rule(1, {"100.64.0.4/32"})};
  auto c = apply_delta(map, std::move(d));
  BOOST_REQUIRE(c.ok());
  BOOST_TEST(c->filter_changed);
  const std::vector<control::FilterRule> want = {rule(1, {"100.64.0.4/32"}),
                                                 rule(6, {"100.64.0.2/32", "100.64.0.4/32"})};
  BOOST_REQUIRE(map.filter.size() == want.size());  // udp's rule lost its only source
  for (std::size_t i = 0; i < want.size(); ++i) {
    BOOST_TEST(map.filter[i].protocol == want[i].protocol);
    BOOST_TEST(map.filter[i].sources == want[i].sources);
  }
}

BOOST_AUTO_TEST_CASE(merges_a_few_sources_into_a_long_rule_in_order) {
  NetMap map;
  auto m = full(1, {2});
  control::FilterRule big = rule(6, {});
  for (int i = 1; i <= 60; i += 2) big.sources.push_back(pfx(("100.64.1." + std::to_string(i) + "/32").c_str()));
  std::sort(big.sources.begin(), big.sources.end());
  m.filter = {big};
  BOOST_REQUIRE(replace_netmap(map, std::move(m)).ok());
  control::MapDelta d;
  d.seq = 2;
  d.filter_added = {rule(6, {"100.64.1.8/32", "100.64.1.3/32", "100.64.1.200/32"})};
  BOOST_REQUIRE(apply_delta(map, std::move(d)).ok());
  BOOST_REQUIRE(map.filter.size() == 1u);
  const auto& got = map.filter[0].sources;
  BOOST_TEST(got.size() == 32u);  // 100.64.1.3 was there already
  BOOST_TEST(std::is_sorted(got.begin(), got.end()));
  BOOST_TEST(std::binary_search(got.begin(), got.end(), pfx("100.64.1.8/32")));
  BOOST_TEST(std::binary_search(got.begin(), got.end(), pfx("100.64.1.200/32")));
}

BOOST_AUTO_TEST_CASE(refuses_a_whole_filter_with_incremental_changes) {
  NetMap map;
  BOOST_REQUIRE(replace_netmap(map, full(1, {2})).ok());
  control::MapDelta d;
  d.seq = 2;
  d.filter = std::vector<control::FilterRule>{};
  d.filter_added = {rule(6, {"100.64.0.4/32"})};
  auto c = apply_delta(map, std::move(d));
  BOOST_REQUIRE(!c.ok());
  BOOST_TEST(c.error().code == "controlclient.filter_conflict");
  BOOST_TEST(map.seq == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace weft::controlclient
