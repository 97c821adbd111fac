// What the node's TUN interface carries (docs/operations.md, "Running a node"): its tailnet
// addresses, each alone (/32, /128), and one route per tailnet range, so every peer the netmap
// brings later is reachable without another route; WireGuard's allowed IPs pick the peer.
// No OS calls: dataplane::configure_interface applies the layout.
#pragma once

#include <cstdint>
#include <vector>

#include "dataplane/interface_setup.h"
#include "util/ip_prefix.h"

namespace weft::node {

/// The ranges the coordination server assigns from (coord's address pool): 100.64.0.0/10 and
/// fd7a:115c:a1e0::/48.
std::vector<util::IpPrefix> tailnet_ranges();

/// The interface for `addresses` (a netmap's self addresses): each address as /32 or /128,
/// routes to tailnet_ranges(), the MTU.
dataplane::InterfaceLayout tailnet_layout(const std::vector<util::IpAddress>& addresses,
                                          uint32_t mtu);

/// True when `a` is in a tailnet range (not an underlay address to report as an endpoint).
bool in_tailnet(const util::IpAddress& a);

}  // namespace weft::node
