// Host-name endpoints: address choice, start-up resolution, re-resolution rule
// (endpoint_resolve.h).
#include "tunnel/endpoint_resolve.h"

#include <boost/asio/io_context.hpp>

namespace weft::tunnel {

std::optional<core::SocketAddress> pick_endpoint(const std::vector<core::SocketAddress>& candidates,
                                                 bool ipv6_ok) {
  for (const auto& c : candidates) {
    if (c.address.is_v4() || ipv6_ok) return c;
  }
  return std::nullopt;
}

std::vector<core::SocketAddress> to_socket_addresses(
    const std::vector<boost::asio::ip::tcp::endpoint>& endpoints) {
  std::vector<core::SocketAddress> out;
  for (const auto& e : endpoints) {
    auto address = e.address();
    if (address.is_v6() && address.to_v6().is_v4_mapped()) {
      address = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6());
    }
    if (auto ip = util::IpAddress::parse(address.to_string())) {
      out.push_back(core::SocketAddress{*ip, e.port()});
    }
  }
  return out;
}

bool needs_reresolve(std::optional<std::chrono::system_clock::time_point> last_handshake,
                     std::chrono::system_clock::time_point now) {
  return !last_handshake || now - *last_handshake > kReresolveAfter;
}

Result<core::SocketAddress> resolve_endpoint_now(const HostEndpoint& host, bool ipv6_ok) {
  boost::asio::io_context local;  // synchronous resolution only
  boost::asio::ip::tcp::resolver resolver(local);
  boost::system::error_code ec;
  auto results = resolver.resolve(host.host, std::to_string(host.port), ec);
  if (ec) return make_error("tunnel.resolve", host.host + ": " + ec.message());
  std::vector<boost::asio::ip::tcp::endpoint> endpoints;
  for (const auto& r : results) endpoints.push_back(r.endpoint());
  std::vector<core::SocketAddress> found = to_socket_addresses(endpoints);
  auto chosen = pick_endpoint(found, ipv6_ok);
  if (!chosen) {
    return make_error("tunnel.resolve", host.host + ": no " +
                                            (ipv6_ok ? std::string("address") : "IPv4 address") +
                                            " found");
  }
  return *chosen;
}

}  // namespace weft::tunnel
