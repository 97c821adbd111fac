// A test peer, not a core of weft's: a resolver host on the simulated internet that answers A
// queries from a fixed table (NXDOMAIN for other names), standing for the nameservers an operator
// sets with `weft admin dns set`. Messages built with lib/dns; it remembers who asked what.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "core-slot.h"
#include "dns/message.h"

namespace weft::sim {

struct DnsUpstreamOutput {
  std::size_t size = 0;  ///< 0: nothing to send
  core::Path to{};
};
inline bool is_idle(const DnsUpstreamOutput& o) { return o.size == 0; }

class DnsUpstreamCore {
 public:
  /// `records`: lowercase names without the final dot -> IPv4 address.
  /// `silent`: takes every query (counted) and answers none.
  DnsUpstreamCore(std::map<std::string, util::IpAddress> records, bool silent)
      : m_records(std::move(records)), m_silent(silent) {}

  /// Queries for `name` it answered (any rcode) since the start.
  uint64_t Asked(const std::string& name) const {
    auto it = m_asked.find(name);
    return it == m_asked.end() ? 0 : it->second;
  }
  const std::map<std::string, util::IpAddress>& Records() const { return m_records; }

  DnsUpstreamOutput receive_datagram(core::Now, const core::Path& from, core::ByteView datagram,
                                     core::MutableBytes out);
  DnsUpstreamOutput poll_transmit(core::Now, core::MutableBytes) { return {}; }
  void update_timers(core::Now) {}
  std::optional<core::Duration> next_deadline() const { return std::nullopt; }

 private:
  std::map<std::string, util::IpAddress> m_records;
  std::map<std::string, uint64_t> m_asked;
  bool m_silent = false;
};

template <>
struct CoreTraits<DnsUpstreamCore> {
  static constexpr std::size_t kOutputCapacity = dns::kMaxUdpPayload;
  static constexpr std::size_t kDropReasons = 1;
  static Effect effect(const DnsUpstreamOutput& output) {
    return output.size == 0 ? Effect{} : Effect::Send(output.size, output.to);
  }
};

}  // namespace weft::sim
