// Where the headers of one IPv4 or IPv6 TCP packet end (RFC 791, RFC 8200, RFC 9293 section
// 3.1): the shared first step of the splitter and the coalescer. C++17-clean.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/bytes.h"
#include "offload/error.h"

namespace weft::offload {

inline constexpr uint8_t kIpProtoTcp = 6;
inline constexpr std::size_t kIpv4HeaderMin = 20;
inline constexpr std::size_t kIpv6Header = 40;
inline constexpr std::size_t kTcpHeaderMin = 20;
inline constexpr std::size_t kTcpChecksumOffset = 16;  ///< csum_offset of TCP

// TCP flag bits (byte 13 of the header).
inline constexpr uint8_t kTcpFin = 0x01;
inline constexpr uint8_t kTcpSyn = 0x02;
inline constexpr uint8_t kTcpRst = 0x04;
inline constexpr uint8_t kTcpPsh = 0x08;
inline constexpr uint8_t kTcpAck = 0x10;
inline constexpr uint8_t kTcpUrg = 0x20;
inline constexpr uint8_t kTcpEce = 0x40;
inline constexpr uint8_t kTcpCwr = 0x80;

/// The header layout of a TCP packet.
struct IpTcpLayout {
  bool ipv6 = false;
  std::size_t ip_header_size = 0;   ///< IPv4 IHL * 4, or 40
  std::size_t tcp_header_size = 0;  ///< data offset * 4 (options included)
  std::size_t headers_size() const { return ip_header_size + tcp_header_size; }
};

/// Parses the IP and TCP headers of `packet` (the bytes past the end are the payload; the
/// IP length fields are not consulted). Errors: kMalformedIp (shorter than its IP header,
/// version neither 4 nor 6, IHL < 5, an IPv4 fragment), kNotTcp (protocol not TCP, or an IPv6
/// extension header before it), kMalformedTcp (data offset < 5 or past the end).
OffloadError parse_ip_tcp(core::ByteView packet, IpTcpLayout& out);

}  // namespace weft::offload
