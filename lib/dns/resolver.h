// MagicDNS's resolver core (docs/network-config.md, "MagicDNS"): one query's bytes and the
// netmap's view in, the answer's bytes or "forward to these upstreams" out. Names under the
// tailnet domain and bare single labels are the tailnet's: answered here from the hosts the node
// may see (itself and its peers), NXDOMAIN for any other; every other name goes upstream, split
// DNS first. No sockets, clock or timers inside: the driver (lib/node/dns_server.h) forwards and
// times out. C++17-clean.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "control/messages.h"
#include "core/bytes.h"
#include "dns/message.h"
#include "util/ip_prefix.h"

namespace weft::dns {

/// The address MagicDNS listens on (Tailscale's choice; inside 100.64.0.0/10, which the
/// coordinator's address pool keeps free: 100.100.100.0/24 is reserved there).
inline constexpr char kMagicDnsAddress[] = "100.100.100.100";
/// TTL of the answers built here: short, so a peer's changed addresses reach caches soon.
inline constexpr uint32_t kAnswerTtlSeconds = 60;

/// A name MagicDNS answers: the node itself or a peer.
struct Host {
  std::string name;  // one lowercase DNS label (control::Peer::name)
  std::vector<util::IpAddress> addresses;
};

/// What the resolver answers from (built from each netmap; config apart from runtime).
struct ResolverConfig {
  std::string domain;  // the tailnet domain, lowercase without the final dot; empty: none
  std::vector<Host> hosts;
  std::vector<util::IpAddress> nameservers;  // upstream for everything else
  std::vector<control::DnsRoute> routes;     // split DNS
};

/// The config of a netmap's DNS settings and hosts.
ResolverConfig resolver_config(const control::DnsConfig& dns, std::vector<Host> hosts);

enum class Action : uint8_t {
  kAnswer,   // send `answer` back to the client
  kForward,  // send the query's bytes, unchanged, to `upstreams` in turn
  kDrop,     // not a query worth an answer (a response, or shorter than a header)
};

struct Decision {
  Action action = Action::kDrop;
  std::vector<uint8_t> answer;
  std::vector<util::IpAddress> upstreams;
  Query query;  // kForward: what an upstream's response must answer (dns::answers)
};

/// Every query counted by outcome; never fatal.
struct ResolverCounters {
  uint64_t queries = 0;
  uint64_t answered = 0;      // a tailnet name with addresses (or NODATA for another type)
  uint64_t nxdomain = 0;      // a tailnet name the node may not see, or none at all
  uint64_t forwarded = 0;
  uint64_t no_upstream = 0;   // SERVFAIL: an outside name and no nameserver configured
  uint64_t malformed = 0;     // FORMERR
  uint64_t not_implemented = 0;  // NOTIMP: an opcode other than QUERY
  uint64_t dropped = 0;
};

class Resolver {
 public:
  Resolver() = default;
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  /// Replaces the view (after every netmap).
  void configure(ResolverConfig config);
  const ResolverConfig& config() const { return config_; }

  /// One query as a client sent it. `udp` bounds the answer's size (TC set when cut).
  Decision handle(core::ByteView query, bool udp);
  /// Every upstream failed or timed out: the client's SERVFAIL.
  std::vector<uint8_t> upstream_failed(const Query& query, bool udp) const;

  const ResolverCounters& counters() const { return counters_; }

 private:
  Decision answer_tailnet(const Query& q, const std::string& label, bool udp);
  const Host* find(const std::string& label) const;
  const Host* find(const util::IpAddress& address) const;

  ResolverConfig config_;
  ResolverCounters counters_;
};

/// The address a reverse-lookup name stands for ("4.3.2.1.in-addr.arpa" -> 1.2.3.4, and the
/// 32 nibbles of ip6.arpa); nullopt for any other name.
std::optional<util::IpAddress> reverse_name_address(const std::string& name);

}  // namespace weft::dns
