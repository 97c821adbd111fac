// Hand-made TCP packets for the offload tests, fuzz seeds and benchmarks, and a reference
// Internet checksum written the slow, obvious way (16-bit words, one at a time), independent of
// lib/offload/checksum.cc, to verify what the splitter and the coalescer produce.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace weft::offload::testing {

using Bytes = std::vector<uint8_t>;

/// Folded one's-complement sum of 16-bit big-endian words (RFC 1071), plus `initial`.
inline uint32_t reference_sum(const uint8_t* p, std::size_t n, uint32_t initial = 0) {
  uint32_t sum = initial;
  for (std::size_t i = 0; i < n; ++i) sum += (i % 2 == 0) ? uint32_t{p[i]} << 8 : uint32_t{p[i]};
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  return sum;
}

inline uint16_t get16(const Bytes& b, std::size_t at) {
  return static_cast<uint16_t>((b[at] << 8) | b[at + 1]);
}
inline uint32_t get32(const Bytes& b, std::size_t at) {
  return (uint32_t{get16(b, at)} << 16) | get16(b, at + 2);
}
inline void set16(Bytes& b, std::size_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v >> 8);
  b[at + 1] = static_cast<uint8_t>(v);
}
inline void set32(Bytes& b, std::size_t at, uint32_t v) {
  set16(b, at, static_cast<uint16_t>(v >> 16));
  set16(b, at + 2, static_cast<uint16_t>(v));
}

inline std::size_t ip_header_size(const Bytes& p) { return (p[0] >> 4) == 6 ? 40 : (p[0] & 15u) * 4; }
inline std::size_t tcp_header_size(const Bytes& p) { return (p[ip_header_size(p) + 12] >> 4) * 4u; }

/// The pseudo-header sum of a TCP packet for a TCP length of `tcp_length`, folded.
inline uint32_t reference_pseudo_sum(const Bytes& p, std::size_t tcp_length) {
  const bool v6 = (p[0] >> 4) == 6;
  const std::size_t at = v6 ? 8 : 12, len = v6 ? 32 : 8;
  uint32_t sum = reference_sum(p.data() + at, len);
  sum += 6 + static_cast<uint32_t>(tcp_length >> 16) + static_cast<uint32_t>(tcp_length & 0xffff);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  return sum;
}

/// The packet's full TCP checksum verifies.
inline bool tcp_checksum_valid(const Bytes& p) {
  const std::size_t ip = ip_header_size(p);
  return reference_sum(p.data() + ip, p.size() - ip, reference_pseudo_sum(p, p.size() - ip)) == 0xffff;
}

/// The IPv4 header checksum verifies (true for IPv6, which has none).
inline bool ipv4_checksum_valid(const Bytes& p) {
  return (p[0] >> 4) == 6 || reference_sum(p.data(), ip_header_size(p)) == 0xffff;
}

/// What a hand-made TCP packet looks like.
struct TcpSpec {
  bool v6 = false;
  uint32_t seq = 1000;
  uint32_t ack = 77;
  uint8_t flags = 0x10;  // ACK
  uint16_t window = 512;
  uint16_t id = 0x4242;
  bool df = true;
  uint8_t ttl = 64;
  uint16_t src_port = 40000, dst_port = 5201;
  uint8_t src_last = 1, dst_last = 2;  // last byte of 10.0.0.x / fd00::x
  Bytes options;                        // a multiple of 4 bytes
};

/// A TCP timestamp option (NOP NOP TS), 12 bytes.
inline Bytes timestamps(uint32_t tsval, uint32_t tsecr) {
  Bytes o{1, 1, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0};
  set32(o, 4, tsval);
  set32(o, 8, tsecr);
  return o;
}

/// Payload bytes that differ by position, so that a misplaced slice shows.
inline Bytes pattern(std::size_t n, uint32_t seed = 0) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>((i + seed) * 131 + (i >> 8));
  return b;
}

/// Sets the TCP checksum field to the full checksum (valid_checksum) or to the pseudo-header
/// sum a packet flagged NEEDS_CSUM carries.
inline void set_tcp_checksum(Bytes& p, bool partial) {
  const std::size_t ip = ip_header_size(p);
  set16(p, ip + 16, 0);
  const uint32_t pseudo = reference_pseudo_sum(p, p.size() - ip);
  if (partial) {
    set16(p, ip + 16, static_cast<uint16_t>(pseudo));
  } else {
    set16(p, ip + 16, static_cast<uint16_t>(~reference_sum(p.data() + ip, p.size() - ip, pseudo)));
  }
}

/// An IPv4 or IPv6 TCP packet with correct lengths and checksums (full, or partial as the
/// kernel hands a NEEDS_CSUM packet over).
inline Bytes tcp_packet(const TcpSpec& s, const Bytes& payload, bool partial_checksum = false) {
  const std::size_t ip = s.v6 ? 40 : 20, tcp = 20 + s.options.size();
  Bytes p(ip + tcp + payload.size(), 0);
  if (s.v6) {
    p[0] = 0x60;
    set16(p, 4, static_cast<uint16_t>(tcp + payload.size()));
    p[6] = 6;
    p[7] = s.ttl;
    p[8] = 0xfd;
    p[24] = 0xfd;
    p[23] = s.src_last;
    p[39] = s.dst_last;
  } else {
    p[0] = 0x45;
    set16(p, 2, static_cast<uint16_t>(p.size()));
    set16(p, 4, s.id);
    p[6] = s.df ? 0x40 : 0;
    p[8] = s.ttl;
    p[9] = 6;
    p[12] = 10;
    p[15] = s.src_last;
    p[16] = 10;
    p[19] = s.dst_last;
    set16(p, 10, static_cast<uint16_t>(~reference_sum(p.data(), 20)));
  }
  set16(p, ip, s.src_port);
  set16(p, ip + 2, s.dst_port);
  set32(p, ip + 4, s.seq);
  set32(p, ip + 8, s.ack);
  p[ip + 12] = static_cast<uint8_t>((tcp / 4) << 4);
  p[ip + 13] = s.flags;
  set16(p, ip + 14, s.window);
  std::copy(s.options.begin(), s.options.end(), p.begin() + static_cast<std::ptrdiff_t>(ip + 20));
  std::copy(payload.begin(), payload.end(), p.begin() + static_cast<std::ptrdiff_t>(ip + tcp));
  set_tcp_checksum(p, partial_checksum);
  return p;
}

/// Rewrites the IPv4 header checksum after a test edited the header.
inline void fix_ipv4_checksum(Bytes& p) {
  if ((p[0] >> 4) != 4) return;
  set16(p, 10, 0);
  set16(p, 10, static_cast<uint16_t>(~reference_sum(p.data(), ip_header_size(p))));
}

}  // namespace weft::offload::testing
