// Tests for lib/dataplane/tun_segmenter.h: what one TUN read gives the core — a plain read as
// it is, a vnet-hdr read without GSO in place with its partial checksum completed, a TCP
// super-packet split into segments with valid checksums that reassemble to its payload — and
// malformed reads dropped and counted by cause.
#define BOOST_TEST_MODULE dataplane_tun_segmenter
#include <boost/test/unit_test.hpp>

#include <vector>

#include "dataplane/tun_segmenter.h"
#include "offload/packets.h"
#include "offload/virtio_net_hdr.h"

using namespace weft;
using namespace weft::offload;
using namespace weft::offload::testing;

namespace {

// A vnet-hdr read: the encoded header, then the packet.
Bytes vnet_read(const VirtioNetHdr& h, const Bytes& packet) {
  Bytes r(kVirtioNetHdrSize);
  encode_virtio_net_hdr(h, r.data());
  r.insert(r.end(), packet.begin(), packet.end());
  return r;
}

VirtioNetHdr tso_hdr(const Bytes& p, uint16_t mss) {
  VirtioNetHdr h;
  h.gso_type = (p[0] >> 4) == 6 ? kVirtioNetHdrGsoTcpV6 : kVirtioNetHdrGsoTcpV4;
  h.gso_size = mss;
  h.hdr_len = static_cast<uint16_t>(ip_header_size(p) + tcp_header_size(p));
  h.flags = kVirtioNetHdrFNeedsCsum;
  h.csum_start = static_cast<uint16_t>(ip_header_size(p));
  h.csum_offset = 16;
  return h;
}

uint64_t errors(const dataplane::OffloadCounters& c, OffloadError e) {
  return c.tun_offload_errors[static_cast<std::size_t>(e)];
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tun_segmenter)

BOOST_AUTO_TEST_CASE(passes_a_plain_read_as_it_is) {
  dataplane::TunSegmenter seg;
  dataplane::OffloadCounters c;
  Bytes p = tcp_packet(TcpSpec{}, pattern(100));
  BOOST_REQUIRE_EQUAL(seg.segment(false, p.data(), p.size(), c), 1u);
  BOOST_TEST(seg.packet(0).data == p.data());
  BOOST_TEST(seg.packet(0).size == p.size());
  BOOST_TEST(c.tun_superpackets_in == 0u);
}

BOOST_AUTO_TEST_CASE(completes_a_single_packets_partial_checksum_in_place) {
  dataplane::TunSegmenter seg;
  dataplane::OffloadCounters c;
  Bytes p = tcp_packet(TcpSpec{}, pattern(300), /*partial_checksum=*/true);
  VirtioNetHdr h = tso_hdr(p, 0);
  h.gso_type = kVirtioNetHdrGsoNone;
  Bytes r = vnet_read(h, p);
  BOOST_REQUIRE_EQUAL(seg.segment(true, r.data(), r.size(), c), 1u);
  BOOST_TEST(seg.packet(0).data == r.data() + kVirtioNetHdrSize);  // no copy
  Bytes out(seg.packet(0).data, seg.packet(0).data + seg.packet(0).size);
  BOOST_TEST(out.size() == p.size());
  BOOST_TEST(tcp_checksum_valid(out));
  BOOST_TEST(c.offload_dropped() == 0u);
}

BOOST_AUTO_TEST_CASE(splits_ipv4_and_ipv6_super_packets_into_valid_segments) {
  for (bool v6 : {false, true}) {
    dataplane::TunSegmenter seg;
    dataplane::OffloadCounters c;
    TcpSpec spec;
    spec.v6 = v6;
    spec.options = timestamps(7, 9);
    const Bytes payload = pattern(60001, v6 ? 3 : 5);  // an odd last segment
    Bytes p = tcp_packet(spec, payload, /*partial_checksum=*/true);
    const uint16_t mss = 1368;
    Bytes r = vnet_read(tso_hdr(p, mss), p);
    std::size_t n = seg.segment(true, r.data(), r.size(), c);
    BOOST_REQUIRE_EQUAL(n, (payload.size() + mss - 1) / mss);
    Bytes joined;
    for (std::size_t i = 0; i < n; ++i) {
      Bytes s(seg.packet(i).data, seg.packet(i).data + seg.packet(i).size);
      BOOST_TEST(tcp_checksum_valid(s), "segment " << i << (v6 ? " (v6)" : " (v4)"));
      if (!v6) BOOST_TEST(ipv4_checksum_valid(s));
      const std::size_t headers = ip_header_size(s) + tcp_header_size(s);
      BOOST_TEST(s.size() - headers == (i + 1 < n ? mss : payload.size() - i * mss));
      joined.insert(joined.end(), s.begin() + static_cast<std::ptrdiff_t>(headers), s.end());
    }
    BOOST_TEST(joined == payload);
    BOOST_TEST(c.tun_superpackets_in == 1u);
    BOOST_TEST(c.tun_segments_in == n);
  }
}

BOOST_AUTO_TEST_CASE(splits_into_the_callers_buffers_what_it_would_split_into_its_own) {
  // The data path splits straight into its datagram buffers: the same segments must land
  // there, and max_packets() must never promise fewer buffers than the split needs.
  for (bool v6 : {false, true}) {
    TcpSpec spec;
    spec.v6 = v6;
    spec.options = timestamps(3, 4);
    const Bytes payload = pattern(40001, v6 ? 7 : 9);
    Bytes p = tcp_packet(spec, payload, /*partial_checksum=*/true);
    const uint16_t mss = 1368;
    Bytes r = vnet_read(tso_hdr(p, mss), p);
    Bytes copy = r;  // each split completes the read's header fields in its own copy

    dataplane::TunSegmenter own;
    dataplane::OffloadCounters c_own;
    const std::size_t n = own.segment(true, r.data(), r.size(), c_own);
    BOOST_REQUIRE_EQUAL(n, (payload.size() + mss - 1) / mss);
    const auto bound = dataplane::TunSegmenter::bound(true, copy.data(), copy.size());
    BOOST_TEST(bound.packets >= n);
    BOOST_TEST(bound.packets <= n + 1);
    BOOST_TEST(bound.largest >= own.packet(0).size);

    // Buffers of exactly the promised size: a segment longer than `largest` would be refused.
    std::vector<Bytes> bufs(bound.packets, Bytes(bound.largest, 0xee));
    std::vector<Segment> out;
    for (Bytes& b : bufs) out.push_back(Segment::over(b.data(), b.size()));
    dataplane::TunSegmenter into;
    dataplane::OffloadCounters c_into;
    BOOST_REQUIRE_EQUAL(into.segment_into(true, copy.data(), copy.size(), c_into, out.data(),
                                          out.size()),
                        n);
    for (std::size_t i = 0; i < n; ++i) {
      BOOST_TEST(into.packet(i).data == bufs[i].data());  // where the caller wanted it
      Bytes a(own.packet(i).data, own.packet(i).data + own.packet(i).size);
      Bytes b(into.packet(i).data, into.packet(i).data + into.packet(i).size);
      BOOST_TEST(a == b, "segment " << i << (v6 ? " (v6)" : " (v4)"));
    }
    BOOST_TEST(c_into.tun_superpackets_in == 1u);
    BOOST_TEST(c_into.tun_segments_in == n);
  }
  // Anything but a super-packet is one packet.
  Bytes plain = tcp_packet(TcpSpec{}, pattern(100));
  BOOST_TEST(dataplane::TunSegmenter::bound(false, plain.data(), plain.size()).packets == 1u);
  BOOST_TEST(dataplane::TunSegmenter::bound(false, plain.data(), plain.size()).largest ==
             plain.size());
  BOOST_TEST(dataplane::TunSegmenter::bound(true, plain.data(), 3).packets == 1u);
}

BOOST_AUTO_TEST_CASE(drops_and_counts_malformed_reads_by_cause) {
  dataplane::TunSegmenter seg;
  dataplane::OffloadCounters c;
  Bytes short_read(kVirtioNetHdrSize - 1, 0);
  BOOST_TEST(seg.segment(true, short_read.data(), short_read.size(), c) == 0u);
  BOOST_TEST(errors(c, OffloadError::kShortHeader) == 1u);

  // TCPV4 on an IPv6 packet.
  TcpSpec v6;
  v6.v6 = true;
  Bytes p6 = tcp_packet(v6, pattern(5000), true);
  VirtioNetHdr h = tso_hdr(p6, 1000);
  h.gso_type = kVirtioNetHdrGsoTcpV4;
  Bytes r = vnet_read(h, p6);
  BOOST_TEST(seg.segment(true, r.data(), r.size(), c) == 0u);
  BOOST_TEST(errors(c, OffloadError::kGsoFamilyMismatch) == 1u);

  // An MSS so small that the segments outnumber kMaxSegments.
  Bytes p4 = tcp_packet(TcpSpec{}, pattern(60000), true);
  r = vnet_read(tso_hdr(p4, 100), p4);
  BOOST_TEST(seg.segment(true, r.data(), r.size(), c) == 0u);
  BOOST_TEST(errors(c, OffloadError::kTooManySegments) == 1u);

  // A partial checksum pointing outside a single packet.
  h = tso_hdr(p4, 0);
  h.gso_type = kVirtioNetHdrGsoNone;
  h.csum_start = 65000;
  r = vnet_read(h, p4);
  BOOST_TEST(seg.segment(true, r.data(), r.size(), c) == 0u);
  BOOST_TEST(errors(c, OffloadError::kBadChecksumOffsets) == 1u);
  BOOST_TEST(c.offload_dropped() == 4u);
  BOOST_TEST(c.tun_superpackets_in == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
