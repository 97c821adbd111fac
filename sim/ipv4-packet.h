// Small, valid IPv4/UDP packets (RFC 791 header with checksum, RFC 768 UDP with checksum) that
// the harness injects as "tunnel" traffic, and a strict parser to check what comes out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace weft::sim {

/// An IPv4 address in host byte order (10.0.0.1 == 0x0a000001).
using Ipv4 = uint32_t;

inline constexpr Ipv4 make_ipv4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  return (Ipv4{a} << 24) | (Ipv4{b} << 16) | (Ipv4{c} << 8) | Ipv4{d};
}

inline constexpr std::size_t kIpv4HeaderSize = 20;
inline constexpr std::size_t kUdpHeaderSize = 8;
inline constexpr uint8_t kIpProtoUdp = 17;

struct UdpFlow {
  Ipv4 source = 0;
  Ipv4 destination = 0;
  uint16_t source_port = 0;
  uint16_t destination_port = 0;
};

/// Builds one IPv4 packet (no options, TTL 64, DF clear) carrying a UDP datagram with `payload`.
/// Both checksums are filled in. The payload must keep the packet within 65535 bytes.
std::vector<uint8_t> build_ipv4_udp(const UdpFlow& flow, uint16_t identification,
                                    const std::vector<uint8_t>& payload);

struct ParsedUdp {
  UdpFlow flow;
  uint16_t identification = 0;
  std::vector<uint8_t> payload;
};

/// Parses a packet built as above. Returns nullopt unless the IPv4 header (version, IHL, total
/// length == size, header checksum), the protocol (UDP), the UDP length and the UDP checksum
/// are all exactly right: a corrupted or truncated packet is never accepted.
std::optional<ParsedUdp> parse_ipv4_udp(const uint8_t* data, std::size_t size);

/// The Internet checksum (RFC 1071) of `size` bytes, starting from a partial sum.
uint16_t internet_checksum(const uint8_t* data, std::size_t size, uint32_t partial = 0);

}  // namespace weft::sim
