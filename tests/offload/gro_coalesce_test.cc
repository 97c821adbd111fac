// Tests for lib/offload/gro_coalesce.h: consecutive segments of one flow become one super-packet
// with the header and partial checksum the kernel expects (IPv4 and IPv6, TCP options, odd
// final segments); per-flow order; everything that must not be joined passes through; and
// coalesce(split(x)) gives x back.
#define BOOST_TEST_MODULE offload_gro_coalesce
#include <boost/test/unit_test.hpp>

#include "offload/gro_coalesce.h"
#include "offload/ip_tcp.h"
#include "offload/packets.h"
#include "offload/tso_split.h"

using namespace weft;
using namespace weft::offload;
using namespace weft::offload::testing;

namespace {

/// A batch of packets the test owns, handed to the coalescer as GroPackets.
struct Batch {
  Batch() = default;
  explicit Batch(const std::vector<Bytes>& all) : packets(all) {}
  void add(Bytes p) { packets.push_back(std::move(p)); }
  std::size_t coalesce(GroCoalescer& gro) {
    views.clear();
    for (auto& p : packets) views.push_back(GroPacket{p.data(), p.size()});
    return gro.coalesce(views.data(), views.size());
  }
  std::vector<Bytes> packets;
  std::vector<GroPacket> views;
};

/// Group g as the TUN would receive it: header, then the packet.
std::pair<VirtioNetHdr, Bytes> written(const GroCoalescer& gro, std::size_t g) {
  const GroGroup& grp = gro.group(g);
  Bytes out(kVirtioNetHdrSize + grp.size);
  BOOST_REQUIRE_EQUAL(gro.flatten(grp, out.data(), out.size()), out.size());
  const auto hdr = parse_virtio_net_hdr(core::ByteView{out.data(), out.size()});
  BOOST_REQUIRE(hdr.has_value());
  return {*hdr, Bytes(out.begin() + kVirtioNetHdrSize, out.end())};
}

/// Segments of one flow: `count` packets of `mss` payload bytes (the last `last` bytes).
std::vector<Bytes> flow(TcpSpec spec, std::size_t count, std::size_t mss, std::size_t last,
                        Bytes* payload_out = nullptr) {
  std::vector<Bytes> out;
  for (std::size_t i = 0; i < count; ++i) {
    const Bytes payload = pattern(i + 1 < count ? mss : last, static_cast<uint32_t>(spec.seq));
    if (payload_out) payload_out->insert(payload_out->end(), payload.begin(), payload.end());
    out.push_back(tcp_packet(spec, payload));
    spec.seq += static_cast<uint32_t>(payload.size());
    spec.id = static_cast<uint16_t>(spec.id + 1);
  }
  return out;
}

/// What the kernel requires of a GSO super-packet with a partial checksum, checked with the
/// reference routine.
void check_super_packet(const VirtioNetHdr& h, const Bytes& p, std::size_t mss, Bytes payload) {
  const bool v6 = (p[0] >> 4) == 6;
  const std::size_t ip = ip_header_size(p), headers = ip + tcp_header_size(p);
  BOOST_TEST(h.flags == kVirtioNetHdrFNeedsCsum);
  BOOST_TEST(h.gso_type == (v6 ? kVirtioNetHdrGsoTcpV6 : kVirtioNetHdrGsoTcpV4));
  BOOST_TEST(h.hdr_len == headers);
  BOOST_TEST(h.gso_size == mss);
  BOOST_TEST(h.csum_start == ip);
  BOOST_TEST(h.csum_offset == 16u);
  if (v6) {
    BOOST_TEST(get16(p, 4) == p.size() - 40);
  } else {
    BOOST_TEST(get16(p, 2) == p.size());
    BOOST_TEST(ipv4_checksum_valid(p));
  }
  BOOST_TEST(get16(p, ip + 16) == reference_pseudo_sum(p, p.size() - ip));
  BOOST_TEST(Bytes(p.begin() + static_cast<std::ptrdiff_t>(headers), p.end()) == payload);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(gro_coalesce)

BOOST_AUTO_TEST_CASE(joins_ipv4_segments_with_timestamps_and_an_odd_last_one) {
  TcpSpec spec;
  spec.options = timestamps(5, 6);
  Bytes payload;
  Batch b(flow(spec, 5, 1448, 100, &payload));
  GroCoalescer gro(64);
  BOOST_REQUIRE_EQUAL(b.coalesce(gro), 1u);
  BOOST_TEST(gro.group(0).count == 5u);
  const auto [h, p] = written(gro, 0);
  check_super_packet(h, p, 1448, payload);
  BOOST_TEST(get32(p, 24) == spec.seq);
}

BOOST_AUTO_TEST_CASE(joins_ipv6_segments) {
  TcpSpec spec;
  spec.v6 = true;
  spec.options = timestamps(1, 1);
  Bytes payload;
  Batch b(flow(spec, 3, 1000, 1000, &payload));
  GroCoalescer gro(64);
  BOOST_REQUIRE_EQUAL(b.coalesce(gro), 1u);
  const auto [h, p] = written(gro, 0);
  check_super_packet(h, p, 1000, payload);
}

BOOST_AUTO_TEST_CASE(split_then_coalesce_gives_the_super_packet_back) {
  for (bool v6 : {false, true}) {
    TcpSpec spec;
    spec.v6 = v6;
    spec.options = timestamps(77, 88);
    spec.flags = kTcpAck | kTcpPsh;
    const Bytes super = tcp_packet(spec, pattern(65000 - (v6 ? 40 : 20) - 32), true);
    VirtioNetHdr in;
    in.flags = kVirtioNetHdrFNeedsCsum;
    in.gso_type = v6 ? kVirtioNetHdrGsoTcpV6 : kVirtioNetHdrGsoTcpV4;
    in.hdr_len = static_cast<uint16_t>(ip_header_size(super) + 32);
    in.gso_size = 1360;
    in.csum_start = static_cast<uint16_t>(ip_header_size(super));
    in.csum_offset = 16;
    std::vector<Bytes> storage(64, Bytes(1500));
    std::vector<Segment> segs;
    for (auto& s : storage) segs.push_back(Segment::over(s.data(), s.size()));
    const SplitResult r = split(in, core::ByteView{super.data(), super.size()}, segs.data(), segs.size());
    BOOST_REQUIRE(r.ok());
    Batch b;
    for (std::size_t i = 0; i < r.count; ++i) b.add(Bytes(storage[i].begin(), storage[i].begin() + static_cast<std::ptrdiff_t>(segs[i].size)));
    GroCoalescer gro(64);
    BOOST_REQUIRE_EQUAL(b.coalesce(gro), 1u);
    const auto [h, p] = written(gro, 0);
    BOOST_TEST(p == super);
    BOOST_TEST(h.flags == in.flags);
    BOOST_TEST(h.gso_type == in.gso_type);
    BOOST_TEST(h.hdr_len == in.hdr_len);
    BOOST_TEST(h.gso_size == in.gso_size);
    BOOST_TEST(h.csum_start == in.csum_start);
    BOOST_TEST(h.csum_offset == in.csum_offset);
  }
}

BOOST_AUTO_TEST_CASE(interleaved_flows_are_joined_each_in_its_own_order) {
  TcpSpec a, c;
  c.src_port = 40001;
  const auto fa = flow(a, 3, 1000, 1000), fc = flow(c, 3, 1000, 1000);
  Batch b;
  for (std::size_t i = 0; i < 3; ++i) {
    b.add(fa[i]);
    b.add(fc[i]);
  }
  GroCoalescer gro(64);
  BOOST_REQUIRE_EQUAL(b.coalesce(gro), 2u);
  for (std::size_t g = 0; g < 2; ++g) {
    BOOST_REQUIRE_EQUAL(gro.group(g).count, 3u);
    for (std::size_t j = 0; j < 3; ++j) BOOST_TEST(gro.member(gro.group(g).first + j) == 2 * j + g);
  }
}

BOOST_AUTO_TEST_CASE(out_of_order_segments_are_not_joined_and_keep_their_order) {
  const auto f = flow(TcpSpec{}, 3, 1000, 1000);
  Batch b;
  b.add(f[0]);
  b.add(f[2]);
  b.add(f[1]);
  GroCoalescer gro(64);
  BOOST_REQUIRE_EQUAL(b.coalesce(gro), 3u);
  for (std::size_t g = 0; g < 3; ++g) {
    BOOST_TEST(gro.group(g).count == 1u);
    BOOST_TEST(gro.member(gro.group(g).first) == g);
    const auto [h, p] = written(gro, g);
    BOOST_TEST(h.gso_type == kVirtioNetHdrGsoNone);
    BOOST_TEST(h.flags == 0);
    BOOST_TEST(p == b.packets[g]);  // untouched
  }
}

BOOST_AUTO_TEST_CASE(a_short_segment_ends_the_group_and_a_longer_one_is_refused) {
  // 1000, 1000, 500 | 1000, 1000 | then 1200 after 1000 in a new group is refused.
  TcpSpec spec;
  std::vector<std::size_t> sizes = {1000, 1000, 500, 1000, 1000, 1200};
  Batch b;
  for (std::size_t s : sizes) {
    b.add(tcp_packet(spec, pattern(s)));
    spec.seq += static_cast<uint32_t>(s);
    spec.id = static_cast<uint16_t>(spec.id + 1);
  }
  GroCoalescer gro(64);
  BOOST_REQUIRE_EQUAL(b.coalesce(gro), 3u);
  BOOST_TEST(gro.group(0).count == 3u);
  BOOST_TEST(gro.group(1).count == 2u);
  BOOST_TEST(gro.group(2).count == 1u);
  BOOST_TEST(gro.group(0).hdr.gso_size == 1000u);
}

BOOST_AUTO_TEST_CASE(a_pushed_segment_joins_and_ends_the_group) {
  TcpSpec spec;
  auto f = flow(spec, 4, 1000, 1000);
  f[1][33] |= kTcpPsh;
  set_tcp_checksum(f[1], false);
  Batch b(f);
  GroCoalescer gro(64);
  BOOST_REQUIRE_EQUAL(b.coalesce(gro), 2u);
  BOOST_TEST(gro.group(0).count == 2u);
  const auto [h, p] = written(gro, 0);
  BOOST_TEST((p[33] & kTcpPsh) != 0);
  BOOST_TEST(gro.group(1).count == 2u);
}

BOOST_AUTO_TEST_CASE(control_segments_pass_through_and_end_their_flows_group) {
  for (uint8_t flag : {kTcpSyn, kTcpFin, kTcpRst, kTcpUrg, kTcpCwr}) {
    BOOST_TEST_CONTEXT("flag " << int{flag}) {
      auto f = flow(TcpSpec{}, 4, 1000, 1000);
      f[2][33] |= flag;
      set_tcp_checksum(f[2], false);
      Batch b(f);
      GroCoalescer gro(64);
      // [0,1] joined, [2] alone, [3] alone (it must not join [0,1] past the flagged one).
      BOOST_REQUIRE_EQUAL(b.coalesce(gro), 3u);
      BOOST_TEST(gro.group(0).count == 2u);
      BOOST_TEST(gro.group(1).count == 1u);
      BOOST_TEST(gro.member(gro.group(1).first) == 2u);
      BOOST_TEST(gro.member(gro.group(2).first) == 3u);
    }
  }
}

BOOST_AUTO_TEST_CASE(pure_acks_udp_and_garbage_pass_through) {
  Batch b;
  b.add(tcp_packet(TcpSpec{}, {}));
  Bytes udp = tcp_packet(TcpSpec{}, pattern(100));
  udp[9] = 17;
  fix_ipv4_checksum(udp);
  b.add(udp);
  b.add(udp);
  b.add(Bytes{0x45, 1, 2});
  b.add(Bytes{});
  GroCoalescer gro(64);
  BOOST_REQUIRE_EQUAL(b.coalesce(gro), 5u);
  for (std::size_t g = 0; g < 5; ++g) {
    const auto [h, p] = written(gro, g);
    BOOST_TEST(h.gso_type == kVirtioNetHdrGsoNone);
    BOOST_TEST(p == b.packets[g]);
  }
}

BOOST_AUTO_TEST_CASE(refuses_segments_whose_headers_differ) {
  using Edit = void (*)(Bytes&);
  const std::vector<std::pair<const char*, Edit>> edits = {
      {"ttl", [](Bytes& p) { p[8] = 63; }},
      {"tos", [](Bytes& p) { p[1] = 4; }},
      {"df", [](Bytes& p) { p[6] = 0; }},
      {"ack", [](Bytes& p) { p[31] ^= 1; }},
      {"window", [](Bytes& p) { p[35] ^= 1; }},
      {"ece", [](Bytes& p) { p[33] |= kTcpEce; }},
      {"timestamp", [](Bytes& p) { p[44] ^= 1; }},
      {"destination", [](Bytes& p) { p[19] = 9; }},
      {"port", [](Bytes& p) { p[23] ^= 1; }},
  };
  for (const auto& [name, edit] : edits) {
    BOOST_TEST_CONTEXT(name) {
      TcpSpec spec;
      spec.options = timestamps(1, 2);
      auto f = flow(spec, 2, 1000, 1000);
      edit(f[1]);
      fix_ipv4_checksum(f[1]);
      set_tcp_checksum(f[1], false);
      Batch b(f);
      GroCoalescer gro(64);
      BOOST_TEST(b.coalesce(gro) == 2u);
    }
  }
}

BOOST_AUTO_TEST_CASE(without_df_the_identification_must_count_up) {
  TcpSpec spec;
  spec.df = false;
  auto counting = flow(spec, 3, 1000, 1000);
  Batch b(counting);
  GroCoalescer gro(64);
  BOOST_TEST(b.coalesce(gro) == 1u);
  set16(counting[2], 4, 1);
  fix_ipv4_checksum(counting[2]);
  Batch c(counting);
  BOOST_TEST(c.coalesce(gro) == 2u);
}

BOOST_AUTO_TEST_CASE(a_bad_checksum_is_not_joined_unless_verification_is_off) {
  auto f = flow(TcpSpec{}, 3, 1000, 1000);
  f[1][60] ^= 0xff;  // payload damaged, checksum not updated
  Batch b(f);
  GroCoalescer strict(64);
  BOOST_TEST(b.coalesce(strict) == 3u);
  Batch c(f);
  GroCoalescer trusting(64, GroOptions{65535, false});
  BOOST_TEST(c.coalesce(trusting) == 1u);
  Bytes bad_ip = f[0];
  bad_ip[8] = 1;  // TTL changed, IPv4 header checksum not updated
  Batch d;
  d.add(bad_ip);
  d.add(f[1]);
  BOOST_TEST(d.coalesce(trusting) == 2u);
}

BOOST_AUTO_TEST_CASE(trailing_bytes_past_the_ip_length_are_never_joined) {
  auto f = flow(TcpSpec{}, 2, 1000, 1000);
  f[1].push_back(0);
  Batch b(f);
  GroCoalescer gro(64, GroOptions{65535, false});
  BOOST_TEST(b.coalesce(gro) == 2u);
}

BOOST_AUTO_TEST_CASE(super_packets_stay_within_max_size) {
  Bytes payload;
  Batch b(flow(TcpSpec{}, 50, 1448, 1448, &payload));
  GroCoalescer gro(64);
  BOOST_REQUIRE_EQUAL(b.coalesce(gro), 2u);
  BOOST_TEST(gro.group(0).size <= 65535u);
  BOOST_TEST(gro.group(0).count == (65535u - 40) / 1448);
  BOOST_TEST(gro.group(0).count + gro.group(1).count == 50u);
  Batch c(flow(TcpSpec{}, 50, 1448, 1448));  // afresh: the first run rewrote its head packets
  GroCoalescer small(64, GroOptions{10000, true});
  BOOST_TEST(c.coalesce(small) == 9u);  // 6 segments (8728 bytes) a group
}

BOOST_AUTO_TEST_CASE(pieces_are_what_flatten_copies) {
  Batch b(flow(TcpSpec{}, 4, 1000, 10));
  GroCoalescer gro(64);
  BOOST_REQUIRE_EQUAL(b.coalesce(gro), 1u);
  std::vector<core::ByteView> v(2);
  BOOST_TEST(gro.pieces(gro.group(0), v.data(), v.size()) == 4u);  // too few: says how many
  v.resize(4);
  BOOST_REQUIRE_EQUAL(gro.pieces(gro.group(0), v.data(), v.size()), 4u);
  Bytes joined;
  for (const auto& piece : v) joined.insert(joined.end(), piece.data, piece.data + piece.size);
  BOOST_TEST(joined == written(gro, 0).second);
  Bytes small(100);
  BOOST_TEST(gro.flatten(gro.group(0), small.data(), small.size()) == 0u);
}

BOOST_AUTO_TEST_CASE(a_batch_beyond_max_batch_is_cut) {
  Batch b(flow(TcpSpec{}, 6, 1000, 1000));
  GroCoalescer gro(4);
  BOOST_REQUIRE_EQUAL(b.coalesce(gro), 1u);
  BOOST_TEST(gro.group(0).count == 4u);
}

BOOST_AUTO_TEST_SUITE_END()
