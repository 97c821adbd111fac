// A peer's UDP endpoint as wg(8) writes it: "192.0.2.1:51820" or "[2001:db8::1]:51820".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/ip_prefix.h"

namespace weft::tunnel {

struct Endpoint {
  util::IpAddress address;
  uint16_t port = 0;

  /// Parses "IPv4:port" or "[IPv6]:port" with a literal address and a decimal port 1..65535.
  /// nullopt for host names, missing brackets around IPv6, or a bad port.
  static std::optional<Endpoint> parse(std::string_view text);
  std::string to_string() const;

  friend bool operator==(const Endpoint& a, const Endpoint& b) {
    return a.address == b.address && a.port == b.port;
  }
};

}  // namespace weft::tunnel
