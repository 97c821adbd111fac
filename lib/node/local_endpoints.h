// The endpoints a node reports to the coordination server until discovery exists (issue 9:
// "endpoints are the addresses that nodes report"): its interfaces' addresses with the UDP port.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/path.h"
#include "util/result.h"

namespace weft::node {

/// Every address of an interface that is up (getifaddrs), with `port`: not loopback, not
/// link-local IPv6 (it needs a zone), not on `exclude_interface` (the node's own TUN) and not
/// in a tailnet range. IPv4 first. Errors: "node.endpoints" (getifaddrs failed).
Result<std::vector<core::SocketAddress>> local_endpoints(uint16_t port,
                                                         const std::string& exclude_interface);

}  // namespace weft::node
