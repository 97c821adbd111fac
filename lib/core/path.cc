// Socket address text (host:port as wg(8) writes it) and the identities a path is keyed by.
#include "core/path.h"

#include <cstring>

#include "core/key_text.h"

namespace weft::core {

std::optional<SocketAddress> SocketAddress::parse(std::string_view text) {
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
  return SocketAddress{*addr, static_cast<uint16_t>(p)};
}

std::string SocketAddress::to_string() const {
  if (address.is_v4()) return address.to_string() + ":" + std::to_string(port);
  return "[" + address.to_string() + "]:" + std::to_string(port);
}

namespace {

void put_relay(const RelayPath& r, uint8_t* out) {
  out[0] = static_cast<uint8_t>(r.relay >> 24);
  out[1] = static_cast<uint8_t>(r.relay >> 16);
  out[2] = static_cast<uint8_t>(r.relay >> 8);
  out[3] = static_cast<uint8_t>(r.relay);
  std::memcpy(out + 4, r.node.bytes.data(), kKeySize);
}

}  // namespace

PathKey Path::host_key() const {
  PathKey key{};
  key[0] = static_cast<uint8_t>(kind);
  if (kind == PathKind::kUdp) {
    key[1] = udp.address.is_v4() ? 4 : 6;
    std::memcpy(key.data() + 2, udp.address.bytes().data(), 16);
  } else if (kind == PathKind::kRelay) {
    put_relay(relay, key.data() + 1);
  }
  return key;
}

std::size_t Path::cookie_source(uint8_t* out) const {
  if (kind == PathKind::kUdp) {
    std::size_t n = udp.address.is_v4() ? 4 : 16;
    std::memcpy(out, udp.address.bytes().data(), n);
    out[n] = static_cast<uint8_t>(udp.port >> 8);
    out[n + 1] = static_cast<uint8_t>(udp.port);
    return n + 2;
  }
  out[0] = static_cast<uint8_t>(kind);
  if (kind != PathKind::kRelay) return 1;
  put_relay(relay, out + 1);
  return kMaxCookieSource;
}

std::string Path::to_string() const {
  switch (kind) {
    case PathKind::kUdp:
      return udp.to_string();
    case PathKind::kRelay:
      return "relay " + std::to_string(relay.relay) + " to " +
             key_to_hex(relay.node.bytes).substr(0, 16);
    case PathKind::kNone:
      break;
  }
  return "(none)";
}

}  // namespace weft::core
