// The IP packet parser of the node's packet filter (docs/control-plane.md, "Packet filter"): an
// IPv4 (RFC 791) or IPv6 (RFC 8200) packet to the fields the filter matches on, with exact length
// checks and a bounded walk over IPv6 extension headers. C++17-clean: the node engine includes it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/bytes.h"
#include "util/ip_prefix.h"
#include "util/result.h"

namespace weft::filter {

/// IANA protocol numbers the filter treats specially.
inline constexpr uint8_t kProtoHopByHop = 0;
inline constexpr uint8_t kProtoIcmp = 1;
inline constexpr uint8_t kProtoTcp = 6;
inline constexpr uint8_t kProtoUdp = 17;
inline constexpr uint8_t kProtoIpv6Routing = 43;
inline constexpr uint8_t kProtoIpv6Fragment = 44;
inline constexpr uint8_t kProtoEsp = 50;
inline constexpr uint8_t kProtoAh = 51;
inline constexpr uint8_t kProtoIcmpV6 = 58;
inline constexpr uint8_t kProtoIpv6NoNext = 59;
inline constexpr uint8_t kProtoIpv6DestOptions = 60;
inline constexpr uint8_t kProtoSctp = 132;

/// TCP header flags (RFC 9293, section 3.1).
inline constexpr uint8_t kTcpFin = 0x01;
inline constexpr uint8_t kTcpSyn = 0x02;
inline constexpr uint8_t kTcpRst = 0x04;
inline constexpr uint8_t kTcpAck = 0x10;

/// At most this many IPv6 extension headers are walked; a longer chain is malformed (RFC 7112
/// asks the whole chain to fit the first fragment; real packets carry one or two).
inline constexpr std::size_t kMaxExtensionHeaders = 8;

/// Where a packet sits in a fragmented datagram.
enum class Fragment : uint8_t {
  kNone,   ///< not fragmented
  kFirst,  ///< offset 0 with more fragments: carries the transport header, filtered as usual
  kLater,  ///< offset > 0: no transport header; `protocol` is the datagram's, ports are 0
};

/// Why parse_packet() refused a packet. Codes of the Result form: "filter.<name>".
enum class ParseError : uint8_t {
  kNone = 0,
  kTruncated,        ///< shorter than a header or than the length a header states
  kBadVersion,       ///< IP version is neither 4 nor 6
  kBadHeader,        ///< IPv4 header length < 20 or beyond the total length
  kBadExtensions,    ///< IPv6 extension header chain too long, misplaced hop-by-hop, two fragment headers
  kCount
};

/// The fields of one IP packet that the filter matches on. Ports and ICMP fields are 0 where the
/// protocol has none (and for later fragments).
struct PacketInfo {
  util::IpAddress src;
  util::IpAddress dst;
  uint8_t protocol = 0;       ///< upper-layer protocol, after IPv6 extension headers
  uint16_t src_port = 0;      ///< TCP, UDP, SCTP
  uint16_t dst_port = 0;
  uint8_t tcp_flags = 0;      ///< kTcp* bits
  uint8_t icmp_type = 0;      ///< ICMP / ICMPv6
  uint8_t icmp_code = 0;
  uint16_t icmp_id = 0;       ///< echo request and reply only
  Fragment fragment = Fragment::kNone;
  uint32_t fragment_offset = 0;  ///< in bytes
  /// Fragments only: where the fragmentable part begins, which offsets count from: the end of the IPv4
  /// header, or the byte after the IPv6 fragment header (extension headers before it excluded).
  std::size_t fragmentable_offset = 0;
  std::size_t length = 0;        ///< the packet's length as its header states (trailing bytes ignored)
  std::size_t transport_offset = 0;  ///< where the upper-layer header begins

  bool is_v4() const { return src.is_v4(); }
  /// TCP, UDP or SCTP (the protocols whose rules name ports).
  bool has_ports() const;
  bool is_icmp() const;
  bool is_echo_request() const;
  bool is_echo_reply() const;
  /// An ICMP error quoting the packet that caused it: ICMPv4 destination unreachable, time
  /// exceeded, parameter problem; ICMPv6 types 1-4 (RFC 4443).
  bool is_icmp_error() const;
};

/// Parses an IP packet from the tunnel. Never reads outside `bytes`; bytes after the length the
/// header states are ignored (padding). A first fragment must hold its whole transport header
/// (RFC 1858: no tiny fragments). Allocation-free. Returns kNone on success.
ParseError parse_packet(core::ByteView bytes, PacketInfo& out);

/// The same, as a Result. Errors: "filter.truncated", "filter.bad_version", "filter.bad_header",
/// "filter.bad_extensions" (ParseError's names), with a detail for people.
Result<PacketInfo> parse_packet(core::ByteView bytes);

/// Parses the packet an ICMP error quotes (the bytes after the ICMP header): as parse_packet(),
/// except that the quoted packet may be cut short after its IP header and the first 8 bytes of
/// its transport header (RFC 792; RFC 4443 quotes more), which is all the filter reads of it.
/// Allocation-free.
ParseError parse_quoted_packet(core::ByteView bytes, PacketInfo& out);

/// "truncated", "bad_version", ... Never fails.
const char* to_string(ParseError e);

}  // namespace weft::filter
