// Parsing of `HOST:PORT` for acl query; the host itself is resolved by identity_from_text.
#include "policy/query.h"

#include <charconv>
#include <string>

namespace weft::policy {

Result<QueryTarget> target_from_text(const Policy& policy, std::string_view host_port) {
  std::string_view host;
  std::string_view port;
  if (!host_port.empty() && host_port.front() == '[') {
    auto close = host_port.find(']');
    if (close == std::string_view::npos || close + 1 >= host_port.size() ||
        host_port[close + 1] != ':') {
      return make_error("query.target", "expected \"[IPv6]:PORT\", got " + quoted(host_port));
    }
    host = host_port.substr(1, close - 1);
    port = host_port.substr(close + 2);
  } else {
    auto colon = host_port.rfind(':');
    if (colon == std::string_view::npos || colon == 0) {
      return make_error("query.target", "expected HOST:PORT, got " + quoted(host_port));
    }
    host = host_port.substr(0, colon);
    port = host_port.substr(colon + 1);
  }
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535) {
    return make_error("query.port", "invalid port " + quoted(port) + ": expected a number from 0 to 65535");
  }
  auto identity = identity_from_text(policy, host, /*is_src=*/false);
  if (!identity) return identity.error();
  return QueryTarget{std::move(identity).value(), static_cast<uint16_t>(value)};
}

}  // namespace weft::policy
