// Tests for lib/offload/tso_split.h: super-packets as the kernel hands them over a vnet-hdr TUN
// (IPv4 and IPv6, TCP options, partial checksums, odd final segments) split into segments whose
// headers and checksums an independent checksum routine verifies; refusals of malformed input.
#define BOOST_TEST_MODULE offload_tso_split
#include <boost/test/unit_test.hpp>

#include <ostream>

#include "offload/ip_tcp.h"
#include "offload/packets.h"
#include "offload/tso_split.h"

using namespace weft;
using namespace weft::offload;
using namespace weft::offload::testing;

namespace weft::offload {
std::ostream& operator<<(std::ostream& os, OffloadError e) { return os << error_name(e); }
}  // namespace weft::offload

namespace {

/// Output buffers for a split.
struct Outputs {
  explicit Outputs(std::size_t n, std::size_t capacity = 2048) : storage(n, Bytes(capacity)) {
    for (auto& b : storage) segs.push_back(Segment::over(b.data(), b.size()));
  }
  Bytes packet(std::size_t i) const {
    return Bytes(storage[i].begin(), storage[i].begin() + static_cast<std::ptrdiff_t>(segs[i].size));
  }
  std::vector<Bytes> storage;
  std::vector<Segment> segs;
};

VirtioNetHdr gso_hdr(const Bytes& p, uint16_t mss, bool needs_csum = true) {
  VirtioNetHdr h;
  const bool v6 = (p[0] >> 4) == 6;
  h.gso_type = v6 ? kVirtioNetHdrGsoTcpV6 : kVirtioNetHdrGsoTcpV4;
  h.gso_size = mss;
  h.hdr_len = static_cast<uint16_t>(ip_header_size(p) + tcp_header_size(p));
  if (needs_csum) {
    h.flags = kVirtioNetHdrFNeedsCsum;
    h.csum_start = static_cast<uint16_t>(ip_header_size(p));
    h.csum_offset = 16;
  }
  return h;
}

core::ByteView view(const Bytes& b) { return core::ByteView{b.data(), b.size()}; }

/// Checks every segment of a split of `super` (payload `payload`) at `mss`.
void check_segments(const Bytes& super, const Bytes& payload, std::size_t mss, const Outputs& out,
                    std::size_t count) {
  const std::size_t ip = ip_header_size(super), headers = ip + tcp_header_size(super);
  const bool v6 = (super[0] >> 4) == 6;
  BOOST_REQUIRE_EQUAL(count, (payload.size() + mss - 1) / mss);
  Bytes joined;
  for (std::size_t i = 0; i < count; ++i) {
    const Bytes s = out.packet(i);
    const std::size_t seg_payload = i + 1 < count ? mss : payload.size() - i * mss;
    BOOST_TEST_CONTEXT("segment " << i) {
      BOOST_REQUIRE_EQUAL(s.size(), headers + seg_payload);
      if (v6) {
        BOOST_TEST(get16(s, 4) == s.size() - 40);
      } else {
        BOOST_TEST(get16(s, 2) == s.size());
        BOOST_TEST(get16(s, 4) == static_cast<uint16_t>(get16(super, 4) + i));
        BOOST_TEST(ipv4_checksum_valid(s));
      }
      BOOST_TEST(get32(s, ip + 4) == get32(super, ip + 4) + i * mss);
      BOOST_TEST(tcp_checksum_valid(s));
      // Everything else in the headers is copied: ports, ack, window, options.
      BOOST_TEST(get32(s, ip) == get32(super, ip));
      BOOST_TEST(get32(s, ip + 8) == get32(super, ip + 8));
      BOOST_TEST(get16(s, ip + 14) == get16(super, ip + 14));
      BOOST_TEST(Bytes(s.begin() + static_cast<std::ptrdiff_t>(ip + 20), s.begin() + static_cast<std::ptrdiff_t>(headers)) ==
                 Bytes(super.begin() + static_cast<std::ptrdiff_t>(ip + 20), super.begin() + static_cast<std::ptrdiff_t>(headers)));
      joined.insert(joined.end(), s.begin() + static_cast<std::ptrdiff_t>(headers), s.end());
    }
  }
  BOOST_TEST(joined == payload);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tso_split)

BOOST_AUTO_TEST_CASE(splits_ipv4_with_timestamps_into_mss_segments_with_an_odd_last_one) {
  TcpSpec spec;
  spec.options = timestamps(123456, 654321);
  spec.flags = kTcpAck | kTcpPsh;
  const Bytes payload = pattern(5000);
  const Bytes super = tcp_packet(spec, payload, /*partial_checksum=*/true);
  Outputs out(8);
  const SplitResult r = split(gso_hdr(super, 1448), view(super), out.segs.data(), out.segs.size());
  BOOST_REQUIRE_EQUAL(r.error, OffloadError::kNone);
  check_segments(super, payload, 1448, out, r.count);
  BOOST_TEST(out.segs[3].size == 20u + 32u + 656u);
}

BOOST_AUTO_TEST_CASE(splits_ipv6_with_options_and_keeps_its_payload_length_right) {
  TcpSpec spec;
  spec.v6 = true;
  spec.options = timestamps(1, 2);
  const Bytes payload = pattern(4001, 7);
  const Bytes super = tcp_packet(spec, payload, true);
  Outputs out(8);
  const SplitResult r = split(gso_hdr(super, 1000), view(super), out.segs.data(), out.segs.size());
  BOOST_REQUIRE_EQUAL(r.error, OffloadError::kNone);
  check_segments(super, payload, 1000, out, r.count);
  BOOST_TEST(r.count == 5u);
  BOOST_TEST(out.segs[4].size == 40u + 32u + 1u);
}

BOOST_AUTO_TEST_CASE(a_payload_of_whole_segments_has_no_empty_tail) {
  const Bytes payload = pattern(3 * 1200);
  const Bytes super = tcp_packet(TcpSpec{}, payload, true);
  Outputs out(4);
  const SplitResult r = split(gso_hdr(super, 1200), view(super), out.segs.data(), out.segs.size());
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r.count == 3u);
  check_segments(super, payload, 1200, out, r.count);
}

