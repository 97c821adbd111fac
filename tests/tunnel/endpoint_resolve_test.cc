#define BOOST_TEST_MODULE tunnel_endpoint_resolve
#include <boost/test/unit_test.hpp>

#include <chrono>

#include "tunnel/endpoint_resolve.h"

using namespace weft::tunnel;
using weft::core::SocketAddress;

BOOST_AUTO_TEST_SUITE(endpoint_resolve)

BOOST_AUTO_TEST_CASE(picks_the_first_address_the_socket_can_reach) {
  auto v6 = *SocketAddress::parse("[2001:db8::1]:51820");
  auto v4a = *SocketAddress::parse("192.0.2.1:51820");
  auto v4b = *SocketAddress::parse("192.0.2.2:51820");
  BOOST_TEST(pick_endpoint({v6, v4a, v4b}, true)->to_string() == v6.to_string());
  BOOST_TEST(pick_endpoint({v6, v4a, v4b}, false)->to_string() == v4a.to_string());
  BOOST_TEST(!pick_endpoint({v6}, false));
  BOOST_TEST(!pick_endpoint({}, true));
}

BOOST_AUTO_TEST_CASE(resolves_again_without_a_recent_handshake) {
  using std::chrono::seconds;
  auto now = std::chrono::system_clock::time_point{} + std::chrono::hours{1000};
  BOOST_TEST(needs_reresolve(std::nullopt, now));
  BOOST_TEST(!needs_reresolve(now - seconds{10}, now));
  BOOST_TEST(!needs_reresolve(now - seconds{135}, now));
  BOOST_TEST(needs_reresolve(now - seconds{136}, now));
}

BOOST_AUTO_TEST_CASE(resolves_localhost_and_reports_unknown_names) {
  auto local = resolve_endpoint_now(HostEndpoint{"localhost", 51820}, false);
  BOOST_REQUIRE(local.ok());
  BOOST_TEST(local->to_string() == "127.0.0.1:51820");
  auto missing = resolve_endpoint_now(HostEndpoint{"no-such-host.invalid", 1}, true);
  BOOST_REQUIRE(!missing.ok());
  BOOST_TEST(missing.error().code == "tunnel.resolve");
}

BOOST_AUTO_TEST_SUITE_END()
