// The tailnet's DNS settings (docs/network-config.md, "MagicDNS"): what `weft admin dns set`
// stores and every netmap's control::DnsConfig carries beside the tailnet domain. Pure values
// and checks; C++17-clean.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "control/messages.h"
#include "util/ip_prefix.h"
#include "util/result.h"

namespace weft::coord {

struct DnsSettings {
  std::vector<util::IpAddress> nameservers;  // upstream for names outside the tailnet, in order
  std::vector<std::string> search_domains;   // in order, without the final dot
  std::vector<control::DnsRoute> routes;     // split DNS, sorted by domain, one entry a domain
  friend bool operator==(const DnsSettings& a, const DnsSettings& b) {
    return a.nameservers == b.nameservers && a.search_domains == b.search_domains &&
           a.routes == b.routes;
  }
};

/// `in` as the coordinator keeps it: domains lowercased, a final dot dropped, routes sorted by
/// domain. Errors: "coord.dns" naming what is wrong: a domain that is not a DNS name (labels of
/// letters, digits, '-' and '_', 1-63 bytes, at most 255 in all), a search domain or route
/// domain given twice, a route without nameservers, more than the protocol's limits
/// (control::kMaxDnsNameservers, kMaxDnsSearchDomains, kMaxDnsRoutes), a route for the tailnet
/// domain `tailnet_domain` itself or under it (MagicDNS answers those names).
Result<DnsSettings> normalize_dns_settings(DnsSettings in, std::string_view tailnet_domain);

/// The DnsConfig of every netmap.
control::DnsConfig dns_config(std::string_view tailnet_domain, const DnsSettings& settings);

/// "DOMAIN=NS[,NS...]", as `weft admin dns set --split` takes it. Errors: "coord.dns".
Result<control::DnsRoute> parse_dns_route(std::string_view text);

}  // namespace weft::coord
