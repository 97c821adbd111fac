// The operator's route approvals (docs/network-config.md, "Subnet routers"): `weft admin routes
// approve|reject`.
#include <algorithm>

#include "coord/registry.h"

namespace weft::coord {

Result<RegistryChange> Registry::set_route_approval(DeviceId id,
                                                    const std::vector<util::IpPrefix>& routes,
                                                    bool approve) {
  auto device = live_device(id);
  if (!device) return device.error();
  RegistryChange change;
  Device next = std::move(*device);
  auto& approved = next.approved_routes;
  for (const auto& r : routes) {
    auto it = std::find(approved.begin(), approved.end(), r);
    if (approve && it == approved.end()) approved.push_back(r);
    if (!approve && it != approved.end()) approved.erase(it);
  }
  std::sort(approved.begin(), approved.end());
  if (approved == devices_.at(id).approved_routes) return change;
  put_device(next, change);
  return change;
}

}  // namespace weft::coord
