// Tests of the harness's IPv4/UDP packet builder and strict parser (sim/ipv4-packet.h) and of
// the traffic pattern/sink built on them (sim/tunnel-traffic.h).
#define BOOST_TEST_MODULE sim_ipv4_packet
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <vector>

#include "ipv4-packet.h"
#include "tunnel-traffic.h"

using namespace weft::sim;

namespace {
const UdpFlow kFlow{make_ipv4(100, 64, 0, 1), make_ipv4(100, 64, 0, 2), 40000, 7};
}

BOOST_AUTO_TEST_SUITE(ipv4_packet)

BOOST_AUTO_TEST_CASE(checksum_matches_the_textbook_ipv4_header) {
  // The widely used example header 4500 0073 0000 4000 4011 [b861] c0a8 0001 c0a8 00c7.
  std::vector<uint8_t> h = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                            0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  BOOST_TEST(internet_checksum(h.data(), h.size()) == 0xb861);
  h[10] = 0xb8;
  h[11] = 0x61;
  BOOST_TEST(internet_checksum(h.data(), h.size()) == 0);
}

BOOST_AUTO_TEST_CASE(round_trips_flow_identification_and_payload) {
  for (std::size_t n : {0u, 1u, 2u, 15u, 1371u}) {
    std::vector<uint8_t> payload(n);
    for (std::size_t i = 0; i < n; ++i) payload[i] = static_cast<uint8_t>(i * 7 + 3);
    const std::vector<uint8_t> p = build_ipv4_udp(kFlow, 0x1234, payload);
    BOOST_TEST(p.size() == kIpv4HeaderSize + kUdpHeaderSize + n);
    const std::optional<ParsedUdp> parsed = parse_ipv4_udp(p.data(), p.size());
    BOOST_TEST_REQUIRE(parsed.has_value());
    BOOST_TEST(parsed->flow.source == kFlow.source);
    BOOST_TEST(parsed->flow.destination == kFlow.destination);
    BOOST_TEST(parsed->flow.source_port == kFlow.source_port);
    BOOST_TEST(parsed->flow.destination_port == kFlow.destination_port);
    BOOST_TEST(parsed->identification == 0x1234);
    BOOST_TEST(parsed->payload == payload);
  }
}

BOOST_AUTO_TEST_CASE(rejects_any_single_flipped_bit) {
  const std::vector<uint8_t> p = build_ipv4_udp(kFlow, 9, std::vector<uint8_t>(33, 0xab));
  for (std::size_t i = 0; i < p.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::vector<uint8_t> q = p;
      q[i] ^= static_cast<uint8_t>(1u << bit);
      // Flipping a TTL/TOS bit also breaks the header checksum; nothing is left unchecked.
      BOOST_TEST(!parse_ipv4_udp(q.data(), q.size()).has_value(), "byte " << i << " bit " << bit);
    }
  }
}

BOOST_AUTO_TEST_CASE(rejects_truncated_and_extended_packets) {
  std::vector<uint8_t> p = build_ipv4_udp(kFlow, 1, std::vector<uint8_t>(40, 1));
  for (std::size_t n = 0; n < p.size(); ++n) {
    BOOST_TEST(!parse_ipv4_udp(p.data(), n).has_value(), "length " << n);
  }
  p.push_back(0);
  BOOST_TEST(!parse_ipv4_udp(p.data(), p.size()).has_value());
}

BOOST_AUTO_TEST_CASE(sink_accepts_each_pattern_packet_once) {
  const TrafficPattern pattern(kFlow, 1200);
  TrafficSink sink(pattern);
  for (uint32_t s = 0; s < 50; ++s) {
    const std::vector<uint8_t> p = pattern.Make(s);
    BOOST_TEST(p.size() <= kIpv4HeaderSize + kUdpHeaderSize + 1200);
    sink.Receive(p.data(), p.size());
  }
  BOOST_TEST(sink.HasExactly(50));
  const std::vector<uint8_t> again = pattern.Make(7);
  sink.Receive(again.data(), again.size());
  BOOST_TEST(sink.Duplicates() == 1u);
  BOOST_TEST(!sink.HasExactly(50));
}

BOOST_AUTO_TEST_CASE(sink_counts_packets_of_another_flow_or_content_as_bad) {
  const TrafficPattern pattern(kFlow, 1200);
  const TrafficPattern other({kFlow.destination, kFlow.source, 7, 40000}, 1200);
  TrafficSink sink(pattern);
  const std::vector<uint8_t> foreign = other.Make(3);
  sink.Receive(foreign.data(), foreign.size());
  std::vector<uint8_t> padded = pattern.Make(4);
  padded.resize(padded.size() + 16, 0);  // as if the receiver forgot to strip padding
  sink.Receive(padded.data(), padded.size());
  BOOST_TEST(sink.Bad() == 2u);
  BOOST_TEST(sink.Good() == 0u);
  BOOST_TEST(!sink.HasExactly(0));
}

BOOST_AUTO_TEST_CASE(sink_reports_a_missing_packet) {
  const TrafficPattern pattern(kFlow, 1200);
  TrafficSink sink(pattern);
  for (uint32_t s : {0u, 1u, 3u}) {
    const std::vector<uint8_t> p = pattern.Make(s);
    sink.Receive(p.data(), p.size());
  }
  BOOST_TEST(sink.Good() == 3u);
  BOOST_TEST(!sink.HasExactly(3));
  BOOST_TEST(!sink.HasExactly(4));
}

BOOST_AUTO_TEST_SUITE_END()
