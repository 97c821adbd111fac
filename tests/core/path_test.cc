#define BOOST_TEST_MODULE core_path
#include <boost/test/unit_test.hpp>

#include <cstring>
#include <type_traits>

#include "core/path.h"

using namespace weft;

BOOST_AUTO_TEST_SUITE(path)

BOOST_AUTO_TEST_CASE(parses_and_formats_v4_and_bracketed_v6) {
  auto a = core::SocketAddress::parse("192.0.2.1:51820");
  BOOST_REQUIRE(a.has_value());
  BOOST_TEST(a->port == 51820);
  BOOST_TEST(a->to_string() == "192.0.2.1:51820");
  auto b = core::SocketAddress::parse("[2001:db8::1]:1");
  BOOST_REQUIRE(b.has_value());
  BOOST_TEST(!b->address.is_v4());
  BOOST_TEST(b->to_string() == "[2001:db8::1]:1");
}

BOOST_AUTO_TEST_CASE(rejects_names_bad_ports_and_unbracketed_v6) {
  BOOST_TEST(!core::SocketAddress::parse("example.com:51820").has_value());
  BOOST_TEST(!core::SocketAddress::parse("192.0.2.1").has_value());
  BOOST_TEST(!core::SocketAddress::parse("192.0.2.1:0").has_value());
  BOOST_TEST(!core::SocketAddress::parse("192.0.2.1:65536").has_value());
  BOOST_TEST(!core::SocketAddress::parse("192.0.2.1:+5").has_value());
  BOOST_TEST(!core::SocketAddress::parse("2001:db8::1:51820").has_value());
  BOOST_TEST(!core::SocketAddress::parse("[2001:db8::1]51820").has_value());
  BOOST_TEST(!core::SocketAddress::parse("[192.0.2.1]:5").has_value());
  BOOST_TEST(!core::SocketAddress::parse("").has_value());
}

BOOST_AUTO_TEST_CASE(udp_paths_compare_by_address_and_port) {
  core::Path a = core::Path::v4(192, 0, 2, 1, 51820);
  BOOST_TEST(a.is_udp());
  BOOST_TEST((a == core::Path::to_udp(*core::SocketAddress::parse("192.0.2.1:51820"))));
  BOOST_TEST((a != core::Path::v4(192, 0, 2, 1, 51821)));
  BOOST_TEST(!core::Path{}.is_set());
  BOOST_TEST((core::Path{} != a));
  BOOST_TEST(a.to_string() == "192.0.2.1:51820");
}

BOOST_AUTO_TEST_CASE(host_key_ignores_the_udp_port_but_not_the_address) {
  core::Path a = core::Path::v4(192, 0, 2, 1, 1);
  BOOST_TEST((a.host_key() == core::Path::v4(192, 0, 2, 1, 2).host_key()));
  BOOST_TEST((a.host_key() != core::Path::v4(192, 0, 2, 2, 1).host_key()));
  // 192.0.2.1 and ::c000:201 share their first bytes; the family keeps them apart.
  auto v6 = core::SocketAddress::parse("[::c000:201]:1");
  BOOST_REQUIRE(v6.has_value());
  BOOST_TEST((a.host_key() != core::Path::to_udp(*v6).host_key()));
}

BOOST_AUTO_TEST_CASE(relayed_paths_are_keyed_by_relay_and_far_node) {
  core::NodePublicKey n1;
  core::NodePublicKey n2;
  n1.bytes[0] = 1;
  n2.bytes[0] = 2;
  core::Path r1 = core::Path::via_relay(3, n1);
  BOOST_TEST(r1.is_relay());
  BOOST_TEST((r1 == core::Path::via_relay(3, n1)));
  BOOST_TEST((r1 != core::Path::via_relay(3, n2)));
  BOOST_TEST((r1 != core::Path::via_relay(4, n1)));
  BOOST_TEST((r1.host_key() != core::Path::via_relay(3, n2).host_key()));
  BOOST_TEST((r1.host_key() != core::Path::via_relay(4, n1).host_key()));
  uint8_t c1[core::Path::kMaxCookieSource];
  uint8_t c2[core::Path::kMaxCookieSource];
  std::size_t l1 = r1.cookie_source(c1);
  std::size_t l2 = core::Path::via_relay(3, n2).cookie_source(c2);
  BOOST_TEST(l1 == l2);
  BOOST_TEST(std::memcmp(c1, c2, l1) != 0);
  BOOST_TEST(r1.to_string().rfind("relay 3 to 01", 0) == 0);
}

BOOST_AUTO_TEST_CASE(key_roles_are_distinct_types) {
  static_assert(!std::is_same_v<core::NodePublicKey, core::DiscoPublicKey>);
  static_assert(!std::is_convertible_v<core::NodePublicKey, core::MachinePublicKey>);
  static_assert(!std::is_copy_constructible_v<core::DiscoPublicKey> ||
                !std::is_constructible_v<core::DiscoPublicKey, core::NodePublicKey>);
  core::NodePublicKey k;
  BOOST_TEST(k.is_zero());
  k.bytes[5] = 1;
  BOOST_TEST(!k.is_zero());
}

BOOST_AUTO_TEST_SUITE_END()
