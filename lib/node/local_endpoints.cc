// The node's own addresses as endpoints (local_endpoints.h), from getifaddrs(3).
#include "node/local_endpoints.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "node/tailnet_interface.h"

namespace weft::node {

Result<std::vector<core::SocketAddress>> local_endpoints(uint16_t port,
                                                         const std::string& exclude_interface) {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0)
    return make_error("node.endpoints", std::string("getifaddrs: ") + std::strerror(errno));
  std::vector<core::SocketAddress> out;
  for (ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
    if (i->ifa_addr == nullptr || (i->ifa_flags & IFF_UP) == 0) continue;
    if ((i->ifa_flags & IFF_LOOPBACK) != 0) continue;
    if (i->ifa_name != nullptr && exclude_interface == i->ifa_name) continue;
    util::IpAddress a;
    if (i->ifa_addr->sa_family == AF_INET) {
      const auto* sin = reinterpret_cast<const sockaddr_in*>(i->ifa_addr);
      std::array<uint8_t, 4> b{};
      std::memcpy(b.data(), &sin->sin_addr, 4);
      a = util::IpAddress::v4(b);
    } else if (i->ifa_addr->sa_family == AF_INET6) {
      const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(i->ifa_addr);
      if (IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr) || IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
        continue;
      std::array<uint8_t, 16> b{};
      std::memcpy(b.data(), &sin6->sin6_addr, 16);
      a = util::IpAddress::v6(b);
    } else {
      continue;
    }
    if (in_tailnet(a)) continue;
    core::SocketAddress e{a, port};
    if (std::find(out.begin(), out.end(), e) == out.end()) out.push_back(e);
  }
  ::freeifaddrs(list);
  std::stable_sort(out.begin(), out.end(), [](const core::SocketAddress& x,
                                              const core::SocketAddress& y) {
    return x.address.is_v4() && !y.address.is_v4();
  });
  return out;
}

}  // namespace weft::node
