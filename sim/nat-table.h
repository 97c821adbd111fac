// A NAT's translation state as a small pure table handed the time: RFC 4787 mapping and filtering
// behaviours (section 4.1 and 5), mapping refresh and timeout (4.3), port preservation (4.2.1),
// hairpinning (6). No ns-3 types: sim/nat-router.h plugs it into a simulated router.
#pragma once

#include <array>
#include <cstdint>
#include <list>
#include <map>
#include <optional>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "core/time.h"

namespace weft::sim {

/// RFC 4787's three behaviours, used for mapping (4.1) and for filtering (5).
enum class NatBehavior : uint8_t {
  kEndpointIndependent,
  kAddressDependent,
  kAddressAndPortDependent,
};

/// How one NAT behaves. The defaults are a home router (Linux MASQUERADE): endpoint-independent
/// mapping, address-and-port-dependent filtering, ports kept when free, no hairpinning.
struct NatConfig {
  NatBehavior mapping = NatBehavior::kEndpointIndependent;
  NatBehavior filtering = NatBehavior::kAddressAndPortDependent;
  /// A UDP mapping (and its filter permissions) lives this long after the last packet from
  /// inside (REQ-5: outbound refresh; inbound packets do not refresh it).
  core::Duration mapping_timeout = std::chrono::seconds(30);
  /// The external port equals the internal one when no other mapping holds it (4.2.1).
  bool port_preservation = true;
  /// Inside hosts reach each other through the external address (6).
  bool hairpinning = false;
  /// A firewall: every UDP datagram between inside and outside is dropped (TCP passes).
  bool block_udp = false;
};

/// "endpoint-independent", "address-dependent", "address-and-port-dependent".
std::optional<NatBehavior> nat_behavior_from_name(std::string_view name);
std::string_view nat_behavior_name(NatBehavior behavior);
/// "easy" (the NatConfig defaults), "hard" (address-and-port-dependent mapping and filtering,
/// no port preservation: a "symmetric" NAT), "firewall" ("easy" with UDP blocked).
std::optional<NatConfig> nat_preset(std::string_view name);

enum class NatProtocol : uint8_t { kUdp, kTcp };

/// An IPv4 address (host byte order) and port.
struct NatEndpoint {
  uint32_t address = 0;
  uint16_t port = 0;
  friend bool operator<(const NatEndpoint& x, const NatEndpoint& y) {
    return std::tie(x.address, x.port) < std::tie(y.address, y.port);
  }
  friend bool operator==(const NatEndpoint& x, const NatEndpoint& y) {
    return x.address == y.address && x.port == y.port;
  }
};

/// Why the table refused a packet; every refusal is counted.
enum class NatDrop : uint8_t {
  kUdpBlocked,     ///< block_udp
  kNoMapping,      ///< inbound to an external port no live mapping holds
  kFiltered,       ///< a mapping exists, the filtering behaviour refuses this remote
  kPortsExhausted, ///< no external port free for a new mapping
  kHairpinRefused, ///< inside to the external address without hairpinning
  kCount,
};

struct NatStats {
  uint64_t mappings_created = 0;
  uint64_t mappings_expired = 0;
  uint64_t outbound = 0;  ///< packets translated from inside
  uint64_t inbound = 0;   ///< packets translated back to inside
  uint64_t drops[static_cast<std::size_t>(NatDrop::kCount)] = {};
  uint64_t Drops(NatDrop d) const { return drops[static_cast<std::size_t>(d)]; }
};

/// The result of a lookup: the rewritten endpoint, or why the packet is dropped.
struct NatVerdict {
  std::optional<NatEndpoint> endpoint;
  NatDrop drop = NatDrop::kCount;  ///< meaningful when endpoint is empty
};

/// One NAT's mappings. Calling contract: every call passes the current monotonic time, never
/// decreasing; expired mappings are dropped lazily. Deterministic: no random port choice (the
/// ports without preservation come from a counter).
class NatTable {
 public:
  /// First and last external port the table hands out when it does not preserve one.
  static constexpr uint16_t kFirstDynamicPort = 49152;
  static constexpr uint16_t kLastDynamicPort = 65535;
  /// TCP mappings live as long as an established connection may idle (RFC 5382 REQ-5).
  static constexpr core::Duration kTcpMappingTimeout = std::chrono::seconds(7440);

