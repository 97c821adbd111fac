// RFC 4787 NAT behaviour as a table handed the time (see nat-table.h).
#include "nat-table.h"

namespace weft::sim {
namespace {

constexpr core::Duration kSweepInterval = std::chrono::seconds(1);

}  // namespace

std::optional<NatBehavior> nat_behavior_from_name(std::string_view name) {
  for (NatBehavior b : {NatBehavior::kEndpointIndependent, NatBehavior::kAddressDependent,
                        NatBehavior::kAddressAndPortDependent}) {
    if (nat_behavior_name(b) == name) return b;
  }
  return std::nullopt;
}

std::string_view nat_behavior_name(NatBehavior behavior) {
  switch (behavior) {
    case NatBehavior::kEndpointIndependent:
      return "endpoint-independent";
    case NatBehavior::kAddressDependent:
      return "address-dependent";
    case NatBehavior::kAddressAndPortDependent:
      return "address-and-port-dependent";
  }
  return "?";
}

std::optional<NatConfig> nat_preset(std::string_view name) {
  NatConfig c;
  if (name == "easy") return c;
  if (name == "hard") {
    c.mapping = NatBehavior::kAddressAndPortDependent;
    c.port_preservation = false;
    return c;
  }
  if (name == "firewall") {
    c.block_udp = true;
    return c;
  }
  return std::nullopt;
}

NatTable::NatTable(NatConfig config, uint32_t external_address)
    : m_config(config), m_external(external_address) {}

NatEndpoint NatTable::Masked(NatBehavior behavior, NatEndpoint remote) const {
  switch (behavior) {
    case NatBehavior::kEndpointIndependent:
      return NatEndpoint{};
    case NatBehavior::kAddressDependent:
      return NatEndpoint{remote.address, 0};
    case NatBehavior::kAddressAndPortDependent:
      return remote;
  }
  return remote;
}

core::Duration NatTable::Timeout(NatProtocol protocol) const {
  return protocol == NatProtocol::kTcp ? kTcpMappingTimeout : m_config.mapping_timeout;
}

bool NatTable::Expired(const Mapping& m, NatProtocol protocol, core::Duration now) const {
  return now - m.refreshed >= Timeout(protocol);
}

NatVerdict NatTable::Drop(NatDrop reason) {
  ++m_stats.drops[static_cast<std::size_t>(reason)];
  return NatVerdict{std::nullopt, reason};
}

std::size_t NatTable::KeyHash::operator()(const MappingKey& k) const {
  const auto& [protocol, internal, remote] = k;
  uint64_t h = static_cast<uint64_t>(protocol);
  for (const NatEndpoint& e : {internal, remote}) {
    h = (h ^ ((uint64_t{e.address} << 16) | e.port)) * 0x9E3779B97F4A7C15ull;
    h ^= h >> 29;
  }
  return static_cast<std::size_t>(h);
}

std::size_t NatTable::KeyHash::operator()(const PortKey& k) const {
  return (static_cast<std::size_t>(k.first) << 16) | k.second;
}

void NatTable::Erase(std::unordered_map<PortKey, Mapping, KeyHash>::iterator it) {
  m_lru[static_cast<std::size_t>(it->first.first)].erase(it->second.lru);
  m_byKey.erase(it->second.key);
  m_byPort.erase(it);
  ++m_stats.mappings_expired;
}

void NatTable::Sweep(core::Duration now) {
  if (now - m_lastSweep < kSweepInterval) return;
  m_lastSweep = now;
  for (std::list<PortKey>& lru : m_lru) {
    while (!lru.empty()) {
      auto it = m_byPort.find(lru.front());
      if (!Expired(it->second, it->first.first, now)) break;
      Erase(it);
    }
  }
}

std::optional<uint16_t> NatTable::AllocatePort(NatProtocol protocol, uint16_t wanted,
                                               core::Duration now) {
  auto free = [&](uint16_t port) {
    auto it = m_byPort.find({protocol, port});
    if (it == m_byPort.end()) return true;
    if (!Expired(it->second, protocol, now)) return false;
    Erase(it);
    return true;
  };
  if (m_config.port_preservation && wanted != 0 && free(wanted)) return wanted;
  constexpr uint32_t kPorts = kLastDynamicPort - kFirstDynamicPort + 1;
  for (uint32_t tries = 0; tries < kPorts; ++tries) {
    const uint16_t port = m_nextPort;
    m_nextPort = port == kLastDynamicPort ? kFirstDynamicPort : static_cast<uint16_t>(port + 1);
    if (free(port)) return port;
  }
  return std::nullopt;
}

NatVerdict NatTable::Outbound(core::Duration now, NatProtocol protocol, NatEndpoint source,
                              NatEndpoint destination) {
  if (protocol == NatProtocol::kUdp && m_config.block_udp) return Drop(NatDrop::kUdpBlocked);
  Sweep(now);
  const MappingKey key{protocol, source, Masked(m_config.mapping, destination)};
  Mapping* mapping = nullptr;
  uint16_t port = 0;
  if (auto it = m_byKey.find(key); it != m_byKey.end()) {
    auto at = m_byPort.find({protocol, it->second});
    if (Expired(at->second, protocol, now)) {
      Erase(at);
    } else {
      mapping = &at->second;
      port = it->second;
    }
  }
  if (mapping == nullptr) {
    const std::optional<uint16_t> allocated = AllocatePort(protocol, source.port, now);
    if (!allocated) return Drop(NatDrop::kPortsExhausted);
    port = *allocated;
    mapping = &m_byPort[{protocol, port}];
    mapping->internal = source;
    mapping->key = key;
    std::list<PortKey>& lru = m_lru[static_cast<std::size_t>(protocol)];
    mapping->lru = lru.insert(lru.end(), PortKey{protocol, port});
    m_byKey[key] = port;
    ++m_stats.mappings_created;
  }
  std::list<PortKey>& lru = m_lru[static_cast<std::size_t>(protocol)];
  lru.splice(lru.end(), lru, mapping->lru);
  mapping->refreshed = now;
  mapping->permitted[Masked(m_config.filtering, destination)] = now;
  ++m_stats.outbound;
  return NatVerdict{NatEndpoint{m_external, port}};
}

NatVerdict NatTable::Inbound(core::Duration now, NatProtocol protocol, NatEndpoint remote,
                             uint16_t external_port) {
  if (protocol == NatProtocol::kUdp && m_config.block_udp) return Drop(NatDrop::kUdpBlocked);
  Sweep(now);
  auto it = m_byPort.find({protocol, external_port});
  if (it == m_byPort.end()) return Drop(NatDrop::kNoMapping);
  Mapping& m = it->second;
  if (Expired(m, protocol, now)) {
    Erase(it);
    return Drop(NatDrop::kNoMapping);
  }
  auto permit = m.permitted.find(Masked(m_config.filtering, remote));
  if (permit == m.permitted.end() || now - permit->second >= Timeout(protocol)) {
    return Drop(NatDrop::kFiltered);
  }
  ++m_stats.inbound;
  return NatVerdict{m.internal};
}

std::optional<NatTable::Hairpin> NatTable::Hairpinned(core::Duration now, NatProtocol protocol,
                                                      NatEndpoint source,
                                                      uint16_t external_port) {
  if (!m_config.hairpinning) {
    Drop(NatDrop::kHairpinRefused);
    return std::nullopt;
  }
  const NatVerdict out = Outbound(now, protocol, source, NatEndpoint{m_external, external_port});
  if (!out.endpoint) return std::nullopt;
  const NatVerdict in = Inbound(now, protocol, *out.endpoint, external_port);
  if (!in.endpoint) return std::nullopt;
  return Hairpin{*out.endpoint, *in.endpoint};
}

std::size_t NatTable::MappingCount(core::Duration now) {
  m_lastSweep = now - kSweepInterval;
  Sweep(now);
  return m_byPort.size();
}

}  // namespace weft::sim
