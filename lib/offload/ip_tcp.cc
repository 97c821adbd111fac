// Locates the TCP header of an IPv4 (RFC 791) or IPv6 (RFC 8200) packet and its end
// (RFC 9293 section 3.1, data offset).
#include "offload/ip_tcp.h"

namespace weft::offload {

OffloadError parse_ip_tcp(core::ByteView packet, IpTcpLayout& out) {
  const uint8_t* p = packet.data;
  const std::size_t size = packet.size;
  if (p == nullptr || size < 1) return OffloadError::kMalformedIp;
  const unsigned version = p[0] >> 4;
  if (version == 4) {
    if (size < kIpv4HeaderMin) return OffloadError::kMalformedIp;
    const std::size_t ihl = std::size_t{p[0] & 0x0fu} * 4;
    if (ihl < kIpv4HeaderMin || ihl > size) return OffloadError::kMalformedIp;
    // More-fragments or a fragment offset: not a whole TCP segment.
    if ((((p[6] << 8) | p[7]) & 0x3fff) != 0) return OffloadError::kMalformedIp;
    if (p[9] != kIpProtoTcp) return OffloadError::kNotTcp;
    out.ipv6 = false;
    out.ip_header_size = ihl;
  } else if (version == 6) {
    if (size < kIpv6Header) return OffloadError::kMalformedIp;
    if (p[6] != kIpProtoTcp) return OffloadError::kNotTcp;
    out.ipv6 = true;
    out.ip_header_size = kIpv6Header;
  } else {
    return OffloadError::kMalformedIp;
  }
  const std::size_t tcp = out.ip_header_size;
  if (size - tcp < kTcpHeaderMin) return OffloadError::kMalformedTcp;
  const std::size_t data_offset = static_cast<std::size_t>(p[tcp + 12] >> 4) * 4;
  if (data_offset < kTcpHeaderMin || data_offset > size - tcp) return OffloadError::kMalformedTcp;
  out.tcp_header_size = data_offset;
  return OffloadError::kNone;
}

}  // namespace weft::offload
