// Protocol names and numbers as policy files write them.
#define BOOST_TEST_MODULE protocol
#include <boost/test/unit_test.hpp>

#include "policy/protocol.h"

using namespace weft::policy;

BOOST_AUTO_TEST_SUITE(protocol)

BOOST_AUTO_TEST_CASE(parses_iana_names) {
  BOOST_TEST(*protocol_from_text("tcp") == 6);
  BOOST_TEST(*protocol_from_text("udp") == 17);
  BOOST_TEST(*protocol_from_text("icmp") == 1);
  BOOST_TEST(*protocol_from_text("ipv6-icmp") == 58);
  BOOST_TEST(*protocol_from_text("icmpv6") == 58);
  BOOST_TEST(*protocol_from_text("sctp") == 132);
  BOOST_TEST(*protocol_from_text("igmp") == 2);
  BOOST_TEST(*protocol_from_text("ipv4") == 4);
  BOOST_TEST(*protocol_from_text("ip-in-ip") == 4);
  BOOST_TEST(*protocol_from_text("egp") == 8);
  BOOST_TEST(*protocol_from_text("igp") == 9);
  BOOST_TEST(*protocol_from_text("gre") == 47);
  BOOST_TEST(*protocol_from_text("esp") == 50);
  BOOST_TEST(*protocol_from_text("ah") == 51);
  BOOST_TEST(*protocol_from_text("TCP") == 6);
}

BOOST_AUTO_TEST_CASE(parses_every_number_from_0_to_255) {
  for (int n = 0; n <= 255; ++n) {
    auto p = protocol_from_text(std::to_string(n));
    BOOST_REQUIRE(p.has_value());
    BOOST_TEST(int{*p} == n);
  }
}

BOOST_AUTO_TEST_CASE(rejects_unknown_and_malformed_text) {
  for (const char* bad : {"", "256", "1000", "-1", "+6", "06", "tcpx", "ssh", " 6", "6 ", "0x6", "http"})
    BOOST_TEST(!protocol_from_text(bad).has_value(), bad);
}

BOOST_AUTO_TEST_CASE(names_known_protocols_and_numbers_the_rest) {
  BOOST_TEST(protocol_name(6) == "tcp");
  BOOST_TEST(protocol_name(17) == "udp");
  BOOST_TEST(protocol_name(58) == "ipv6-icmp");
  BOOST_TEST(protocol_name(4) == "ipv4");
  BOOST_TEST(protocol_name(132) == "sctp");
  BOOST_TEST(protocol_name(200) == "200");
  for (int n = 0; n <= 255; ++n)
    BOOST_TEST(int{*protocol_from_text(protocol_name(static_cast<uint8_t>(n)))} == n);
}

BOOST_AUTO_TEST_CASE(only_tcp_udp_and_sctp_carry_ports) {
  for (int n = 0; n <= 255; ++n) {
    const auto proto = static_cast<uint8_t>(n);
    BOOST_TEST(protocol_has_ports(proto) == (n == 6 || n == 17 || n == 132), n);
  }
}

BOOST_AUTO_TEST_SUITE_END()
