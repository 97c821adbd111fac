#define BOOST_TEST_MODULE tunnel_endpoint
#include <boost/test/unit_test.hpp>

#include "tunnel/endpoint.h"

using weft::tunnel::Endpoint;

BOOST_AUTO_TEST_SUITE(endpoint)

BOOST_AUTO_TEST_CASE(parses_and_formats_v4_and_bracketed_v6) {
  auto a = Endpoint::parse("192.0.2.1:51820");
  BOOST_REQUIRE(a.has_value());
  BOOST_TEST(a->port == 51820);
  BOOST_TEST(a->to_string() == "192.0.2.1:51820");
  auto b = Endpoint::parse("[2001:db8::1]:1");
  BOOST_REQUIRE(b.has_value());
  BOOST_TEST(!b->address.is_v4());
  BOOST_TEST(b->to_string() == "[2001:db8::1]:1");
}

BOOST_AUTO_TEST_CASE(rejects_names_bad_ports_and_unbracketed_v6) {
  BOOST_TEST(!Endpoint::parse("example.com:51820").has_value());
  BOOST_TEST(!Endpoint::parse("192.0.2.1").has_value());
  BOOST_TEST(!Endpoint::parse("192.0.2.1:0").has_value());
  BOOST_TEST(!Endpoint::parse("192.0.2.1:65536").has_value());
  BOOST_TEST(!Endpoint::parse("192.0.2.1:+5").has_value());
  BOOST_TEST(!Endpoint::parse("2001:db8::1:51820").has_value());
  BOOST_TEST(!Endpoint::parse("[2001:db8::1]51820").has_value());
  BOOST_TEST(!Endpoint::parse("[192.0.2.1]:5").has_value());
  BOOST_TEST(!Endpoint::parse("").has_value());
}

BOOST_AUTO_TEST_SUITE_END()
