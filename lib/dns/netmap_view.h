// MagicDNS's view of a netmap (docs/network-config.md, "MagicDNS"): the names and DNS settings
// the resolver core (resolver.h) answers from, and the search domains a node registers. Pure;
// both drivers call it after every netmap (lib/node/magic_dns.h on Linux, sim/dns-core.h in
// ns-3). C++17-clean.
#pragma once

#include <string>
#include <vector>

#include "control/messages.h"
#include "controlclient/netmap.h"
#include "dns/resolver.h"

namespace weft::dns {

/// The resolver's view of a netmap: the node itself and every peer by name, the DNS settings.
ResolverConfig netmap_resolver_config(const controlclient::NetMap& map);

/// The search domains a node registers: the tailnet domain first (bare names reach it through
/// the resolver's search as well), then the server's, without repeats.
std::vector<std::string> netmap_search_domains(const control::DnsConfig& dns);

}  // namespace weft::dns
