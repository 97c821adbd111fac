// MagicDNS on a node (docs/network-config.md, "MagicDNS"): the netmap's names and DNS settings
// turned into the resolver's view, the resolver at 100.100.100.100 on the tailnet interface (the
// address added there, so the node's own queries stay local), and the system resolver pointed at
// it through resolvconf(8) as `weft tunnel` does for DNS = lines, restored on exit.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dns/resolver.h"
#include "node/dns_server.h"

namespace boost::asio {
class io_context;
}

namespace weft::tunnel {
class ResolvconfRegistration;
}

namespace weft::node {

class MagicDns {
 public:
  /// Nothing happens before the first apply(). `accept_dns` false (`weft up --accept-dns=false`):
  /// the resolver still answers at 100.100.100.100, resolv.conf is left alone.
  MagicDns(boost::asio::io_context& io, int ifindex, std::string interface_name, bool accept_dns,
           std::function<void(std::string_view)> log);
  /// Deregisters from resolvconf (restoring the resolv.conf from before) and closes the sockets.
  /// Destroy only when the io_context will not run its handlers again.
  ~MagicDns();
  MagicDns(const MagicDns&) = delete;
  MagicDns& operator=(const MagicDns&) = delete;

  /// After every netmap applied with the interface configured. The first starts the resolver
  /// (the address added to the interface, UDP and TCP bound); every one gives it the netmap's
  /// view, and re-registers with resolvconf when the search domains changed. Failures are logged
  /// once each; the node keeps running without the part that failed.
  /// `config` and `search` are dns::netmap_resolver_config() and dns::netmap_search_domains()
  /// of the netmap (dns/netmap_view.h), made
  /// under the engine's lock; this call runs programs and must not hold it.
  void apply(dns::ResolverConfig config, const std::vector<std::string>& search);
  /// The resolver, once started (status and tests).
  const DnsServer* server() const { return server_.get(); }

 private:
  void start();
  void register_resolver(const std::vector<std::string>& search);
  void log(const std::string& line) const;

  boost::asio::io_context& io_;
  int ifindex_;
  std::string interface_name_;
  bool accept_dns_;
  std::function<void(std::string_view)> log_;
  bool start_failed_ = false;
  bool resolvconf_failed_ = false;
  std::unique_ptr<DnsServer> server_;
  std::unique_ptr<tunnel::ResolvconfRegistration> resolvconf_;
  std::vector<std::string> registered_search_;
};

}  // namespace weft::node
