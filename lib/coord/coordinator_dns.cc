// The tailnet's DNS settings in the coordinator (docs/network-config.md, "MagicDNS"): stored
// whole, then sent to every streaming node as MapDelta::dns.
#include "coord/coordinator_impl.h"

namespace weft::coord {

Status Coordinator::set_dns(DnsSettings settings, core::Now now) {
  Impl& m = *impl_;
  auto normalized = normalize_dns_settings(std::move(settings), m.config.dns_domain);
  if (!normalized) return normalized.error();
  if (*normalized == m.dns) return Ok{};
  StateChange change;
  change.dns = &*normalized;
  // Nothing is applied before the commit, so a failed one leaves memory and disk agreeing.
  if (Status st = m.store.commit(change); !st) {
    ++m.counters.store_failures;
    return st;
  }
  m.dns = std::move(*normalized);
  for (const auto& [device, connection] : m.streams) m.pending[device].dns = true;
  m.flush(now);
  return Ok{};
}

const DnsSettings& Coordinator::dns() const { return impl_->dns; }

}  // namespace weft::coord