BOOST_AUTO_TEST_CASE(fin_and_psh_stay_on_the_last_segment_and_cwr_on_the_first) {
  TcpSpec spec;
  spec.flags = kTcpAck | kTcpPsh | kTcpFin | kTcpCwr | kTcpEce;
  const Bytes super = tcp_packet(spec, pattern(3000), true);
  VirtioNetHdr h = gso_hdr(super, 1000);
  h.gso_type |= kVirtioNetHdrGsoEcn;
  Outputs out(4);
  const SplitResult r = split(h, view(super), out.segs.data(), out.segs.size());
  BOOST_REQUIRE(r.ok());
  BOOST_REQUIRE_EQUAL(r.count, 3u);
  BOOST_TEST(out.packet(0)[20 + 13] == (kTcpAck | kTcpCwr | kTcpEce));
  BOOST_TEST(out.packet(1)[20 + 13] == (kTcpAck | kTcpEce));
  BOOST_TEST(out.packet(2)[20 + 13] == (kTcpAck | kTcpEce | kTcpPsh | kTcpFin));
  for (std::size_t i = 0; i < 3; ++i) BOOST_TEST(tcp_checksum_valid(out.packet(i)));
}

BOOST_AUTO_TEST_CASE(computes_full_checksums_whatever_the_field_held) {
  Bytes super = tcp_packet(TcpSpec{}, pattern(2500), false);
  set16(super, 36, 0xdead);  // neither partial nor full: the splitter does not read it
  Outputs out(4);
  const SplitResult r = split(gso_hdr(super, 1000, /*needs_csum=*/false), view(super),
                              out.segs.data(), out.segs.size());
  BOOST_REQUIRE(r.ok());
  for (std::size_t i = 0; i < r.count; ++i) BOOST_TEST(tcp_checksum_valid(out.packet(i)));
}