  NatTable(NatConfig config, uint32_t external_address);
  NatTable(const NatTable&) = delete;
  NatTable& operator=(const NatTable&) = delete;

  /// A packet from inside `source` to outside `destination`: the external source endpoint to
  /// rewrite it with (a mapping is created or refreshed, the destination permitted back in).
  /// Drops: kUdpBlocked, kPortsExhausted.
  NatVerdict Outbound(core::Duration now, NatProtocol protocol, NatEndpoint source,
                      NatEndpoint destination);
  /// A packet from outside `remote` to the external address at `external_port`: the inside
  /// endpoint to deliver it to. Drops: kUdpBlocked, kNoMapping, kFiltered.
  NatVerdict Inbound(core::Duration now, NatProtocol protocol, NatEndpoint remote,
                     uint16_t external_port);
  /// A packet from inside `source` to the external address itself at `external_port`: the
  /// translated source (the remote as the target sees it) and the inside target, filtered as
  /// an inbound packet from the translated source. Drops: kHairpinRefused and those above.
  struct Hairpin {
    NatEndpoint translated_source;
    NatEndpoint target;
  };
  std::optional<Hairpin> Hairpinned(core::Duration now, NatProtocol protocol, NatEndpoint source,
                                    uint16_t external_port);

  /// Live mappings (after dropping the expired ones at `now`).
  std::size_t MappingCount(core::Duration now);
  uint32_t ExternalAddress() const { return m_external; }
  const NatConfig& Config() const { return m_config; }
  const NatStats& Stats() const { return m_stats; }

 private:
  /// What distinguishes mappings (4.1): the internal endpoint, plus the remote address or
  /// endpoint for the dependent behaviours (zero where the behaviour ignores it).
  using MappingKey = std::tuple<NatProtocol, NatEndpoint, NatEndpoint>;
  using PortKey = std::pair<NatProtocol, uint16_t>;
  /// The tables are only looked up, never walked (the sweep follows m_lru): hashed, not
  /// ordered, for the thousands of mappings an outage's redials leave at a site.
  struct KeyHash {
    std::size_t operator()(const MappingKey& k) const;
    std::size_t operator()(const PortKey& k) const;
  };
  struct Mapping {
    NatEndpoint internal;
    MappingKey key;
    core::Duration refreshed{};
    std::list<PortKey>::iterator lru;  ///< its place in m_lru
    /// Remotes let back in (their address, and port for address-and-port-dependent filtering),
    /// with the time the inside last sent to them.
    std::map<NatEndpoint, core::Duration> permitted;
  };

  NatEndpoint Masked(NatBehavior behavior, NatEndpoint remote) const;
  core::Duration Timeout(NatProtocol protocol) const;
  bool Expired(const Mapping& m, NatProtocol protocol, core::Duration now) const;
  /// Drops every expired mapping, at most once per simulated second: O(expired), from the
  /// front of the refresh order.
  void Sweep(core::Duration now);
  /// Forgets a mapping (expired).
  void Erase(std::unordered_map<PortKey, Mapping, KeyHash>::iterator it);
  std::optional<uint16_t> AllocatePort(NatProtocol protocol, uint16_t wanted, core::Duration now);
  NatVerdict Drop(NatDrop reason);

  NatConfig m_config;
  uint32_t m_external;
  std::unordered_map<MappingKey, uint16_t, KeyHash> m_byKey;  ///< to the external port
  /// Its elements stay where they are as it grows (Outbound holds one while adding the key).
  std::unordered_map<PortKey, Mapping, KeyHash> m_byPort;
  /// Per protocol, the mappings least recently refreshed first: each protocol has one timeout,
  /// so this is also their expiry order (a sweep no longer walks every mapping: a thousand
  /// simulated nodes redialing through an outage leave thousands of TCP mappings behind).
  std::array<std::list<PortKey>, 2> m_lru;
  uint16_t m_nextPort = kFirstDynamicPort;
  core::Duration m_lastSweep{};
  NatStats m_stats;
};

}  // namespace weft::sim
