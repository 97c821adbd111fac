#define BOOST_TEST_MODULE wg_peer_reconcile
#include <boost/test/unit_test.hpp>

#include "harness.h"
#include "wg/peer_reconcile.h"

using namespace weft::wg;
using namespace weft::wg::test;
using namespace std::chrono_literals;

namespace {

PublicKey key_of(uint64_t seed) {
  Node n(seed, Path::v4(203, 0, 113, static_cast<uint8_t>(seed), 1));
  return n.device.public_key();
}

PeerConfig peer(uint64_t seed, uint8_t ip) {
  PeerConfig c;
  c.public_key = key_of(seed);
  c.allowed_ips.push_back(AllowedIp::v4(100, 64, 1, ip, 32));
  return c;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(peer_reconcile)

BOOST_AUTO_TEST_CASE(adds_updates_and_removes_with_uapi_semantics) {
  Pair net;
  Device& d = net.a.device;
  PeerChanges ch;
  PeerUpdate add;
  add.public_key = key_of(10);
  add.endpoint = Path::v4(198, 51, 100, 1, 5);
  add.persistent_keepalive = 25s;
  add.allowed_ips = {AllowedIp::v4(10, 0, 0, 0, 8)};
  ch.peers.push_back(add);
  PeerUpdate absent;
  absent.public_key = key_of(11);
  absent.update_only = true;  // not created
  ch.peers.push_back(absent);
  PeerUpdate own;
  own.public_key = d.public_key();  // ignored
  ch.peers.push_back(own);
  PeerChangeSummary s = apply_peer_changes(d, net.now(), ch);
  BOOST_TEST(s.added == 1u);
  BOOST_TEST(s.updated == 0u);
  PeerId id = d.find_peer(key_of(10));
  BOOST_REQUIRE(id != kNoPeer);
  BOOST_TEST(d.find_peer(key_of(11)) == kNoPeer);
  BOOST_TEST(d.peers().size() == 2u);
  BOOST_TEST((d.peer_stats(id).endpoint == Path::v4(198, 51, 100, 1, 5)));
  BOOST_TEST((d.peer_stats(id).persistent_keepalive == 25s));

  // Appending, then replacing allowed IPs; then removing.
  PeerChanges more;
  PeerUpdate append;
  append.public_key = key_of(10);
  append.allowed_ips = {AllowedIp::v4(10, 1, 0, 0, 16)};
  more.peers.push_back(append);
  apply_peer_changes(d, net.now(), more);
  BOOST_TEST(d.allowed_ips(id).size() == 2u);
  more.peers[0].replace_allowed_ips = true;
  BOOST_TEST(apply_peer_changes(d, net.now(), more).updated == 1u);
  BOOST_TEST(d.allowed_ips(id).size() == 1u);
  PeerChanges gone;
  PeerUpdate rm;
  rm.public_key = key_of(10);
  rm.remove = true;
  gone.peers = {rm, rm};  // removing an absent peer is a no-op
  BOOST_TEST(apply_peer_changes(d, net.now(), gone).removed == 1u);
  BOOST_TEST(d.find_peer(key_of(10)) == kNoPeer);
}

BOOST_AUTO_TEST_CASE(replace_peers_removes_everyone_first) {
  Pair net;
  PeerChanges ch;
  ch.replace_peers = true;
  PeerUpdate add;
  add.public_key = key_of(12);
  ch.peers.push_back(add);
  PeerChangeSummary s = apply_peer_changes(net.a.device, net.now(), ch);
  BOOST_TEST(s.removed == 1u);
  BOOST_TEST(s.added == 1u);
  BOOST_TEST(net.a.device.find_peer(net.b.device.public_key()) == kNoPeer);
}

BOOST_AUTO_TEST_CASE(reaching_a_desired_set_keeps_the_sessions_of_kept_peers) {
  Pair net;
  net.handshake();
  BOOST_REQUIRE(net.a.device.peer_stats(net.a.peer).has_session);
  // The desired set: B (same allowed IPs plus one more, no endpoint given) and a new peer; the
  // device's third peer goes away.
  Device& d = net.a.device;
  PeerChanges pre;
  PeerUpdate extra;
  extra.public_key = key_of(20);
  pre.peers.push_back(extra);
  apply_peer_changes(d, net.now(), pre);
  PeerConfig b = net.peer_config(net.b, 2);
  b.endpoint = Path{};
  b.allowed_ips.push_back(AllowedIp::v4(10, 2, 0, 0, 16));
  std::vector<PeerConfig> desired = {b, peer(21, 9)};
  PeerChangeSummary s = apply_peer_changes(d, net.now(), changes_to_reach(d, desired));
  BOOST_TEST(s.removed == 1u);
  BOOST_TEST(s.added == 1u);
  BOOST_TEST(s.updated == 1u);
  BOOST_TEST(d.find_peer(key_of(20)) == kNoPeer);
  BOOST_TEST(d.find_peer(key_of(21)) != kNoPeer);
  BOOST_TEST(d.find_peer(net.b.device.public_key()) == net.a.peer);
  BOOST_TEST(d.peer_stats(net.a.peer).has_session);
  BOOST_TEST((d.peer_stats(net.a.peer).endpoint == net.b.ep));  // the learned one is kept
  BOOST_TEST(d.allowed_ips(net.a.peer).size() == 2u);
  // Traffic still flows over the kept session, without a new handshake.
  std::size_t before = net.b.inbox.size();
  net.send(net.a, ipv4_packet(1, 2, 64));
  BOOST_TEST(net.b.inbox.size() == before + 1);
  // Reaching the same set again changes nothing but updates in place.
  PeerChangeSummary again = apply_peer_changes(d, net.now(), changes_to_reach(d, desired));
  BOOST_TEST(again.added == 0u);
  BOOST_TEST(again.removed == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
