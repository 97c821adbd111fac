// Endpoint text form shared by the wg(8) config parser and the UAPI (both use host:port).
#include "tunnel/endpoint.h"

namespace weft::tunnel {

std::optional<Endpoint> Endpoint::parse(std::string_view text) {
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    // An unbracketed IPv6 address is ambiguous (which colon starts the port?).
    if (host.find(':') != std::string_view::npos) return std::nullopt;
  }
  if (port.empty() || port.size() > 5) return std::nullopt;
  uint32_t p = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return std::nullopt;
    p = p * 10 + static_cast<uint32_t>(c - '0');
  }
  if (p == 0 || p > 65535) return std::nullopt;
  auto addr = util::IpAddress::parse(host);
  if (!addr) return std::nullopt;
  bool bracketed = text.front() == '[';
  if (bracketed == addr->is_v4()) return std::nullopt;  // "[192.0.2.1]:1" is not a form wg emits
  return Endpoint{*addr, static_cast<uint16_t>(p)};
}

std::string Endpoint::to_string() const {
  if (address.is_v4()) return address.to_string() + ":" + std::to_string(port);
  return "[" + address.to_string() + "]:" + std::to_string(port);
}

}  // namespace weft::tunnel
