// Host-name endpoints (`Endpoint = vpn.example.com:51820`): the choice of an address for the
// tunnel's socket, the resolution at start, and when to resolve again — as wg(8) resolves at
// setconf time and wireguard-tools' reresolve-dns.sh again while handshakes fail.
#pragma once

#include <chrono>
#include <optional>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include "core/path.h"
#include "tunnel/config_file.h"
#include "util/result.h"

namespace weft::tunnel {

/// How often the driver looks for peers whose host name should be resolved again
/// (reresolve-dns.sh is typically run every 30 s).
inline constexpr std::chrono::seconds kReresolveInterval{30};
/// A peer with a host-name endpoint and no handshake for this long is resolved again
/// (reresolve-dns.sh's 135 s: RekeyTimeout + KeepaliveTimeout + RekeyAfterTime's slack).
inline constexpr std::chrono::seconds kReresolveAfter{135};

/// The first of `candidates` (in the resolver's order, which follows gai.conf) that the socket
/// can reach: any when `ipv6_ok` (a dual-stack socket), IPv4 only otherwise.
std::optional<core::SocketAddress> pick_endpoint(const std::vector<core::SocketAddress>& candidates,
                                                 bool ipv6_ok);

/// The resolver's answers as socket addresses (IPv4-mapped IPv6 as IPv4), in its order.
std::vector<core::SocketAddress> to_socket_addresses(
    const std::vector<boost::asio::ip::tcp::endpoint>& endpoints);

/// True when a peer whose last handshake was `last_handshake` (nullopt: never) should have its
/// host name resolved again at `now`.
bool needs_reresolve(std::optional<std::chrono::system_clock::time_point> last_handshake,
                     std::chrono::system_clock::time_point now);

/// Resolves `host` now (getaddrinfo(3), blocking: for start-up only) and picks an address.
/// Errors: "tunnel.resolve" with the resolver's message, or when no address of a usable
/// family came back.
Result<core::SocketAddress> resolve_endpoint_now(const HostEndpoint& host, bool ipv6_ok);

}  // namespace weft::tunnel
