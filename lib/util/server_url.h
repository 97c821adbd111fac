// A coordination server's URL, as `weft up --server` and `weft serve --server-url` take it:
// scheme, host and port, parsed strictly (no paths, queries or user info).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/result.h"

namespace weft::util {

/// A coordination server's address as people write it.
struct ServerUrl {
  bool tls = false;
  std::string host;  // a DNS name or a literal address (IPv6 without brackets)
  uint16_t port = 0;

  /// "host:port" for the Host header ("[2001:db8::1]:443" for IPv6).
  std::string authority() const;
  /// "https://host:port".
  std::string to_string() const;
};

/// Parses "http://HOST[:PORT]" or "https://HOST[:PORT]", optionally ending in "/"; ports
/// default to 80 and 443, IPv6 literals are bracketed. Errors: "dial.url" (another scheme, a
/// path, query or user info, a bad host or port; the detail says which).
Result<ServerUrl> parse_server_url(std::string_view text);

}  // namespace weft::util
