// Deterministic tunnel traffic and its checking sink (see tunnel-traffic.h).
#include "tunnel-traffic.h"

#include <algorithm>

namespace weft::sim {
namespace {

constexpr std::size_t kSeqBytes = 4;

std::size_t payload_size(uint32_t seq, std::size_t max_payload) {
  // Sizes sweep the whole range so padding to 16 bytes meets every remainder.
  const std::size_t span = max_payload - 2 * kSeqBytes + 1;
  return 2 * kSeqBytes + (static_cast<std::size_t>(seq) * 37u) % span;
}

}  // namespace

TrafficPattern::TrafficPattern(const UdpFlow& flow, std::size_t max_payload)
    : m_flow(flow), m_maxPayload(max_payload < 2 * kSeqBytes ? 2 * kSeqBytes : max_payload) {}

std::vector<uint8_t> TrafficPattern::Make(uint32_t seq) const {
  std::vector<uint8_t> payload(payload_size(seq, m_maxPayload));
  for (std::size_t i = 0; i < kSeqBytes; ++i) {
    payload[i] = static_cast<uint8_t>(seq >> (8 * (3 - i)));
  }
  uint32_t x = seq * 2654435761u ^ m_flow.source;
  for (std::size_t i = kSeqBytes; i < payload.size(); ++i) {
    x = x * 1103515245u + 12345u;
    payload[i] = static_cast<uint8_t>(x >> 16);
  }
  return build_ipv4_udp(m_flow, static_cast<uint16_t>(seq), payload);
}

TwoWayTraffic::TwoWayTraffic(std::size_t max_payload)
    : ab(UdpFlow{make_ipv4(100, 64, 0, 1), make_ipv4(100, 64, 0, 2), 40000, 7}, max_payload),
      ba(UdpFlow{make_ipv4(100, 64, 0, 2), make_ipv4(100, 64, 0, 1), 7, 40000}, max_payload) {}

void TrafficSink::Receive(const uint8_t* data, std::size_t size) {
  std::optional<ParsedUdp> parsed = parse_ipv4_udp(data, size);
  if (!parsed || parsed->payload.size() < kSeqBytes) {
    ++m_bad;
    return;
  }
  uint32_t seq = 0;
  for (std::size_t i = 0; i < kSeqBytes; ++i) {
    seq = (seq << 8) | parsed->payload[i];
  }
  const std::vector<uint8_t> expected = m_pattern.Make(seq);
  if (expected.size() != size || !std::equal(expected.begin(), expected.end(), data)) {
    ++m_bad;
    return;
  }
  if (seq >= m_seen.size()) {
    m_seen.resize(seq + 1, false);
  }
  if (m_seen[seq]) {
    ++m_duplicates;
    return;
  }
  m_seen[seq] = true;
  ++m_good;
}

bool TrafficSink::HasExactly(uint32_t n) const {
  if (m_good != n || m_seen.size() != n || m_duplicates != 0 || m_bad != 0) {
    return false;
  }
  for (bool s : m_seen) {
    if (!s) {
      return false;
    }
  }
  return true;
}

}  // namespace weft::sim
