// Protocols as written in policy files: names and IANA numbers ("Assigned Internet Protocol
// Numbers"), and which of them carry ports. Part of the parse stage; no compiled policy here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace weft::policy {

/// IANA protocol numbers used by the defaults.
inline constexpr uint8_t kProtoIcmp = 1;
inline constexpr uint8_t kProtoTcp = 6;
inline constexpr uint8_t kProtoUdp = 17;
inline constexpr uint8_t kProtoIcmpV6 = 58;
inline constexpr uint8_t kProtoSctp = 132;

/// Parses a protocol as written in policies: a name ("tcp", "udp", "icmp", "ipv6-icmp", "sctp",
/// "igmp", "gre", "esp", "ah", ...; case-insensitive) or a decimal IANA number ("17").
/// nullopt when unknown, or for a number with a sign, leading zeros or above 255.
std::optional<uint8_t> protocol_from_text(std::string_view text);

/// The canonical name of a protocol number ("tcp"), or its number as text. Never fails.
std::string protocol_name(uint8_t proto);

/// Whether a protocol number carries ports (TCP, UDP, SCTP). Rules naming another protocol
/// must use the port "*", and decisions for it ignore the port. Never fails.
bool protocol_has_ports(uint8_t proto);

}  // namespace weft::policy
