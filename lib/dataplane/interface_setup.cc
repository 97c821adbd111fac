// Interface configuration over rtnetlink (see interface_setup.h).
#include "dataplane/interface_setup.h"

#include <set>

#include "runtime/netlink.h"

namespace weft::dataplane {

Result<std::vector<util::IpPrefix>> configure_interface(const runtime::TunDevice& tun,
                                                        const InterfaceLayout& layout) {
  auto nl = runtime::Netlink::open();
  if (!nl.ok()) return nl.error();
  int index = tun.ifindex();
  if (auto s = nl->set_mtu(index, layout.mtu); !s.ok()) return s.error();
  for (const auto& a : layout.addresses) {
    if (auto s = nl->add_address(index, a.address, a.prefix_length); !s.ok()) return s.error();
  }
  if (auto s = nl->set_link_up(index); !s.ok()) return s.error();
  std::set<util::IpPrefix> routes(layout.routes.begin(), layout.routes.end());
  std::vector<util::IpPrefix> skipped;
  for (const auto& r : routes) {
    if (r.bits() == 0) {
      skipped.push_back(r);
      continue;
    }
    if (auto s = nl->add_route(index, r); !s.ok()) return s.error();
  }
  return skipped;
}

}  // namespace weft::dataplane
