// Cryptokey routing table: longest-prefix match over IPv4 and IPv6 (whitepaper section 2).
#define BOOST_TEST_MODULE wg_allowed_ips
#include <boost/test/unit_test.hpp>

#include "wg/allowed_ips.h"

using namespace weft::wg;

namespace {
PeerId look4(const AllowedIps& t, uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  uint8_t addr[4] = {a, b, c, d};
  return t.lookup(4, addr);
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

BOOST_AUTO_TEST_CASE(masks_host_bits_and_clamps_lengths) {
  AllowedIp p = AllowedIp::v4(10, 1, 2, 3, 8);
  BOOST_TEST(p.address[1] == 0);
  BOOST_TEST(p.address[0] == 10);
  AllowedIp q = AllowedIp::v4(10, 1, 2, 3, 99);
  BOOST_TEST(q.cidr == 32);
  BOOST_TEST(q.address[3] == 3);
}

BOOST_AUTO_TEST_SUITE_END()
