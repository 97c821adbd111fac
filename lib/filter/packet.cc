// IPv4 (RFC 791) and IPv6 (RFC 8200) header parsing for the packet filter: exact length checks,
// a bounded extension-header walk, transport fields of TCP, UDP, SCTP, ICMP and ICMPv6.
#include "filter/packet.h"

#include <string>

namespace weft::filter {
namespace {

constexpr std::size_t kIpv4MinHeader = 20;
constexpr std::size_t kIpv6Header = 40;
constexpr std::size_t kTcpMinHeader = 20;
constexpr std::size_t kUdpHeader = 8;
constexpr std::size_t kSctpCommonHeader = 12;
constexpr std::size_t kIcmpHeader = 8;  // type, code, checksum, 4 bytes of rest-of-header
/// An ICMP error quotes at least the IP header and the first 8 transport bytes (RFC 792).
constexpr std::size_t kQuotedTransport = 8;
constexpr uint16_t kIpv4MoreFragments = 0x2000;
constexpr uint16_t kIpv4OffsetMask = 0x1fff;

uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

util::IpAddress v4_at(const uint8_t* p) { return util::IpAddress::v4({p[0], p[1], p[2], p[3]}); }

util::IpAddress v6_at(const uint8_t* p) {
  std::array<uint8_t, 16> b{};
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = p[i];
  return util::IpAddress::v6(b);
}

enum class Mode : uint8_t { kPacket, kQuoted };

// The transport header at b[off, end). A quoted packet needs only its first 8 bytes.
ParseError parse_transport(const uint8_t* b, std::size_t off, std::size_t end, Mode mode,
                           PacketInfo& out) {
  out.transport_offset = off;
  if (out.fragment == Fragment::kLater) return ParseError::kNone;
  const std::size_t have = end - off;
  const uint8_t* t = b + off;
  const bool quoted = mode == Mode::kQuoted;
  auto need = [&](std::size_t n) { return have >= (quoted && n > kQuotedTransport ? kQuotedTransport : n); };
  switch (out.protocol) {
    case kProtoTcp: {
      if (!need(kTcpMinHeader)) return ParseError::kTruncated;
      out.src_port = be16(t);
      out.dst_port = be16(t + 2);
      if (have < kTcpMinHeader) return ParseError::kNone;  // quoted: ports are enough
      out.tcp_flags = t[13];
      const std::size_t data_offset = static_cast<std::size_t>(t[12] >> 4) * 4;
      if (data_offset < kTcpMinHeader) return ParseError::kBadHeader;
      if (!quoted && data_offset > have) return ParseError::kTruncated;
      return ParseError::kNone;
    }
    case kProtoUdp:
    case kProtoSctp:
      if (!need(out.protocol == kProtoUdp ? kUdpHeader : kSctpCommonHeader)) return ParseError::kTruncated;
      out.src_port = be16(t);
      out.dst_port = be16(t + 2);
      return ParseError::kNone;
    default:
      break;
  }
  if (out.is_icmp()) {
    if (!need(kIcmpHeader)) return ParseError::kTruncated;
    out.icmp_type = t[0];
    out.icmp_code = t[1];
    if (out.is_echo_request() || out.is_echo_reply()) out.icmp_id = be16(t + 4);
  }
  return ParseError::kNone;
}

ParseError parse_v4(const uint8_t* b, std::size_t size, Mode mode, PacketInfo& out) {
  if (size < kIpv4MinHeader) return ParseError::kTruncated;
  const std::size_t header = static_cast<std::size_t>(b[0] & 0x0f) * 4;
  const std::size_t total = be16(b + 2);
  if (header < kIpv4MinHeader || total < header) return ParseError::kBadHeader;
  if (header > size) return ParseError::kTruncated;
  if (total > size && mode == Mode::kPacket) return ParseError::kTruncated;
  out.length = total;
  out.protocol = b[9];
  out.src = v4_at(b + 12);
  out.dst = v4_at(b + 16);
  out.fragmentable_offset = header;
  const uint16_t frag = be16(b + 6);
  out.fragment_offset = static_cast<uint32_t>(frag & kIpv4OffsetMask) * 8;
  if (out.fragment_offset > 0)
    out.fragment = Fragment::kLater;
  else if (frag & kIpv4MoreFragments)
    out.fragment = Fragment::kFirst;
  return parse_transport(b, header, total < size ? total : size, mode, out);
}

bool is_extension_header(uint8_t next) {
  switch (next) {
    case kProtoHopByHop:
    case kProtoIpv6Routing:
    case kProtoIpv6Fragment:
    case kProtoAh:
    case kProtoIpv6DestOptions:
    case 135:  // Mobility (RFC 6275)
    case 139:  // HIP (RFC 7401)
    case 140:  // Shim6 (RFC 5533)
    case 253:  // experimentation (RFC 3692)
    case 254:
      return true;
    default:
      return false;  // ESP (50) and No Next Header (59) end the walk as the packet's protocol
  }
}

ParseError parse_v6(const uint8_t* b, std::size_t size, Mode mode, PacketInfo& out) {
  if (size < kIpv6Header) return ParseError::kTruncated;
  const std::size_t total = kIpv6Header + be16(b + 4);
  if (total > size && mode == Mode::kPacket) return ParseError::kTruncated;
  const std::size_t end = total < size ? total : size;
  out.length = total;
  out.src = v6_at(b + 8);
  out.dst = v6_at(b + 24);
  uint8_t next = b[6];
  std::size_t off = kIpv6Header;
  bool fragment_seen = false;
  for (std::size_t count = 0; is_extension_header(next); ++count) {
    // RFC 8200 4.1: hop-by-hop options only right after the IPv6 header; each other header at
    // most once or twice, so a long chain is not a real packet.
    if (count == kMaxExtensionHeaders || (next == kProtoHopByHop && count > 0))
      return ParseError::kBadExtensions;
    if (end - off < 8) return ParseError::kTruncated;
    const uint8_t* h = b + off;
    if (next == kProtoIpv6Fragment) {
      if (fragment_seen) return ParseError::kBadExtensions;
      fragment_seen = true;
      const uint16_t frag = be16(h + 2);
      out.fragment_offset = frag & 0xfff8u;  // 13-bit offset in 8-byte units, already shifted
      next = h[0];
      off += 8;
      out.fragmentable_offset = off;
      if (out.fragment_offset > 0) {
        out.fragment = Fragment::kLater;
        break;
      }
      // Offset 0 without M is an atomic fragment (RFC 6946): a whole packet.
      if (frag & 1) out.fragment = Fragment::kFirst;
      continue;
    }
    const std::size_t len = next == kProtoAh ? (static_cast<std::size_t>(h[1]) + 2) * 4
                                             : (static_cast<std::size_t>(h[1]) + 1) * 8;
    if (end - off < len) return ParseError::kTruncated;
    next = h[0];
    off += len;
  }
  out.protocol = next;
  return parse_transport(b, off, end, mode, out);
}

ParseError parse(core::ByteView bytes, Mode mode, PacketInfo& out) {
  out = PacketInfo{};
  if (bytes.data == nullptr || bytes.size == 0) return ParseError::kTruncated;
  switch (bytes.data[0] >> 4) {
    case 4:
      return parse_v4(bytes.data, bytes.size, mode, out);
    case 6:
      return parse_v6(bytes.data, bytes.size, mode, out);
    default:
      return ParseError::kBadVersion;
  }
}

}  // namespace

bool PacketInfo::has_ports() const {
  return fragment != Fragment::kLater &&
         (protocol == kProtoTcp || protocol == kProtoUdp || protocol == kProtoSctp);
}

bool PacketInfo::is_icmp() const {
  return protocol == (is_v4() ? kProtoIcmp : kProtoIcmpV6) && fragment != Fragment::kLater;
}

bool PacketInfo::is_echo_request() const { return is_icmp() && icmp_type == (is_v4() ? 8 : 128); }

bool PacketInfo::is_echo_reply() const { return is_icmp() && icmp_type == (is_v4() ? 0 : 129); }

bool PacketInfo::is_icmp_error() const {
  if (!is_icmp()) return false;
  // Redirects (5) and source quench (4, deprecated by RFC 6633) are not answers to a flow.
  if (is_v4()) return icmp_type == 3 || icmp_type == 11 || icmp_type == 12;
  return icmp_type >= 1 && icmp_type <= 4;
}

ParseError parse_packet(core::ByteView bytes, PacketInfo& out) { return parse(bytes, Mode::kPacket, out); }

ParseError parse_quoted_packet(core::ByteView bytes, PacketInfo& out) {
  return parse(bytes, Mode::kQuoted, out);
}

Result<PacketInfo> parse_packet(core::ByteView bytes) {
  PacketInfo info;
  const ParseError e = parse_packet(bytes, info);
  if (e == ParseError::kNone) return info;
  return make_error(std::string("filter.") + to_string(e),
                    "IP packet of " + std::to_string(bytes.size) + " bytes: " + to_string(e));
}

const char* to_string(ParseError e) {
  switch (e) {
    case ParseError::kNone: return "none";
    case ParseError::kTruncated: return "truncated";
    case ParseError::kBadVersion: return "bad_version";
    case ParseError::kBadHeader: return "bad_header";
    case ParseError::kBadExtensions: return "bad_extensions";
    case ParseError::kCount: break;
  }
  return "unknown";
}

}  // namespace weft::filter
