// The packet filter's rules as an index (docs/control-plane.md, "Packet filter"): each rule's
// source and destination prefixes become sorted, merged address ranges searched in O(log n), and
// rules are grouped by protocol. Built on set_rules(), read allocation-free. C++17-clean.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "control/messages.h"
#include "util/ip_prefix.h"

namespace weft::filter {

/// FilterRule::protocol's "any protocol" (control/messages.h: one above the largest IANA number).
inline constexpr uint16_t kAnyProtocol = 256;

class RuleSet {
 public:
  /// Replaces the rules. Returns how many were ignored: a protocol above kAnyProtocol, or
  /// port_last < port_first (the codec refuses both; a driver may build rules by hand).
  std::size_t assign(const std::vector<control::FilterRule>& rules);

  /// Whether some rule admits a packet of `protocol` from `src` to `dst`, at `dst_port` when
  /// `check_port` (TCP, UDP, SCTP); other protocols match any rule's port range, as the policy
  /// evaluator's decide() ignores ports for them. Allocation-free.
  bool allows(uint8_t protocol, const util::IpAddress& src, const util::IpAddress& dst,
              bool check_port, uint16_t dst_port) const;

  std::size_t size() const { return rules_.size(); }

  /// A 128-bit address as two host-order halves (IPv6 ranges).
  struct U128 {
    uint64_t hi = 0;
    uint64_t lo = 0;
  };

 private:
  struct Range4 {
    uint32_t first = 0;
    uint32_t last = 0;
  };
  struct Range6 {
    U128 first;
    U128 last;
  };
  /// [begin, end) spans into ranges4_ / ranges6_.
  struct Span {
    uint32_t begin = 0;
    uint32_t end = 0;
  };
  struct Rule {
    uint16_t protocol = 0;
    uint16_t port_first = 0;
    uint16_t port_last = 0;
    Span src4, src6, dst4, dst6;
  };

  bool matches(const Rule& r, const util::IpAddress& src, const util::IpAddress& dst) const;
  bool in4(Span s, uint32_t a) const;
  bool in6(Span s, U128 a) const;
  Span add4(const std::vector<util::IpPrefix>& prefixes);
  Span add6(const std::vector<util::IpPrefix>& prefixes);

  std::vector<Range4> ranges4_;
  std::vector<Range6> ranges6_;
  std::vector<Rule> rules_;  // sorted by protocol
  /// Rules of protocol p are rules_[by_protocol_[p], by_protocol_[p + 1]), p in 0..256.
  std::array<uint32_t, kAnyProtocol + 2> by_protocol_{};
};

}  // namespace weft::filter
