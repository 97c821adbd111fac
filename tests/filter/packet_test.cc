// Tests for lib/filter/packet.h: IPv4 and IPv6 parsing, extension headers, fragments, exact
// length checks.
#define BOOST_TEST_MODULE filter_packet
#include <boost/test/unit_test.hpp>

#include "filter/packet.h"
#include "filter/packets.h"

using namespace weft::filter;
using namespace weft::filter::testing;

namespace {

PacketInfo parsed(const Bytes& b) {
  PacketInfo info;
  const ParseError e = parse_packet(view(b), info);
  BOOST_TEST_REQUIRE(to_string(e) == "none");
  return info;
}

ParseError error_of(const Bytes& b) {
  PacketInfo info;
  return parse_packet(view(b), info);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(packet)

BOOST_AUTO_TEST_CASE(reads_ipv4_tcp_addresses_ports_and_flags) {
  const auto p = parsed(ipv4("100.64.0.2", "100.64.0.1", kProtoTcp, tcp(40000, 22, kTcpSyn)));
  BOOST_TEST((p.src == ip("100.64.0.2")));
  BOOST_TEST((p.dst == ip("100.64.0.1")));
  BOOST_TEST(p.protocol == kProtoTcp);
  BOOST_TEST(p.src_port == 40000);
  BOOST_TEST(p.dst_port == 22);
  BOOST_TEST(p.tcp_flags == kTcpSyn);
  BOOST_TEST(p.has_ports());
  BOOST_TEST((p.fragment == Fragment::kNone));
  BOOST_TEST(p.transport_offset == 20u);
  BOOST_TEST(p.length == 40u);
}

BOOST_AUTO_TEST_CASE(reads_ipv6_udp) {
  const auto p = parsed(ipv6("fd7a::2", "fd7a::1", kProtoUdp, udp(5353, 53, 12)));
  BOOST_TEST((p.src == ip("fd7a::2")));
  BOOST_TEST((p.dst == ip("fd7a::1")));
  BOOST_TEST(p.protocol == kProtoUdp);
  BOOST_TEST(p.dst_port == 53);
  BOOST_TEST(!p.is_v4());
}

BOOST_AUTO_TEST_CASE(reads_icmp_echo_ids_in_both_families) {
  const auto req4 = parsed(ipv4("100.64.0.2", "100.64.0.1", kProtoIcmp, icmp(8, 0, 77)));
  BOOST_TEST(req4.is_echo_request());
  BOOST_TEST(req4.icmp_id == 77);
  BOOST_TEST(!req4.has_ports());
  const auto rep6 = parsed(ipv6("fd7a::2", "fd7a::1", kProtoIcmpV6, icmp(129, 0, 78)));
  BOOST_TEST(rep6.is_echo_reply());
  BOOST_TEST(rep6.icmp_id == 78);
  const auto err = parsed(ipv4("100.64.0.2", "100.64.0.1", kProtoIcmp, icmp(3, 4)));
  BOOST_TEST(err.is_icmp_error());
  BOOST_TEST(!parsed(ipv4("100.64.0.2", "100.64.0.1", kProtoIcmp, icmp(5, 0))).is_icmp_error());
  // ICMPv4's number inside IPv6 is just another protocol.
  BOOST_TEST(!parsed(ipv6("fd7a::2", "fd7a::1", kProtoIcmp, icmp(8, 0, 1))).is_icmp());
}

BOOST_AUTO_TEST_CASE(walks_ipv6_extension_headers_to_the_transport_header) {
  const Bytes payload = ext(kProtoIpv6DestOptions, ext(kProtoIpv6Routing, ext(kProtoTcp, tcp(1, 443, kTcpSyn))));
  const auto p = parsed(ipv6("fd7a::2", "fd7a::1", kProtoHopByHop, payload));
  BOOST_TEST(p.protocol == kProtoTcp);
  BOOST_TEST(p.dst_port == 443);
  BOOST_TEST(p.transport_offset == 40u + 24u);
}

BOOST_AUTO_TEST_CASE(ipv6_authentication_header_length_counts_four_byte_words) {
  Bytes ah{kProtoUdp, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};  // (1 + 2) * 4 = 12 bytes
  const Bytes u = udp(1, 53);
  ah.insert(ah.end(), u.begin(), u.end());
  const auto p = parsed(ipv6("fd7a::2", "fd7a::1", kProtoAh, ah));
  BOOST_TEST(p.protocol == kProtoUdp);
  BOOST_TEST(p.dst_port == 53);
}

BOOST_AUTO_TEST_CASE(refuses_extension_chains_that_are_not_real_packets) {
  Bytes chain = udp(1, 53);
  chain = ext(kProtoUdp, chain);
  for (std::size_t i = 0; i < kMaxExtensionHeaders; ++i) chain = ext(kProtoIpv6DestOptions, chain);
  BOOST_TEST((error_of(ipv6("fd7a::2", "fd7a::1", kProtoIpv6DestOptions, chain)) == ParseError::kBadExtensions));
  const Bytes late_hop = ext(kProtoHopByHop, ext(kProtoUdp, udp(1, 53)));
  BOOST_TEST((error_of(ipv6("fd7a::2", "fd7a::1", kProtoIpv6DestOptions, late_hop)) == ParseError::kBadExtensions));
  const Bytes two_frags = frag6(kProtoIpv6Fragment, 0, true, frag6(kProtoUdp, 0, true, udp(1, 53)));
  BOOST_TEST((error_of(ipv6("fd7a::2", "fd7a::1", kProtoIpv6Fragment, two_frags)) == ParseError::kBadExtensions));
}

BOOST_AUTO_TEST_CASE(esp_and_no_next_header_end_the_walk) {
  const auto esp = parsed(ipv6("fd7a::2", "fd7a::1", kProtoEsp, Bytes(16, 1)));
  BOOST_TEST(esp.protocol == kProtoEsp);
  BOOST_TEST(!esp.has_ports());
  const auto none = parsed(ipv6("fd7a::2", "fd7a::1", kProtoIpv6DestOptions, ext(kProtoIpv6NoNext, {})));
  BOOST_TEST(none.protocol == kProtoIpv6NoNext);
}

BOOST_AUTO_TEST_CASE(every_truncation_is_refused_without_reading_past_the_end) {
  const std::vector<Bytes> packets = {
      ipv4("100.64.0.2", "100.64.0.1", kProtoTcp, tcp(1, 22, kTcpSyn)),
      ipv4("100.64.0.2", "100.64.0.1", kProtoIcmp, icmp(8, 0, 1)),
      ipv6("fd7a::2", "fd7a::1", kProtoHopByHop, ext(kProtoUdp, udp(1, 53))),
      ipv6("fd7a::2", "fd7a::1", kProtoIpv6Fragment, frag6(kProtoTcp, 0, true, tcp(1, 22, kTcpSyn))),
  };
  for (const Bytes& full : packets) {
    for (std::size_t n = 0; n < full.size(); ++n) {
      // A copy of exactly n bytes, so a sanitizer sees any read past it.
      const Bytes cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
      PacketInfo info;
      const ParseError e = parse_packet(view(cut), info);
      BOOST_TEST((e != ParseError::kNone), "accepted " << n << " of " << full.size() << " bytes");
    }
  }
}

BOOST_AUTO_TEST_CASE(header_lengths_that_contradict_each_other_are_refused) {
  Bytes short_ihl = ipv4("100.64.0.2", "100.64.0.1", kProtoUdp, udp(1, 53));
  short_ihl[0] = 0x44;
  BOOST_TEST((error_of(short_ihl) == ParseError::kBadHeader));
  Bytes total_below_header = ipv4("100.64.0.2", "100.64.0.1", kProtoUdp, udp(1, 53));
  total_below_header[2] = 0;
  total_below_header[3] = 19;
  BOOST_TEST((error_of(total_below_header) == ParseError::kBadHeader));
  Bytes total_above_size = ipv4("100.64.0.2", "100.64.0.1", kProtoUdp, udp(1, 53));
  total_above_size[3] += 1;
  BOOST_TEST((error_of(total_above_size) == ParseError::kTruncated));
  Bytes tcp_offset = ipv4("100.64.0.2", "100.64.0.1", kProtoTcp, tcp(1, 22, kTcpAck));
  tcp_offset[20 + 12] = 4 << 4;
  BOOST_TEST((error_of(tcp_offset) == ParseError::kBadHeader));
  Bytes tcp_options_cut = ipv4("100.64.0.2", "100.64.0.1", kProtoTcp, tcp(1, 22, kTcpAck));
  tcp_options_cut[20 + 12] = 6 << 4;
  BOOST_TEST((error_of(tcp_options_cut) == ParseError::kTruncated));
  Bytes version = ipv4("100.64.0.2", "100.64.0.1", kProtoUdp, udp(1, 53));
  version[0] = 0x55;
  BOOST_TEST((error_of(version) == ParseError::kBadVersion));
  BOOST_TEST((error_of({}) == ParseError::kTruncated));
}

BOOST_AUTO_TEST_CASE(bytes_after_the_stated_length_are_padding) {
  Bytes b = ipv4("100.64.0.2", "100.64.0.1", kProtoUdp, udp(1, 53));
  b.resize(b.size() + 12, 0);  // WireGuard pads plaintext to 16 bytes
  const auto p = parsed(b);
  BOOST_TEST(p.length == 28u);
  BOOST_TEST(p.dst_port == 53);
}

BOOST_AUTO_TEST_CASE(marks_first_and_later_ipv4_fragments) {
  const auto first = parsed(ipv4("100.64.0.2", "100.64.0.1", kProtoUdp, udp(1, 53, 100), 0x2000));
  BOOST_TEST((first.fragment == Fragment::kFirst));
  BOOST_TEST(first.dst_port == 53);
  const auto later = parsed(ipv4("100.64.0.2", "100.64.0.1", kProtoUdp, Bytes(8, 0xab), 185));
  BOOST_TEST((later.fragment == Fragment::kLater));
  BOOST_TEST(later.fragment_offset == 1480u);
  BOOST_TEST(later.fragmentable_offset == 20u);
  BOOST_TEST(later.dst_port == 0);
  BOOST_TEST(!later.has_ports());
}

BOOST_AUTO_TEST_CASE(refuses_a_first_fragment_too_small_for_its_transport_header) {
  // RFC 1858's tiny fragment: 8 bytes of TCP leave the flags to a later fragment.
  const Bytes tiny = ipv4("100.64.0.2", "100.64.0.1", kProtoTcp, Bytes(8, 0), 0x2000);
  BOOST_TEST((error_of(tiny) == ParseError::kTruncated));
}

BOOST_AUTO_TEST_CASE(marks_ipv6_fragments_and_atomic_fragments) {
  const auto first = parsed(ipv6("fd7a::2", "fd7a::1", kProtoIpv6Fragment, frag6(kProtoUdp, 0, true, udp(1, 53, 64))));
  BOOST_TEST((first.fragment == Fragment::kFirst));
  BOOST_TEST(first.protocol == kProtoUdp);
  BOOST_TEST(first.dst_port == 53);
  BOOST_TEST(first.fragmentable_offset == 48u);  // offsets count from after the fragment header
  const auto deep = parsed(ipv6("fd7a::2", "fd7a::1", kProtoIpv6DestOptions,
                                ext(kProtoIpv6Fragment, frag6(kProtoUdp, 0, true, udp(1, 53, 64)))));
  BOOST_TEST(deep.fragmentable_offset == 56u);  // the destination options before it excluded
  BOOST_TEST(deep.transport_offset == 56u);
  const auto later = parsed(ipv6("fd7a::2", "fd7a::1", kProtoIpv6Fragment, frag6(kProtoUdp, 1232, false, Bytes(16, 0))));
  BOOST_TEST((later.fragment == Fragment::kLater));
  BOOST_TEST(later.fragment_offset == 1232u);
  BOOST_TEST(later.protocol == kProtoUdp);
  const auto atomic = parsed(ipv6("fd7a::2", "fd7a::1", kProtoIpv6Fragment, frag6(kProtoUdp, 0, false, udp(1, 53))));
  BOOST_TEST((atomic.fragment == Fragment::kNone));
  BOOST_TEST(atomic.dst_port == 53);
}

BOOST_AUTO_TEST_CASE(a_quoted_packet_needs_only_its_header_and_eight_bytes) {
  const Bytes sent = ipv4("100.64.0.1", "100.64.0.9", kProtoTcp, tcp(40000, 443, kTcpSyn));
  const Bytes quoted(sent.begin(), sent.begin() + 28);
  PacketInfo q;
  BOOST_TEST((parse_quoted_packet(view(quoted), q) == ParseError::kNone));
  BOOST_TEST(q.src_port == 40000);
  BOOST_TEST(q.dst_port == 443);
  PacketInfo strict;
  BOOST_TEST((parse_packet(view(quoted), strict) == ParseError::kTruncated));
  const Bytes too_short(sent.begin(), sent.begin() + 24);
  BOOST_TEST((parse_quoted_packet(view(too_short), q) == ParseError::kTruncated));
}

BOOST_AUTO_TEST_CASE(result_form_names_the_error) {
  const auto r = parse_packet(view(Bytes{0x45, 0, 0}));
  BOOST_TEST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().code == "filter.truncated");
  const auto ok = parse_packet(view(ipv4("100.64.0.2", "100.64.0.1", kProtoUdp, udp(1, 53))));
  BOOST_TEST_REQUIRE(ok.ok());
  BOOST_TEST(ok->dst_port == 53);
}

BOOST_AUTO_TEST_SUITE_END()
