// Cryptokey routing table: longest-prefix match over IPv4 and IPv6 (whitepaper section 2).
#define BOOST_TEST_MODULE wg_allowed_ips
#include <boost/test/unit_test.hpp>

#include <map>

#include "core/random.h"
#include "wg/allowed_ips.h"

using namespace weft::wg;

namespace {
PeerId look4(const AllowedIps& t, uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  uint8_t addr[4] = {a, b, c, d};
  return t.lookup(4, addr);
}


// Longest-prefix match by scanning every entry: the reference for the trie.
PeerId brute_lookup(const std::map<std::pair<uint32_t, uint8_t>, PeerId>& entries, uint32_t addr) {
  PeerId best = kNoPeer;
  int best_len = -1;
  for (const auto& [prefix, peer] : entries) {
    uint32_t mask = prefix.second == 0 ? 0 : ~uint32_t{0} << (32 - prefix.second);
    if ((addr & mask) == prefix.first && prefix.second > best_len) {
      best = peer;
      best_len = prefix.second;
    }
  }
  return best;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(allowed_ips)

BOOST_AUTO_TEST_CASE(picks_the_longest_matching_ipv4_prefix) {
  AllowedIps t;
  t.insert(AllowedIp::v4(0, 0, 0, 0, 0), 1);
  t.insert(AllowedIp::v4(10, 0, 0, 0, 8), 2);
  t.insert(AllowedIp::v4(10, 1, 0, 0, 16), 3);
  t.insert(AllowedIp::v4(10, 1, 2, 0, 24), 4);
  t.insert(AllowedIp::v4(10, 1, 2, 3, 32), 5);
  BOOST_TEST(look4(t, 10, 1, 2, 3) == 5u);
  BOOST_TEST(look4(t, 10, 1, 2, 4) == 4u);
  BOOST_TEST(look4(t, 10, 1, 3, 4) == 3u);
  BOOST_TEST(look4(t, 10, 9, 9, 9) == 2u);
  BOOST_TEST(look4(t, 192, 0, 2, 1) == 1u);
}

BOOST_AUTO_TEST_CASE(returns_no_peer_without_a_match) {
  AllowedIps t;
  t.insert(AllowedIp::v4(100, 64, 0, 0, 10), 1);
  BOOST_TEST(look4(t, 100, 64, 0, 1) == 1u);
  BOOST_TEST(look4(t, 100, 128, 0, 1) == kNoPeer);
  uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8};
  BOOST_TEST(t.lookup(6, v6) == kNoPeer);
  BOOST_TEST(t.lookup(5, v6) == kNoPeer);
}

BOOST_AUTO_TEST_CASE(matches_ipv6_prefixes) {
  AllowedIps t;
  std::array<uint8_t, 16> net{0xfd, 0x7a, 0x11, 0x5c, 0xa1, 0xe0};
  t.insert(AllowedIp::v6(net, 48), 1);
  std::array<uint8_t, 16> host = net;
  host[15] = 9;
  t.insert(AllowedIp::v6(host, 128), 2);
  BOOST_TEST(t.lookup(6, host.data()) == 2u);
  host[15] = 10;
  BOOST_TEST(t.lookup(6, host.data()) == 1u);
  host[6] = 0xff;
  BOOST_TEST(t.lookup(6, host.data()) == 1u);  // still inside the /48
  host[5] ^= 1;
  BOOST_TEST(t.lookup(6, host.data()) == kNoPeer);
}

BOOST_AUTO_TEST_CASE(moves_a_prefix_to_its_new_owner_and_removes_peers) {
  AllowedIps t;
  t.insert(AllowedIp::v4(10, 0, 0, 0, 8), 1);
  t.insert(AllowedIp::v4(10, 0, 0, 0, 8), 2);
  BOOST_TEST(look4(t, 10, 2, 3, 4) == 2u);
  BOOST_TEST(t.size() == 1u);
  t.insert(AllowedIp::v4(192, 168, 0, 0, 16), 1);
  BOOST_TEST(t.prefixes_of(1).size() == 1u);
  t.remove_peer(2);
  BOOST_TEST(look4(t, 10, 2, 3, 4) == kNoPeer);
  BOOST_TEST(look4(t, 192, 168, 4, 4) == 1u);
}

BOOST_AUTO_TEST_CASE(answers_a_repeated_lookup_anew_after_every_change) {
  // The last answer per family is remembered: each change must make it forgotten.
  AllowedIps t;
  t.insert(AllowedIp::v4(10, 0, 0, 0, 8), 1);
  BOOST_TEST(look4(t, 10, 1, 2, 3) == 1u);
  BOOST_TEST(look4(t, 10, 1, 2, 3) == 1u);
  t.insert(AllowedIp::v4(10, 1, 0, 0, 16), 2);
  BOOST_TEST(look4(t, 10, 1, 2, 3) == 2u);
  t.insert(AllowedIp::v4(10, 1, 0, 0, 16), 3);
  BOOST_TEST(look4(t, 10, 1, 2, 3) == 3u);
  t.remove_peer(3);
  BOOST_TEST(look4(t, 10, 1, 2, 3) == 1u);
  t.remove_peer(1);
  BOOST_TEST(look4(t, 10, 1, 2, 3) == kNoPeer);
  t.insert(AllowedIp::v4(0, 0, 0, 0, 0), 4);
  BOOST_TEST(look4(t, 10, 1, 2, 3) == 4u);

  // Families apart: the same leading bytes as an IPv6 address are another lookup.
  std::array<uint8_t, 16> six{10, 1, 2, 3};
  BOOST_TEST(t.lookup(6, six.data()) == kNoPeer);
  t.insert(AllowedIp::v6(six, 128), 5);
  BOOST_TEST(t.lookup(6, six.data()) == 5u);
  BOOST_TEST(look4(t, 10, 1, 2, 3) == 4u);
  six[15] = 1;  // differs only in the last byte from the remembered address
  BOOST_TEST(t.lookup(6, six.data()) == kNoPeer);
}

BOOST_AUTO_TEST_CASE(masks_host_bits_and_clamps_lengths) {
  AllowedIp p = AllowedIp::v4(10, 1, 2, 3, 8);
  BOOST_TEST(p.address[1] == 0);
  BOOST_TEST(p.address[0] == 10);
  AllowedIp q = AllowedIp::v4(10, 1, 2, 3, 99);
  BOOST_TEST(q.cidr == 32);
  BOOST_TEST(q.address[3] == 3);
}

BOOST_AUTO_TEST_CASE(matches_a_linear_scan_after_random_inserts_moves_and_removals) {
  // Short prefixes inside 10.0.0.0/20 so that they nest and collide; enough removals to make
  // the table compact itself several times on the way.
  weft::core::SeededRandom r(11);
  AllowedIps t;
  std::map<std::pair<uint32_t, uint8_t>, PeerId> model;
  for (int step = 0; step < 6000; ++step) {
    PeerId peer = static_cast<PeerId>(r.next() % 40);
    if (r.next() % 5 == 0) {
      t.remove_peer(peer);
      for (auto it = model.begin(); it != model.end();) {
        it = it->second == peer ? model.erase(it) : std::next(it);
      }
    } else {
      uint8_t cidr = static_cast<uint8_t>(20 + r.next() % 13);
      uint32_t addr = 0x0a000000u | static_cast<uint32_t>(r.next() % 4096);
      addr &= ~uint32_t{0} << (32 - cidr);
      t.insert(AllowedIp::v4(10, 0, static_cast<uint8_t>(addr >> 8), static_cast<uint8_t>(addr),
                             cidr),
               peer);
      model[{addr, cidr}] = peer;
    }
    BOOST_REQUIRE(t.size() == model.size());
    for (int probe = 0; probe < 8; ++probe) {
      uint32_t a = 0x0a000000u | static_cast<uint32_t>(r.next() % 4096);
      BOOST_REQUIRE(look4(t, 10, 0, static_cast<uint8_t>(a >> 8), static_cast<uint8_t>(a)) ==
                    brute_lookup(model, a));
    }
  }
  std::size_t listed = 0;
  for (PeerId peer = 0; peer < 40; ++peer) listed += t.prefixes_of(peer).size();
  BOOST_TEST(listed == model.size());
}

BOOST_AUTO_TEST_CASE(lists_a_peers_prefixes_in_order_after_a_move) {
  AllowedIps t;
  t.insert(AllowedIp::v4(10, 2, 0, 0, 16), 1);
  t.insert(AllowedIp::v4(10, 1, 0, 0, 16), 1);
  t.insert(AllowedIp::v4(10, 3, 0, 0, 16), 2);
  t.insert(AllowedIp::v4(10, 2, 0, 0, 16), 2);  // moves from peer 1
  auto one = t.prefixes_of(1);
  BOOST_REQUIRE(one.size() == 1u);
  BOOST_TEST(one[0].address[1] == 1);
  auto two = t.prefixes_of(2);
  BOOST_REQUIRE(two.size() == 2u);
  BOOST_TEST(two[0].address[1] == 2);
  BOOST_TEST(two[1].address[1] == 3);
  t.remove_peer(1);
  BOOST_TEST(look4(t, 10, 2, 9, 9) == 2u);
  BOOST_TEST(look4(t, 10, 1, 9, 9) == kNoPeer);
}

BOOST_AUTO_TEST_SUITE_END()
