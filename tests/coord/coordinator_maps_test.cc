// The coordinator's deltas as a client applies them (lib/coord/coordinator_maps.cc): a join or a
// leave changes other nodes' filters by sources (filter_added, filter_sources_removed), and the
// filter a node builds from its full map and every delta is the one the server would send whole.
#define BOOST_TEST_MODULE coordinator_maps
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "coord/coordinator_harness.h"

using namespace weft;
using namespace weft::coord;
using namespace weft::coord::test;

namespace {

// Members reach tag:web on 443 and their own devices; tag:web reaches members on 22; tag:db is
// open to everyone on 5432, so a member adds nothing to its filter there.
const char* kPolicy = R"({
  "tagOwners": {"tag:web": ["alice@example.com"], "tag:db": ["alice@example.com"]},
  "acls": [
    {"action": "accept", "src": ["autogroup:member"], "dst": ["tag:web:443", "autogroup:self:*"]},
    {"action": "accept", "src": ["tag:web"], "dst": ["autogroup:member:22"]},
    {"action": "accept", "src": ["*"], "dst": ["tag:db:5432"]},
    {"action": "accept", "src": ["autogroup:member"], "dst": ["tag:db:5432"]}
  ]
})";

// The filter the server holds for the node now: a fresh stream's full map.
std::vector<control::FilterRule> fresh_filter(World& w, TestNode& n, const std::string& name) {
  w.connect(n);
  w.send(n, w.register_request(n, "", name));
  control::MapRequest m;
  m.node_key = n.node_key;
  w.send(n, m);
  auto maps = n.received<control::MapResponse>();
  BOOST_REQUIRE(!maps.empty());
  return maps.back().filter;
}

std::string text_of(const std::vector<control::FilterRule>& filter) {
  std::string out;
  for (const auto& r : filter) {
    out += std::to_string(r.protocol) + " " + std::to_string(r.port_first) + "-" +
           std::to_string(r.port_last) + " from";
    for (const auto& s : r.sources) out += " " + s.to_string();
    out += " to";
    for (const auto& d : r.destinations) out += " " + d.to_string();
    out += "\n";
  }
  return out;
}

struct Seen {
  int whole = 0;
  int added = 0;
  int removed = 0;
};

// The filter changes in the node's deltas (its full maps left out).
Seen filter_deltas(const TestNode& n) {
  Seen s;
  for (const auto& d : n.received<control::MapDelta>()) {
    s.whole += d.filter.has_value();
    s.added += !d.filter_added.empty();
    s.removed += !d.filter_sources_removed.empty();
  }
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(coordinator_maps)

BOOST_AUTO_TEST_CASE(joins_and_leaves_change_other_filters_by_sources_and_match_the_server) {
  World w(kPolicy);
  TestNode& web = w.join(w.key("alice@example.com", {"tag:web"}), "web");
  TestNode& db = w.join(w.key("alice@example.com", {"tag:db"}), "db");
  const std::string bob = w.key("bob@example.com");
  TestNode& a = w.join(bob, "a");
  TestNode& b = w.join(bob, "b");
  TestNode& c = w.join(w.key("carol@example.com"), "c");
  BOOST_REQUIRE(w.coordinator->expire(DeviceId{id_of(a)}, w.now).ok());
  w.pump();
  BOOST_REQUIRE(w.coordinator->remove(DeviceId{id_of(c)}, w.now).ok());
  w.pump();
  TestNode& d = w.join(bob, "d");

  // web's filter changed with every member's join and leave, by sources only.
  const Seen at_web = filter_deltas(web);
  BOOST_TEST(at_web.whole == 0);
  BOOST_TEST(at_web.added == 4);    // a, b, c, d
  BOOST_TEST(at_web.removed == 2);  // a, c
  // db lists everyone by 0.0.0.0/0 and ::/0: members change nothing there.
  const Seen at_db = filter_deltas(db);
  BOOST_TEST(at_db.whole + at_db.added + at_db.removed == 0);
  // b's filter lists its own devices (autogroup:self) and tag:web: a's leave and d's join.
  const Seen at_b = filter_deltas(b);
  BOOST_TEST(at_b.whole == 0);
  BOOST_TEST(at_b.added == 1);
  BOOST_TEST(at_b.removed == 1);

  struct Node {
    TestNode* node;
    const char* name;
  };
  for (const Node& n : {Node{&web, "web"}, Node{&db, "db"}, Node{&b, "b"}, Node{&d, "d"}}) {
    const auto built = netmap_of(*n.node).filter;
    const auto server = fresh_filter(w, *n.node, n.name);
    BOOST_TEST(!server.empty());
    BOOST_TEST(text_of(built) == text_of(server), n.name);
  }
}

BOOST_AUTO_TEST_CASE(a_leaver_the_policy_also_names_by_address_is_sent_the_whole_filter) {
  World w(kPolicy);
  TestNode& web = w.join(w.key("alice@example.com", {"tag:web"}), "web");
  TestNode& a = w.join(w.key("bob@example.com"), "a");
  const std::string a_v4 = a.received<control::MapResponse>().at(0).self.addresses.at(0).to_string();
  // a's IPv4 address is also a host the policy names towards tag:web.
  const std::string policy = R"({
    "tagOwners": {"tag:web": ["alice@example.com"]},
    "hosts": {"a": ")" + a_v4 + R"("},
    "acls": [
      {"action": "accept", "src": ["autogroup:member"], "dst": ["tag:web:443"]},
      {"action": "accept", "src": ["a"], "dst": ["tag:web:443"]}
    ]})";
  BOOST_REQUIRE(w.coordinator->set_policy(policy, w.now).valid);
  w.pump();
  const Seen before = filter_deltas(web);
  BOOST_REQUIRE(w.coordinator->remove(DeviceId{id_of(a)}, w.now).ok());
  w.pump();
  const Seen after = filter_deltas(web);
  // Removing a's addresses from every rule would take the host's prefix out as well.
  BOOST_TEST(after.whole == before.whole + 1);
  BOOST_TEST(after.removed == before.removed);
  const auto built = netmap_of(web).filter;
  BOOST_TEST(text_of(built) == text_of(fresh_filter(w, web, "web")));
  BOOST_TEST(text_of(built).find(a_v4 + "/32") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
