// MagicDNS on a simulated node: the unchanged resolver core (lib/dns/resolver.h), fed from the
// engine's netmap through dns::netmap_resolver_config as lib/node feeds it, on UDP port 53 of the
// node's 100.100.100.100, and the driver's half that lib/node/dns_server.cc does with sockets:
// forwarding a query to the upstreams in turn (one timeout each), the client's SERVFAIL when
// every upstream failed. A core for CoreSlotOf (lib/core/drive.h's shape).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <list>
#include <optional>
#include <vector>

#include "core-slot.h"
#include "core/path.h"
#include "dns/resolver.h"

namespace weft::sim {

/// Why the DNS slot dropped a datagram.
enum class DnsDrop : uint8_t {
  kNotAQuery,          ///< the resolver's kDrop: a response from a client, or no header
  kUnmatchedResponse,  ///< from an upstream's port 53, answering no forward in flight
  kTooLarge,           ///< an upstream answer over kMaxDnsMessage (not relayed; the client times out)
  kCount,
};

struct DnsOutput {
  enum class Action : uint8_t { kNone, kSend, kDrop };
  Action action = Action::kNone;
  std::size_t size = 0;
  core::Path to{};
  DnsDrop drop = DnsDrop::kNotAQuery;
};
inline bool is_idle(const DnsOutput& o) { return o.action == DnsOutput::Action::kNone; }

/// The driver's counters (lib/node/dns_server.h's, for the same events).
struct DnsDriverCounters {
  uint64_t queries = 0;
  uint64_t upstream_timeouts = 0;
  uint64_t upstream_failures = 0;
  uint64_t forwards_refused = 0;
  uint64_t unmatched_responses = 0;
  uint64_t answers_relayed = 0;  ///< upstream answers passed to their client
  uint64_t too_large = 0;        ///< upstream answers over kMaxDnsMessage, dropped
};

class DnsCore {
 public:
  /// lib/node/dns_server.h's defaults: 2 s an upstream, 256 forwards in flight, port 53.
  static constexpr core::Duration kUpstreamTimeout = std::chrono::seconds(2);
  static constexpr std::size_t kMaxForwards = 256;
  static constexpr uint16_t kDnsPort = 53;

  DnsCore() = default;
  DnsCore(const DnsCore&) = delete;
  DnsCore& operator=(const DnsCore&) = delete;

  /// The resolver's new view (after every netmap the engine applies).
  void Configure(dns::ResolverConfig config) { m_resolver.configure(std::move(config)); }
  /// A new process: an unconfigured resolver, no forwards in flight.
  void Reset();

  const dns::Resolver& Resolver() const { return m_resolver; }
  const DnsDriverCounters& Counters() const { return m_counters; }

  // What lib/core/drive.h and CoreSlotOf ask of a core.
  DnsOutput receive_datagram(core::Now now, const core::Path& from, core::ByteView datagram,
                             core::MutableBytes out);
  DnsOutput poll_transmit(core::Now now, core::MutableBytes out);
  void update_timers(core::Now now);
  std::optional<core::Duration> next_deadline() const;

 private:
  struct Forward {
    core::Path client;
    dns::Query query;
    std::vector<uint8_t> bytes;
    std::vector<util::IpAddress> upstreams;
    std::size_t next = 0;  ///< the upstream after the one asked
    core::Duration deadline{};
  };
  struct Pending {
    core::Path to;
    std::vector<uint8_t> bytes;
  };

  /// Asks the forward's next upstream, or answers its client SERVFAIL when none is left.
  void TryNext(Forward& f, core::Now now);
  static DnsOutput Send(const core::Path& to, const std::vector<uint8_t>& bytes,
                        core::MutableBytes out);

  dns::Resolver m_resolver;
  DnsDriverCounters m_counters;
  std::list<Forward> m_forwards;
  std::deque<Pending> m_pending;
};

/// Largest DNS message the slot sends: EDNS's customary 4,096-byte UDP payload (RFC 6891 section
/// 6.2.5) — the slot's output buffer per node, instead of a 64 KiB one.
inline constexpr std::size_t kMaxDnsMessage = 4096;

template <>
struct CoreTraits<DnsCore> {
  static constexpr std::size_t kOutputCapacity = kMaxDnsMessage;
  static constexpr std::size_t kDropReasons = static_cast<std::size_t>(DnsDrop::kCount);
  static Effect effect(const DnsOutput& output) {
    switch (output.action) {
      case DnsOutput::Action::kSend: return Effect::Send(output.size, output.to);
      case DnsOutput::Action::kDrop: return Effect::Drop(output.drop);
      case DnsOutput::Action::kNone: break;
    }
    return Effect{};
  }
};

}  // namespace weft::sim
