// A digest of a simulation run's observable history (datagrams, stream writes, events, each with
// its simulated time): two runs with equal digests behaved identically, which is what the
// `_deterministic` ctests compare.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "ns3/packet.h"
#include "ns3/ptr.h"
#include "ns3/simulator.h"

namespace weft::sim {

/// FNV-1a, 64 bits: not a cryptographic hash, just a cheap fingerprint of a run.
struct RunDigest {
  uint64_t value = 14695981039346656037ull;
  void Add(const void* data, std::size_t size) {
    const auto* p = static_cast<const uint8_t*>(data);
    for (std::size_t i = 0; i < size; ++i) value = (value ^ p[i]) * 1099511628211ull;
  }
  /// The current simulated time, in nanoseconds.
  void AddTime() {
    const int64_t at = ns3::Simulator::Now().GetNanoSeconds();
    Add(&at, sizeof at);
  }
  /// The current simulated time and a packet's bytes (a datagram sent, say).
  void AddPacket(const ns3::Ptr<const ns3::Packet>& packet) {
    std::vector<uint8_t> bytes(packet->GetSize());
    packet->CopyData(bytes.data(), static_cast<uint32_t>(bytes.size()));
    AddTime();
    Add(bytes.data(), bytes.size());
  }
};

}  // namespace weft::sim
