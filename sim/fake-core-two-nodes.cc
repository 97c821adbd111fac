// Checks the ns-3 adapter alone with a test double core: datagrams and tunnel packets flow both
// ways, `now` is the simulator's clock, and the one timer event follows next_deadline().
#include <cstdio>
#include <memory>
#include <string>

#include "core-conversions.h"
#include "fake-core.h"
#include "ns3/simulator.h"
#include "ns3/uinteger.h"
#include "scenario-checks.h"
#include "tunnel-traffic.h"
#include "two-node-network.h"

using namespace weft::sim;

namespace {

constexpr uint32_t kPackets = 100;
const weft::wg::Duration kKeepalive = std::chrono::seconds(10);

struct Side {
  FakeCore* core = nullptr;
  std::unique_ptr<TrafficSink> sink;
  uint32_t clock_mismatches = 0;
};

void OnTunnelRx(Side* side, ns3::Ptr<const ns3::Packet> packet) {
  std::vector<uint8_t> bytes(packet->GetSize());
  packet->CopyData(bytes.data(), static_cast<uint32_t>(bytes.size()));
  side->sink->Receive(bytes.data(), bytes.size());
  // The call that produced this delivery must have been handed the simulator's time.
  if (side->core->Calls().back().mono.count() != ns3::Simulator::Now().GetNanoSeconds()) {
    ++side->clock_mismatches;
  }
}

// A broken core whose deadline stays at 5 s whatever update_timers() does.
class StuckCore final : public SansIoCore {
 public:
  weft::wg::Output receive_datagram(weft::wg::Now, const weft::wg::Path&, weft::wg::ByteView,
                                    weft::wg::MutableBytes) override {
    return {};
  }
  weft::wg::Output send_packet(weft::wg::Now, weft::wg::ByteView, weft::wg::MutableBytes) override {
    return {};
  }
  weft::wg::Output poll_transmit(weft::wg::Now, weft::wg::MutableBytes) override { return {}; }
  void update_timers(weft::wg::Now) override {}
  std::optional<weft::wg::Duration> next_deadline() const override {
    return std::chrono::seconds(5);
  }
};

void Inject(ns3::Ptr<UdpCoreApp> app, const TrafficPattern* pattern, uint32_t seq) {
  const std::vector<uint8_t> packet = pattern->Make(seq);
  app->InjectTunnelPacket(packet.data(), packet.size());
}

}  // namespace

int main() {
  ScenarioChecks checks("sim/fake_core_two_nodes");
  TwoNodeNetwork net = build_two_node_network(51820);

  const UdpFlow ab{make_ipv4(100, 64, 0, 1), make_ipv4(100, 64, 0, 2), 40000, 7};
  const UdpFlow ba{ab.destination, ab.source, 7, 40000};
  const TrafficPattern pattern_ab(ab, 1200);
  const TrafficPattern pattern_ba(ba, 1200);

  Side side[2];
  for (int i = 0; i < 2; ++i) {
    auto core = std::make_unique<FakeCore>(net.endpoint[1 - i], kKeepalive);
    side[i].core = core.get();
    net.app[i]->SetCore(std::move(core));
    net.app[i]->TraceConnectWithoutContext("TunnelRx",
                                           ns3::MakeBoundCallback(&OnTunnelRx, &side[i]));
  }
  side[0].sink = std::make_unique<TrafficSink>(pattern_ba);
  side[1].sink = std::make_unique<TrafficSink>(pattern_ab);

  for (uint32_t s = 0; s < kPackets; ++s) {
    ns3::Simulator::Schedule(ns3::Seconds(1) + ns3::MilliSeconds(s), &Inject, net.app[0],
                             &pattern_ab, s);
    ns3::Simulator::Schedule(ns3::Seconds(2) + ns3::MilliSeconds(s), &Inject, net.app[1],
                             &pattern_ba, s);
  }
  net.app[1]->SetStopTime(ns3::Seconds(30));
  // A third app, on A's node, with a core whose deadline never moves: from 5 s to its stop at
  // 10 s the adapter must back off 1 ms per firing instead of spinning at one instant.
  ns3::Ptr<UdpCoreApp> stuck = ns3::CreateObject<UdpCoreApp>();
  stuck->SetAttribute("Port", ns3::UintegerValue(51821));
  stuck->SetCore(std::make_unique<StuckCore>());
  net.nodes.Get(0)->AddApplication(stuck);
  stuck->SetStartTime(ns3::Seconds(0));
  stuck->SetStopTime(ns3::Seconds(10));
  ns3::Simulator::Stop(ns3::Seconds(65));
  ns3::Simulator::Run();

  checks.Expect(side[1].sink->HasExactly(kPackets),
                "B received A's 100 packets exactly once, intact");
  checks.Expect(side[0].sink->HasExactly(kPackets),
                "A received B's 100 packets exactly once, intact");
  checks.Expect(side[0].clock_mismatches == 0 && side[1].clock_mismatches == 0,
                "every delivery came from a call handed Simulator::Now()");
  bool wall_ok = true;
  for (const Side& s : side) {
    for (const weft::wg::Now& now : s.core->Calls()) {
      wall_ok = wall_ok &&
                now.wall == default_wall_epoch() +
                                std::chrono::duration_cast<weft::wg::WallTime::duration>(now.mono);
    }
  }
  checks.Expect(wall_ok, "wall clock is the fixed epoch plus simulated time on every call");
  // A last sent data at 1.099 s: keepalives at 11.099, 21.099, ... 61.099 s.
  checks.Expect(side[0].core->KeepalivesSent() == 6, "A sent 6 keepalives (one per 10 s idle)");
  checks.Expect(net.app[0]->GetTimerFirings() == 6, "A's timer fired once per deadline (6)");
  // B last sent at 2.099 s and stopped at 30 s: keepalives at 12.099 and 22.099 s only.
  checks.Expect(side[1].core->KeepalivesSent() == 2, "B sent 2 keepalives before it stopped");
  checks.Expect(net.app[1]->GetTimerFirings() == 2, "B's timer fired twice, never after stopping");
  checks.Expect(side[0].core->KeepalivesReceived() == 2 && side[1].core->KeepalivesReceived() == 2,
                "each side received the other's keepalives sent while B was up");
  checks.Expect(side[0].core->IdleTimerCalls() == 0 && side[1].core->IdleTimerCalls() == 0,
                "no stale timer event fired after the deadline moved");
  checks.Expect(net.app[0]->GetStuckDeadlines() == 0 && net.app[1]->GetStuckDeadlines() == 0,
                "no deadline stuck in the past");
  checks.Expect(net.app[1]->GetArmedDeadline().IsNegative(), "stopped B has no timer armed");
  checks.Expect(stuck->GetStuckDeadlines() == stuck->GetTimerFirings() &&
                    stuck->GetTimerFirings() >= 4990 && stuck->GetTimerFirings() <= 5001,
                "a deadline stuck in the past is counted and retried every 1 ms, not spun on (" +
                    std::to_string(stuck->GetTimerFirings()) + " firings in 5 s)");

  ns3::Simulator::Destroy();
  return checks.Finish();
}