BOOST_AUTO_TEST_CASE(ignores_a_hdr_len_that_covers_the_whole_first_packet) {
  const Bytes payload = pattern(3000);
  const Bytes super = tcp_packet(TcpSpec{}, payload, true);
  VirtioNetHdr h = gso_hdr(super, 1400);
  h.hdr_len = 1440;  // what the forwarding path may report
  Outputs out(4);
  const SplitResult r = split(h, view(super), out.segs.data(), out.segs.size());
  BOOST_REQUIRE(r.ok());
  check_segments(super, payload, 1400, out, r.count);
}

BOOST_AUTO_TEST_CASE(a_full_64k_super_packet_splits_into_48_segments) {
  TcpSpec spec;
  spec.options = timestamps(9, 9);
  const Bytes payload = pattern(65535 - 20 - 32);
  const Bytes super = tcp_packet(spec, payload, true);
  Outputs out(64);
  const SplitResult r = split(gso_hdr(super, 1368), view(super), out.segs.data(), out.segs.size());
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r.count == 48u);
  check_segments(super, payload, 1368, out, r.count);
}

BOOST_AUTO_TEST_CASE(a_non_gso_packet_is_copied_with_its_checksum_completed) {
  const Bytes full = tcp_packet(TcpSpec{}, pattern(300), false);
  const Bytes partial = tcp_packet(TcpSpec{}, pattern(300), true);
  BOOST_REQUIRE(partial != full);
  VirtioNetHdr h;
  h.flags = kVirtioNetHdrFNeedsCsum;
  h.csum_start = 20;
  h.csum_offset = 16;
  Outputs out(1);
  const SplitResult r = split(h, view(partial), out.segs.data(), 1);
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r.count == 1u);
  BOOST_TEST(out.packet(0) == full);
  // In place, for a caller that avoids the copy.
  Bytes in_place = partial;
  BOOST_TEST(complete_checksum(h, core::MutableBytes{in_place.data(), in_place.size()}) ==
             OffloadError::kNone);
  BOOST_TEST(in_place == full);
  // Without NEEDS_CSUM the bytes are passed as they are.
  BOOST_TEST(split(VirtioNetHdr{}, view(partial), out.segs.data(), 1).ok());
  BOOST_TEST(out.packet(0) == partial);
}

BOOST_AUTO_TEST_CASE(completes_a_udp_checksum_by_its_offsets) {
  // IPv4 UDP 10.0.0.1:53 -> 10.0.0.2:9999 with 5 payload bytes (an odd length).
  Bytes p = {0x45, 0, 0, 33, 0, 0, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
             0, 53, 0x27, 0x0f, 0, 13, 0, 0, 'h', 'e', 'l', 'l', 'o'};
  // The kernel's partial checksum: the pseudo-header sum (addresses, protocol, UDP length).
  uint32_t pseudo = reference_sum(p.data() + 12, 8) + 17 + 13;
  while (pseudo > 0xffff) pseudo = (pseudo & 0xffff) + (pseudo >> 16);
  set16(p, 26, static_cast<uint16_t>(pseudo));
  VirtioNetHdr h;
  h.flags = kVirtioNetHdrFNeedsCsum;
  h.csum_start = 20;
  h.csum_offset = 6;
  BOOST_REQUIRE(complete_checksum(h, core::MutableBytes{p.data(), p.size()}) == OffloadError::kNone);
  const uint32_t check = reference_sum(p.data() + 20, 13, reference_sum(p.data() + 12, 8) + 17 + 13);
  BOOST_TEST(check == 0xffffu);
}

