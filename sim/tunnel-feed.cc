// The harness as a core's tunnel (see tunnel-feed.h).
#include "tunnel-feed.h"

namespace weft::sim {
namespace {

void DeliverToSink(TrafficSink* sink, ns3::Ptr<const ns3::Packet> packet) {
  std::vector<uint8_t> bytes(packet->GetSize());
  packet->CopyData(bytes.data(), static_cast<uint32_t>(bytes.size()));
  sink->Receive(bytes.data(), bytes.size());
}

}  // namespace

void ConnectTunnelSink(CoreSlot* slot, TrafficSink* sink) {
  slot->TraceDeliver(ns3::MakeBoundCallback(&DeliverToSink, sink));
}

}  // namespace weft::sim
