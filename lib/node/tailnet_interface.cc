// The node interface's layout (tailnet_interface.h).
#include "node/tailnet_interface.h"

namespace weft::node {

std::vector<util::IpPrefix> tailnet_ranges() {
  return {*util::IpPrefix::parse("100.64.0.0/10", true),
          *util::IpPrefix::parse("fd7a:115c:a1e0::/48", true)};
}

dataplane::InterfaceLayout tailnet_layout(const std::vector<util::IpAddress>& addresses,
                                          uint32_t mtu) {
  dataplane::InterfaceLayout layout;
  layout.mtu = mtu;
  for (const auto& a : addresses) layout.addresses.push_back({a, a.bit_length()});
  layout.routes = tailnet_ranges();
  return layout;
}

bool in_tailnet(const util::IpAddress& a) {
  for (const auto& r : tailnet_ranges())
    if (r.contains(a)) return true;
  return false;
}

}  // namespace weft::node
