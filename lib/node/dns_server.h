// MagicDNS's driver on a node (docs/network-config.md, "MagicDNS"): UDP and TCP (RFC 7766:
// two-byte length framing, pipelined queries, idle connections closed) on one local address,
// queries handed to dns::Resolver, forwards sent to the upstreams in turn, each with a timeout,
// the client answered SERVFAIL when every upstream failed. Real sockets on the agent's
// io_context; all decisions are the resolver core's.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "dns/resolver.h"
#include "util/ip_prefix.h"
#include "util/result.h"

namespace boost::asio {
class io_context;
}

namespace weft::node {

struct DnsServerOptions {
  /// The upstreams' port (tests run their resolver elsewhere).
  uint16_t upstream_port = 53;
  /// How long one upstream has to answer before the next is tried.
  std::chrono::milliseconds upstream_timeout{2000};
  /// Forwards in flight at once; queries beyond are answered SERVFAIL at once (counted).
  std::size_t max_forwards = 256;
  /// TCP clients at once; more are closed on accept.
  std::size_t max_tcp_clients = 64;
  /// A TCP client silent this long is closed (RFC 7766 section 6.2.3 suggests seconds).
  std::chrono::milliseconds tcp_idle_timeout{10000};
  /// One line per event worth a log (bind, upstream failures); null: silent.
  std::function<void(std::string_view)> log;
};

/// Driver counters beside the resolver's (dns::ResolverCounters).
struct DnsServerCounters {
  uint64_t udp_queries = 0;
  uint64_t tcp_queries = 0;
  uint64_t upstream_timeouts = 0;   // one upstream that did not answer in time
  uint64_t upstream_failures = 0;   // every upstream failed: the client got SERVFAIL
  uint64_t forwards_refused = 0;    // max_forwards reached
  uint64_t unmatched_responses = 0; // an upstream datagram that answers another query
  uint64_t tcp_clients_refused = 0;
};

class DnsServer {
 public:
  /// Binds UDP and TCP on `address`:`port`; the address must be local already (the agent adds
  /// 100.100.100.100 to the tailnet interface first). Errors: "dns.bind" naming the socket and
  /// the system's reason.
  static Result<std::unique_ptr<DnsServer>> start(boost::asio::io_context& io,
                                                  const util::IpAddress& address, uint16_t port,
                                                  DnsServerOptions options);
  /// Closes the sockets. Destroy it only when the io_context will not run its handlers again
  /// (after the agent's loop stopped), as the agent does.
  ~DnsServer();
  DnsServer(const DnsServer&) = delete;
  DnsServer& operator=(const DnsServer&) = delete;

  /// The resolver's new view (after every netmap); forwards in flight keep their upstreams.
  void configure(dns::ResolverConfig config);
  const dns::ResolverConfig& config() const;
  const dns::ResolverCounters& resolver_counters() const;
  const DnsServerCounters& counters() const;
  /// The port bound (the one asked, or the kernel's choice for 0).
  uint16_t port() const;

  struct Impl;  // dns_server.cc

 private:
  explicit DnsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace weft::node
