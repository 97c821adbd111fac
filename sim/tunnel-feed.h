// The harness as the tunnel of a core that carries IP packets (send_packet in, kDeliver out):
// numbered packets of a TrafficPattern handed in on a schedule, deliveries checked by a sink.
#pragma once

#include <cstdint>
#include <vector>

#include "core-slot.h"
#include "ns3/nstime.h"
#include "ns3/simulator.h"
#include "tunnel-traffic.h"

namespace weft::sim {

/// Packets first_seq .. first_seq + count - 1 of a pattern, the first at `start`, then one
/// every `interval`.
struct TunnelBurst {
  ns3::Time start;
  ns3::Time interval;
  uint32_t count = 0;
  uint32_t first_seq = 0;
};

/// Hands packet `seq` of `pattern` to the slot's core as if read from a TUN device.
template <class Core>
void InjectTunnelPacket(CoreSlotOf<Core>* slot, const TrafficPattern* pattern, uint32_t seq) {
  const std::vector<uint8_t> packet = pattern->Make(seq);
  slot->Input([&](core::Now now, core::MutableBytes out) {
    return slot->GetCore().send_packet(now, core::ByteView{packet.data(), packet.size()}, out);
  });
}

/// Schedules every packet of `burst`; `pattern` must outlive the simulation run.
template <class Core>
void ScheduleTunnelBurst(CoreSlotOf<Core>* slot, const TrafficPattern* pattern,
                         const TunnelBurst& burst) {
  for (uint32_t i = 0; i < burst.count; ++i) {
    ns3::Simulator::Schedule(burst.start + burst.interval * static_cast<int64_t>(i),
                             &InjectTunnelPacket<Core>, slot, pattern, burst.first_seq + i);
  }
}

/// Every packet the slot's core delivers goes to `sink` (which must outlive the run).
void ConnectTunnelSink(CoreSlot* slot, TrafficSink* sink);

}  // namespace weft::sim
