// Tests of the control client's netmap model (lib/controlclient/netmap.h): full maps replace,
// deltas apply in order, and refused input leaves the model unchanged.
#define BOOST_TEST_MODULE controlclient_netmap
#include <boost/test/unit_test.hpp>

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

BOOST_AUTO_TEST_SUITE_END()

}  // namespace weft::controlclient
