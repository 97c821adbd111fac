// Checks the ns-3 adapter alone with test-double cores: datagrams and tunnel packets flow both
// ways, `now` is the simulator's clock, and each slot's one timer event follows next_deadline().
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core-conversions.h"
#include "fake-core.h"
#include "ns3/simulator.h"
#include "scenario.h"
#include "topology.h"
#include "tunnel-feed.h"

using namespace weft::sim;
namespace core = weft::core;

namespace {

constexpr uint16_t kPort = 51820;
constexpr uint16_t kStuckPort = 51821;
constexpr uint32_t kPackets = 100;
const core::Duration kKeepalive = std::chrono::seconds(10);

/// A broken core whose deadline stays at 5 s whatever update_timers() does.
class StuckCore {
 public:
  FakeOutput receive_datagram(core::Now, const core::Path&, core::ByteView, core::MutableBytes) {
    return {};
  }
  FakeOutput poll_transmit(core::Now, core::MutableBytes) { return {}; }
  void update_timers(core::Now) {}
  std::optional<core::Duration> next_deadline() const { return std::chrono::seconds(5); }
};

struct Side {
  CoreSlotOf<FakeCore>* slot = nullptr;
  std::unique_ptr<TrafficSink> sink;
  uint32_t clock_mismatches = 0;

  const FakeCore& Core() const { return slot->GetCore(); }
};

// The call that produced a delivery must have been handed the simulator's time.
void CheckDeliveryClock(Side* side, ns3::Ptr<const ns3::Packet>) {
  if (side->Core().Calls().back().mono.count() != ns3::Simulator::Now().GetNanoSeconds()) {
    ++side->clock_mismatches;
  }
}

}  // namespace

template <>
struct weft::sim::CoreTraits<StuckCore> : FakeOutputTraits {};

int main() {
  Scenario scenario("sim/fake_core_two_nodes");
  Network net = build_network(two_node_topology());
  const TwoWayTraffic traffic;

  Side side[2];
  for (uint32_t i = 0; i < 2; ++i) {
    side[i].slot = net.hosts[i]->AddCore(
        kPort, std::make_unique<FakeCore>(net.PathOf(1 - i, kPort), kKeepalive));
    side[i].slot->TraceDeliver(ns3::MakeBoundCallback(&CheckDeliveryClock, &side[i]));
  }
  side[0].sink = std::make_unique<TrafficSink>(traffic.ba);
  side[1].sink = std::make_unique<TrafficSink>(traffic.ab);
  ConnectTunnelSink(side[0].slot, side[0].sink.get());
  ConnectTunnelSink(side[1].slot, side[1].sink.get());
  ScheduleTunnelBurst(side[0].slot, &traffic.ab,
                      TunnelBurst{ns3::Seconds(1), ns3::MilliSeconds(1), kPackets, 0});
  ScheduleTunnelBurst(side[1].slot, &traffic.ba,
                      TunnelBurst{ns3::Seconds(2), ns3::MilliSeconds(1), kPackets, 0});
  net.hosts[1]->SetStopTime(ns3::Seconds(30));
  // A second slot on A's node, with a core whose deadline never moves: from 5 s until it is
  // stopped at 10 s the adapter must back off 1 ms per firing instead of spinning at one instant.
  CoreSlotOf<StuckCore>* stuck = net.hosts[0]->AddCore(kStuckPort, std::make_unique<StuckCore>());
  ns3::Simulator::Schedule(ns3::Seconds(10), &CoreSlot::Stop, stuck);

  const Side* a = &side[0];
  const Side* b = &side[1];
  scenario.Expect({
      {AtEnd(), "B received A's 100 packets exactly once, intact",
       [=] { return b->sink->HasExactly(kPackets); }},
      {AtEnd(), "A received B's 100 packets exactly once, intact",
       [=] { return a->sink->HasExactly(kPackets); }},
      {AtEnd(), "every delivery came from a call handed Simulator::Now()",
       [=] { return a->clock_mismatches == 0 && b->clock_mismatches == 0; }},
      {AtEnd(), "wall clock is the fixed epoch plus simulated time on every call",
       [=] {
         for (const Side* s : {a, b}) {
           for (const core::Now& now : s->Core().Calls()) {
             if (now.wall != default_wall_epoch() +
                                 std::chrono::duration_cast<core::WallTime::duration>(now.mono)) {
               return false;
             }
           }
         }
         return true;
       }},
      // A last sent data at 1.099 s: keepalives at 11.099, 21.099, ... 61.099 s.
      {AtEnd(), "A sent 6 keepalives (one per 10 s idle)",
       [=] { return a->Core().KeepalivesSent() == 6; }},
      {AtEnd(), "A's timer fired once per deadline (6)",
       [=] { return a->slot->GetTimerFirings() == 6; }},
      // B last sent at 2.099 s and stopped at 30 s: keepalives at 12.099 and 22.099 s only.
      {AtEnd(), "B sent 2 keepalives before it stopped",
       [=] { return b->Core().KeepalivesSent() == 2; }},
      {AtEnd(), "B's timer fired twice, never after stopping",
       [=] { return b->slot->GetTimerFirings() == 2; }},
      {AtEnd(), "each side received the other's keepalives sent while B was up",
       [=] { return a->Core().KeepalivesReceived() == 2 && b->Core().KeepalivesReceived() == 2; }},
      {AtEnd(), "no stale timer event fired after the deadline moved",
       [=] {
         return a->Core().IdleTimerCalls() == 0 && b->Core().IdleTimerCalls() == 0 &&
                a->slot->GetEarlyWakeups() == 0 && b->slot->GetEarlyWakeups() == 0;
       }},
      {AtEnd(), "no deadline stuck in the past",
       [=] { return a->slot->GetStuckDeadlines() == 0 && b->slot->GetStuckDeadlines() == 0; }},
      {AtEnd(), "stopped B has no timer armed",
       [=] { return b->slot->GetArmedDeadline().IsNegative(); }},
      {AtEnd(), "a deadline stuck in the past is counted and retried every 1 ms, not spun on",
       [=] {
         const uint64_t firings = stuck->GetTimerFirings();
         return Verdict(stuck->GetStuckDeadlines() == firings && firings >= 4990 && firings <= 5001,
                        std::to_string(firings) + " firings in 5 s");
       }},
  });
  scenario.Run(ns3::Seconds(65));
  return scenario.Finish();
}