BOOST_AUTO_TEST_CASE(refuses_malformed_super_packets) {
  const Bytes good = tcp_packet(TcpSpec{}, pattern(3000), true);
  Outputs out(4);
  auto run = [&](const VirtioNetHdr& h, const Bytes& p, std::size_t n = 4) {
    const SplitResult r = split(h, view(p), out.segs.data(), n);
    BOOST_TEST(r.count == 0u);
    return r.error;
  };
  VirtioNetHdr h = gso_hdr(good, 1000);
  BOOST_REQUIRE(split(h, view(good), out.segs.data(), 4).count == 3u);  // the baseline splits
  VirtioNetHdr zero = h;
  zero.gso_size = 0;
  BOOST_TEST(run(zero, good) == OffloadError::kZeroGsoSize);
  VirtioNetHdr udp = h;
  udp.gso_type = kVirtioNetHdrGsoUdpL4;
  BOOST_TEST(run(udp, good) == OffloadError::kUnsupportedGsoType);
  VirtioNetHdr v6 = h;
  v6.gso_type = kVirtioNetHdrGsoTcpV6;
  BOOST_TEST(run(v6, good) == OffloadError::kGsoFamilyMismatch);
  VirtioNetHdr offsets = h;
  offsets.csum_offset = 6;
  BOOST_TEST(run(offsets, good) == OffloadError::kBadChecksumOffsets);
  BOOST_TEST(run(h, good, 2) == OffloadError::kTooManySegments);
  Outputs small(4, 1000);
  BOOST_TEST(split(h, view(good), small.segs.data(), 4).error == OffloadError::kBufferTooSmall);

  const Bytes headers_only = tcp_packet(TcpSpec{}, {}, true);
  BOOST_TEST(run(h, headers_only) == OffloadError::kNoPayload);
  BOOST_TEST(run(h, Bytes(good.begin(), good.begin() + 30)) == OffloadError::kMalformedTcp);
  BOOST_TEST(run(h, Bytes(good.begin(), good.begin() + 12)) == OffloadError::kMalformedIp);
  BOOST_TEST(run(h, Bytes{}) == OffloadError::kMalformedIp);
  Bytes bad_version = good;
  bad_version[0] = 0x55;
  BOOST_TEST(run(h, bad_version) == OffloadError::kMalformedIp);
  Bytes ihl = good;
  ihl[0] = 0x44;
  BOOST_TEST(run(h, ihl) == OffloadError::kMalformedIp);
  Bytes fragment = good;
  fragment[6] = 0x20;  // more fragments
  BOOST_TEST(run(h, fragment) == OffloadError::kMalformedIp);
  Bytes not_tcp = good;
  not_tcp[9] = 17;
  BOOST_TEST(run(h, not_tcp) == OffloadError::kNotTcp);
  Bytes data_offset = good;
  data_offset[32] = 0x40;  // 4 words
  BOOST_TEST(run(h, data_offset) == OffloadError::kMalformedTcp);
  data_offset[32] = 0xf0;  // 60 bytes, fine; past the end on a short packet
  BOOST_TEST(run(h, Bytes(data_offset.begin(), data_offset.begin() + 60)) == OffloadError::kMalformedTcp);

  TcpSpec s6;
  s6.v6 = true;
  Bytes ext = tcp_packet(s6, pattern(3000), true);
  ext[6] = 0;  // hop-by-hop options header first
  BOOST_TEST(run(gso_hdr(ext, 1000), ext) == OffloadError::kNotTcp);

  VirtioNetHdr none;
  none.flags = kVirtioNetHdrFNeedsCsum;
  none.csum_start = static_cast<uint16_t>(good.size() - 1);
  none.csum_offset = 0;
  Outputs big(1, 4096);
  BOOST_TEST(split(none, view(good), big.segs.data(), 1).error == OffloadError::kBadChecksumOffsets);
  BOOST_TEST(split(none, view(good), out.segs.data(), 0).error == OffloadError::kTooManySegments);
}

BOOST_AUTO_TEST_CASE(names_every_error) {
  for (std::size_t i = 0; i < kOffloadErrorCount; ++i) {
    BOOST_TEST(std::string(error_name(static_cast<OffloadError>(i))) != "unknown");
  }
}

BOOST_AUTO_TEST_SUITE_END()
