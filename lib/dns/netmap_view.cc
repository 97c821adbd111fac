// MagicDNS's view of a netmap (netmap_view.h).
#include "dns/netmap_view.h"

#include <algorithm>

namespace weft::dns {

ResolverConfig netmap_resolver_config(const controlclient::NetMap& map) {
  std::vector<Host> hosts;
  hosts.reserve(map.peers.size() + 1);
  if (!map.self.name.empty()) hosts.push_back(Host{map.self.name, map.self.addresses});
  for (const auto& [id, p] : map.peers) hosts.push_back(Host{p.name, p.addresses});
  return resolver_config(map.dns, std::move(hosts));
}

std::vector<std::string> netmap_search_domains(const control::DnsConfig& dns) {
  std::vector<std::string> out;
  const ResolverConfig c = resolver_config(dns, {});
  if (!c.domain.empty()) out.push_back(c.domain);
  for (const auto& d : dns.search_domains)
    if (std::find(out.begin(), out.end(), d) == out.end()) out.push_back(d);
  return out;
}

}  // namespace weft::dns
