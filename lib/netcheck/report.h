// What one netcheck found (docs/connectivity.md, "Netcheck"): UDP reachability, the public
// addresses STUN servers saw, whether the mapping varies by destination, and each relay region's
// latency. A plain value; the CLI prints it, the node engine feeds it to the home-region chooser.
// C++17-clean.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/path.h"
#include "core/time.h"

namespace weft::netcheck {

/// A region's best round trip, overall and per address family.
struct RegionLatency {
  uint16_t region = 0;
  core::Duration latency{};  ///< the best of v4 and v6
  std::optional<core::Duration> v4;
  std::optional<core::Duration> v6;
};

struct Report {
  bool udp = false;   ///< any STUN answer came back
  bool ipv4 = false;  ///< an answer over IPv4
  bool ipv6 = false;  ///< an answer over IPv6
  /// The address and port the first answering STUN server of the family saw.
  std::optional<core::SocketAddress> global_v4;
  std::optional<core::SocketAddress> global_v6;
  /// Known only when answers came from at least two distinct STUN server IP addresses of one
  /// family (IPv4 decides when known, else IPv6): true when they saw different mapped addresses
  /// (a per-destination NAT mapping, RFC 4787's address-dependent or worse).
  std::optional<bool> mapping_varies_by_dest_ip;
  /// Regions that answered, fastest first (ties: lower id first).
  std::vector<RegionLatency> region_latencies;
  /// The fastest region; 0 when none answered.
  uint16_t preferred_region = 0;

  /// The region's best latency, or nullopt when it did not answer.
  std::optional<core::Duration> latency_of(uint16_t region) const {
    for (const auto& r : region_latencies) {
      if (r.region == region) return r.latency;
    }
    return std::nullopt;
  }
};

}  // namespace weft::netcheck
