// Where a datagram comes from or goes to: the one address type of weft's cores and drivers. A
// path is a UDP socket address today and a relayed path (relay connection + far node) once
// relays exist; cores treat it as an opaque handle with a stable identity. C++17-clean.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/key.h"
#include "util/ip_prefix.h"

namespace weft::core {

/// An IPv4 or IPv6 address and a UDP port (IPv4-mapped IPv6 never appears here).
struct SocketAddress {
  util::IpAddress address;
  uint16_t port = 0;

  /// Parses "IPv4:port" or "[IPv6]:port" with a literal address and a decimal port 1..65535,
  /// as wg(8) writes endpoints. nullopt for host names, missing brackets around IPv6, a
  /// bracketed IPv4 address, or a bad port.
  static std::optional<SocketAddress> parse(std::string_view text);
  /// "192.0.2.1:51820" or "[2001:db8::1]:51820".
  std::string to_string() const;

  friend bool operator==(const SocketAddress& a, const SocketAddress& b) {
    return a.address == b.address && a.port == b.port;
  }
  friend bool operator!=(const SocketAddress& a, const SocketAddress& b) { return !(a == b); }
  friend bool operator<(const SocketAddress& a, const SocketAddress& b) {
    if (a.address != b.address) return a.address < b.address;
    return a.port < b.port;
  }
};

/// A path through a relay: the driver's id of the relay connection, and the node at the far
/// end (the source of a received frame, the destination of a sent one).
struct RelayPath {
  uint32_t relay = 0;
  NodePublicKey node{};

  friend bool operator==(const RelayPath& a, const RelayPath& b) {
    return a.relay == b.relay && a.node == b.node;
  }
};

enum class PathKind : uint8_t { kNone = 0, kUdp, kRelay };

/// The identity of a path's sender for tables keyed on it (handshake rate limiting, cookies):
/// fixed size so it can key a map without allocating.
using PathKey = std::array<uint8_t, 1 + 4 + kKeySize>;

/// A peer's endpoint as cores see it. Plain value; equality is what roaming compares.
struct Path {
  PathKind kind = PathKind::kNone;
  SocketAddress udp{};  ///< kUdp only
  RelayPath relay{};    ///< kRelay only

  static Path to_udp(const SocketAddress& address) {
    Path p;
    p.kind = PathKind::kUdp;
    p.udp = address;
    return p;
  }
  static Path via_relay(uint32_t relay, const NodePublicKey& node) {
    Path p;
    p.kind = PathKind::kRelay;
    p.relay = RelayPath{relay, node};
    return p;
  }
  /// An IPv4 UDP path (tests and simulations).
  static Path v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port) {
    return to_udp(SocketAddress{util::IpAddress::v4({a, b, c, d}), port});
  }

  bool is_set() const { return kind != PathKind::kNone; }
  bool is_udp() const { return kind == PathKind::kUdp; }
  bool is_relay() const { return kind == PathKind::kRelay; }

  /// The sender as a handshake rate limiter sees it: the source IP address for UDP (the port
  /// is free to an attacker, so it is left out, as WireGuard does), the relay and the far node
  /// for a relayed path (so relayed peers do not share the relay's bucket).
  PathKey host_key() const;
  /// The bytes a cookie binds to (whitepaper 5.4.7): address and port for UDP; for a relayed
  /// path, the relay and the far node. Writes at most kMaxCookieSource bytes; returns the count.
  std::size_t cookie_source(uint8_t* out) const;
  static constexpr std::size_t kMaxCookieSource = 1 + 4 + kKeySize;

  /// "192.0.2.1:51820", "relay 3 via <node key hex prefix>", or "(none)".
  std::string to_string() const;

  friend bool operator==(const Path& a, const Path& b) {
    if (a.kind != b.kind) return false;
    if (a.kind == PathKind::kUdp) return a.udp == b.udp;
    if (a.kind == PathKind::kRelay) return a.relay == b.relay;
    return true;
  }
  friend bool operator!=(const Path& a, const Path& b) { return !(a == b); }
};

}  // namespace weft::core
