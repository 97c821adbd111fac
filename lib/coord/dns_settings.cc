// DnsSettings checks and the netmaps' DnsConfig (dns_settings.h).
#include "coord/dns_settings.h"

#include <algorithm>

#include "util/dns_domain.h"

namespace weft::coord {
namespace {

Error dns_error(std::string detail) { return make_error("coord.dns", std::move(detail)); }

// Lowercased, without one final dot; empty when `name` is not a DNS name.
std::string dns_name(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty() || name.size() > control::kMaxNameBytes) return {};
  std::string out;
  std::size_t label = 0;
  for (char c : name) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c == '.') {
      if (label == 0) return {};
      label = 0;
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
      if (++label > control::kMaxHostnameBytes) return {};
    } else {
      return {};
    }
    out.push_back(c);
  }
  return label == 0 ? std::string() : out;
}

}  // namespace

Result<DnsSettings> normalize_dns_settings(DnsSettings in, std::string_view tailnet_domain) {
  if (in.nameservers.size() > control::kMaxDnsNameservers)
    return dns_error("at most " + std::to_string(control::kMaxDnsNameservers) + " nameservers");
  if (in.search_domains.size() > control::kMaxDnsSearchDomains)
    return dns_error("at most " + std::to_string(control::kMaxDnsSearchDomains) +
                     " search domains");
  if (in.routes.size() > control::kMaxDnsRoutes)
    return dns_error("at most " + std::to_string(control::kMaxDnsRoutes) + " split domains");
  for (auto& d : in.search_domains) {
    std::string n = dns_name(d);
    if (n.empty()) return dns_error("search domain \"" + d + "\" is not a DNS name");
    d = std::move(n);
  }
  for (std::size_t i = 0; i < in.search_domains.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (in.search_domains[i] == in.search_domains[j])
        return dns_error("search domain " + in.search_domains[i] + " is given twice");
  const std::string tailnet = dns_name(tailnet_domain);
  for (auto& r : in.routes) {
    std::string n = dns_name(r.domain);
    if (n.empty()) return dns_error("split domain \"" + r.domain + "\" is not a DNS name");
    if (util::at_or_under(n, tailnet))
      return dns_error("split domain " + n + " is the tailnet's own domain (" + tailnet +
                       "): MagicDNS answers those names");
    if (r.nameservers.empty()) return dns_error("split domain " + n + " has no nameserver");
    if (r.nameservers.size() > control::kMaxDnsNameservers)
      return dns_error("split domain " + n + ": at most " +
                       std::to_string(control::kMaxDnsNameservers) + " nameservers");
    r.domain = std::move(n);
  }
  std::sort(in.routes.begin(), in.routes.end(),
            [](const control::DnsRoute& a, const control::DnsRoute& b) { return a.domain < b.domain; });
  for (std::size_t i = 1; i < in.routes.size(); ++i)
    if (in.routes[i].domain == in.routes[i - 1].domain)
      return dns_error("split domain " + in.routes[i].domain + " is given twice");
  return in;
}

control::DnsConfig dns_config(std::string_view tailnet_domain, const DnsSettings& settings) {
  control::DnsConfig c;
  c.domain = std::string(tailnet_domain);
  c.nameservers = settings.nameservers;
  c.search_domains = settings.search_domains;
  c.routes = settings.routes;
  return c;
}

Result<control::DnsRoute> parse_dns_route(std::string_view text) {
  const auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0)
    return dns_error("split DNS \"" + std::string(text) + "\" is not DOMAIN=NAMESERVER[,...]");
  control::DnsRoute r;
  r.domain = std::string(text.substr(0, eq));
  std::string_view rest = text.substr(eq + 1);
  if (rest.empty()) return dns_error("split DNS " + r.domain + " has no nameserver");
  for (;;) {
    const auto comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    auto a = util::IpAddress::parse(item);
    if (!a) return dns_error("split DNS " + r.domain + ": \"" + std::string(item) +
                             "\" is not an IP address");
    r.nameservers.push_back(*a);
    if (comma == std::string_view::npos) return r;
    rest.remove_prefix(comma + 1);
  }
}

}  // namespace weft::coord
