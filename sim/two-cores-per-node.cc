// Two different cores on each of two nodes, each on its own UDP socket: the unchanged WireGuard
// core and a test double with its own Output type, plugged in without touching the WireGuard path.
#include <chrono>
#include <memory>
#include <string>

#include "fake-core.h"
#include "scenario.h"
#include "topology.h"
#include "tunnel-feed.h"
#include "wg-device-core.h"

using namespace weft::sim;
namespace wg = weft::wg;

namespace {

constexpr uint16_t kWgPort = 51820;
constexpr uint16_t kFakePort = 51821;
constexpr uint32_t kPackets = 100;

struct Node {
  CoreSlotOf<WgDeviceCore>* wg = nullptr;
  CoreSlotOf<FakeCore>* fake = nullptr;
  std::unique_ptr<TrafficSink> wg_sink;
  std::unique_ptr<TrafficSink> fake_sink;
};

}  // namespace

int main() {
  Scenario scenario("sim/two_cores_per_node");
  Network net = build_network(two_node_topology());
  const TwoWayTraffic traffic;

  Node node[2];
  for (uint32_t i = 0; i < 2; ++i) {
    wg::DeviceConfig config;
    config.private_key = seeded_private_key(i);
    node[i].wg = net.hosts[i]->AddCore(kWgPort, std::make_unique<WgDeviceCore>(config, 2 + i));
    node[i].fake = net.hosts[i]->AddCore(
        kFakePort,
        std::make_unique<FakeCore>(net.PathOf(1 - i, kFakePort), std::chrono::seconds(10)));
  }
  for (uint32_t i = 0; i < 2; ++i) {
    wg::PeerConfig peer;
    peer.public_key = node[1 - i].wg->GetCore().public_key();
    peer.endpoint = net.PathOf(1 - i, kWgPort);
    peer.allowed_ips.push_back(wg::AllowedIp::v4(100, 64, 0, static_cast<uint8_t>(2 - i), 32));
    node[i].wg->GetCore().add_peer(peer);
    const TrafficPattern& incoming = i == 0 ? traffic.ba : traffic.ab;
    node[i].wg_sink = std::make_unique<TrafficSink>(incoming);
    node[i].fake_sink = std::make_unique<TrafficSink>(incoming);
    ConnectTunnelSink(node[i].wg, node[i].wg_sink.get());
    ConnectTunnelSink(node[i].fake, node[i].fake_sink.get());
  }
  // The same packets through both cores of a node, at the same instants.
  const TunnelBurst from_a{ns3::Seconds(1), ns3::MilliSeconds(1), kPackets, 0};
  const TunnelBurst from_b{ns3::Seconds(1.05), ns3::MilliSeconds(1), kPackets, 0};
  ScheduleTunnelBurst(node[0].wg, &traffic.ab, from_a);
  ScheduleTunnelBurst(node[0].fake, &traffic.ab, from_a);
  ScheduleTunnelBurst(node[1].wg, &traffic.ba, from_b);
  ScheduleTunnelBurst(node[1].fake, &traffic.ba, from_b);

  const Node* a = &node[0];
  const Node* b = &node[1];
  scenario.Expect({
      {AtEnd(), "WireGuard delivered 100 packets each way, exact bytes, once",
       [=] { return a->wg_sink->HasExactly(kPackets) && b->wg_sink->HasExactly(kPackets); }},
      {AtEnd(), "the fake core delivered 100 packets each way, exact bytes, once",
       [=] { return a->fake_sink->HasExactly(kPackets) && b->fake_sink->HasExactly(kPackets); }},
      {AtEnd(), "no core received the other core's datagrams (no drop on either socket)",
       [=] {
         return a->wg->GetTotalDrops() + b->wg->GetTotalDrops() + a->fake->GetTotalDrops() +
                    b->fake->GetTotalDrops() ==
                0;
       }},
      {AtEnd(), "each core kept its own timer: the fake's keepalives ran beside WireGuard's timers",
       [=] {
         const uint32_t keepalives = a->fake->GetCore().KeepalivesSent();
         return Verdict(keepalives >= 2 && a->wg->GetTimerFirings() > 0,
                        "fake keepalives from A: " + std::to_string(keepalives) + ", " +
                            "WireGuard timer events: " + std::to_string(a->wg->GetTimerFirings()));
       }},
      {AtEnd(),
       "every slot: no deadline stuck in the past, no stale timer event, nothing unsendable",
       [=] {
         return a->wg->IsHealthy() && b->wg->IsHealthy() && a->fake->IsHealthy() &&
                b->fake->IsHealthy();
       }},
  });
  scenario.Run(ns3::Seconds(30));
  return scenario.Finish();
}
