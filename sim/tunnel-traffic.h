// Deterministic tunnel traffic for harness scenarios: numbered IPv4/UDP packets whose size and
// content derive from (flow, sequence), and a sink that checks every delivered packet exactly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ipv4-packet.h"

namespace weft::sim {

/// Packet `seq` of a flow: an IPv4/UDP packet of 28 + 8..max_payload bytes whose payload is the
/// sequence number followed by bytes derived from it.
class TrafficPattern {
 public:
  TrafficPattern(const UdpFlow& flow, std::size_t max_payload);
  std::vector<uint8_t> Make(uint32_t seq) const;
  const UdpFlow& Flow() const { return m_flow; }

 private:
  UdpFlow m_flow;
  std::size_t m_maxPayload;
};

/// The harness's usual pair of flows between tunnel addresses A (100.64.0.1, port 40000) and
/// B (100.64.0.2, port 7), one pattern each way.
struct TwoWayTraffic {
  explicit TwoWayTraffic(std::size_t max_payload = 1200);
  TrafficPattern ab;
  TrafficPattern ba;
};

/// Counts what a tunnel delivered: packets that equal the pattern's packet byte for byte,
/// duplicates, and anything else.
class TrafficSink {
 public:
  explicit TrafficSink(const TrafficPattern& pattern) : m_pattern(pattern) {}
  void Receive(const uint8_t* data, std::size_t size);

  uint32_t Good() const { return m_good; }
  uint32_t Duplicates() const { return m_duplicates; }
  uint32_t Bad() const { return m_bad; }
  /// Packets 0..n-1 each arrived exactly once.
  bool HasExactly(uint32_t n) const;

 private:
  TrafficPattern m_pattern;
  std::vector<bool> m_seen;
  uint32_t m_good = 0;
  uint32_t m_duplicates = 0;
  uint32_t m_bad = 0;
};

}  // namespace weft::sim
