// Protocol names and numbers as written in policy files (IANA "Assigned Internet Protocol
// Numbers"; the names Tailscale's policy language accepts for `proto` and grant `ip`).
#include <array>
#include <string>
#include <string_view>

#include "policy/protocol.h"

namespace weft::policy {
namespace {

struct NamedProtocol {
  std::string_view name;
  uint8_t number;
};

// The first name of each number is its canonical one (used by protocol_name).
constexpr std::array<NamedProtocol, 14> kNamedProtocols{{
    {"icmp", 1},
    {"igmp", 2},
    {"ipv4", 4},
    {"ip-in-ip", 4},
    {"tcp", 6},
    {"egp", 8},
    {"igp", 9},
    {"udp", 17},
    {"gre", 47},
    {"esp", 50},
    {"ah", 51},
    {"ipv6-icmp", 58},
    {"icmpv6", 58},
    {"sctp", 132},
}};

char to_lower_ascii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (to_lower_ascii(a[i]) != b[i]) return false;
  return true;
}

}  // namespace

std::optional<uint8_t> protocol_from_text(std::string_view text) {
  for (const auto& p : kNamedProtocols)
    if (equals_ignoring_case(text, p.name)) return p.number;
  // Decimal numbers only, without sign or leading zeros, so "06" or "+6" are not silently
  // read as TCP.
  if (text.empty() || text.size() > 3) return std::nullopt;
  if (text.size() > 1 && text[0] == '0') return std::nullopt;
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 255) return std::nullopt;
  return static_cast<uint8_t>(value);
}

std::string protocol_name(uint8_t proto) {
  for (const auto& p : kNamedProtocols)
    if (p.number == proto) return std::string(p.name);
  return std::to_string(proto);
}

bool protocol_has_ports(uint8_t proto) {
  return proto == kProtoTcp || proto == kProtoUdp || proto == kProtoSctp;
}

}  // namespace weft::policy
