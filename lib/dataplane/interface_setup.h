// Brings a node's TUN interface up as its configuration says: MTU, addresses, link up, and a
// route for each prefix reachable through the tunnel (rtnetlink; no protocol logic).
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/tun_device.h"
#include "util/ip_prefix.h"
#include "util/result.h"

namespace weft::dataplane {

struct InterfaceLayout {
  uint32_t mtu = 0;
  std::vector<util::InterfaceAddress> addresses;
  /// Prefixes to route into the tunnel (duplicates are fine).
  std::vector<util::IpPrefix> routes;
};

/// Applies `layout` to `tun`. Default routes (/0) are not installed: they would also capture
/// the encrypted datagrams to the peers (wg-quick uses fwmark policy routing for that); they
/// are returned so the caller can say so. Errors: "runtime.netlink*" from lib/runtime.
Result<std::vector<util::IpPrefix>> configure_interface(const runtime::TunDevice& tun,
                                                        const InterfaceLayout& layout);

}  // namespace weft::dataplane
