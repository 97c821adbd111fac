// MagicDNS on a node (magic_dns.h): the view of each netmap, the resolver's start on the tailnet
// interface, resolvconf.
#include "node/magic_dns.h"

#include "runtime/netlink.h"
#include "tunnel/wg_quick.h"

namespace weft::node {

MagicDns::MagicDns(boost::asio::io_context& io, int ifindex, std::string interface_name,
                   bool accept_dns, std::function<void(std::string_view)> log)
    : io_(io),
      ifindex_(ifindex),
      interface_name_(std::move(interface_name)),
      accept_dns_(accept_dns),
      log_(std::move(log)) {}

MagicDns::~MagicDns() = default;  // resolvconf_ deregisters in its destructor

void MagicDns::log(const std::string& line) const {
  if (log_) log_(line);
}

void MagicDns::start() {
  const util::IpAddress address = *util::IpAddress::parse(dns::kMagicDnsAddress);
  auto nl = runtime::Netlink::open();
  Status added = nl.ok() ? nl->add_address(ifindex_, address, 32) : Status(nl.error());
  if (!added.ok()) {
    start_failed_ = true;
    log("MagicDNS off: cannot add " + address.to_string() + " to " + interface_name_ + ": " +
        added.error().detail);
    return;
  }
  DnsServerOptions options;
  options.log = log_;
  auto server = DnsServer::start(io_, address, 53, std::move(options));
  if (!server.ok()) {
    start_failed_ = true;
    log("MagicDNS off: " + server.error().detail);
    return;
  }
  server_ = std::move(*server);
  log("MagicDNS answers at " + address.to_string() + " (UDP and TCP port 53)");
}

void MagicDns::register_resolver(const std::vector<std::string>& search) {
  // A new registration replaces the old one; the old one is dropped first so its destructor's
  // `resolvconf -d` does not remove the new entry.
  resolvconf_.reset();
  auto reg = tunnel::ResolvconfRegistration::add(
      interface_name_, {*util::IpAddress::parse(dns::kMagicDnsAddress)}, search, log_);
  registered_search_ = search;
  if (!reg.ok()) {
    if (!resolvconf_failed_)
      log("MagicDNS: the system resolver was left alone: " + reg.error().detail + " (" +
          reg.error().code + ")");
    resolvconf_failed_ = true;
    return;
  }
  resolvconf_failed_ = false;
  resolvconf_ = std::move(*reg);
  std::string names;
  for (const auto& s : search) names += " " + s;
  log("MagicDNS: resolv.conf points at " + std::string(dns::kMagicDnsAddress) +
      (names.empty() ? "" : ", search" + names));
}

void MagicDns::apply(dns::ResolverConfig config, const std::vector<std::string>& search) {
  if (!server_ && !start_failed_) start();
  if (!server_) return;
  server_->configure(std::move(config));
  if (!accept_dns_) return;
  if (resolvconf_ == nullptr && resolvconf_failed_ && search == registered_search_) return;
  if (resolvconf_ != nullptr && search == registered_search_) return;
  register_resolver(search);
}

}  // namespace weft::node
