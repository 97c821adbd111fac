// Two unchanged WireGuard cores on two simulated nodes, declared as topology, cores, traffic and
// expectations: handshake, rekey (whitepaper 6.2), RejectAfterTime and key zeroing (6.1, 6.4).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "core-conversions.h"
#include "ns3/simulator.h"
#include "ns3/udp-socket-factory.h"
#include "scenario.h"
#include "topology.h"
#include "tunnel-feed.h"
#include "wg-device-core.h"
#include "wg-wire.h"

using namespace weft::sim;
namespace wg = weft::wg;

namespace {

constexpr uint16_t kPort = 51820;
constexpr uint32_t kBurst = 1000;       // phase 1: packets each way, 1 ms apart
constexpr uint32_t kSteady = 195;       // phase 2: one packet a second each way, 5 s .. 199 s
constexpr uint32_t kSilentSends = 400;  // phase 3: A alone, one a second, 201 s .. 600 s
const ns3::Time kStopB = ns3::Seconds(200.2);
const ns3::Time kEnd = ns3::Seconds(2000);
constexpr std::size_t kMaxPayload = 1200;
constexpr uint64_t kJunkDatagrams = 4;
// Marked when A receives the response of its second handshake (the rekey).
const char* const kRekeyed = "A derived the rekeyed session";

/// FNV-1a over every datagram either side sent, with its time: equal digests, identical runs.
struct WireDigest {
  uint64_t value = 14695981039346656037ull;
  void Add(const uint8_t* data, std::size_t size) {
    for (std::size_t i = 0; i < size; ++i) value = (value ^ data[i]) * 1099511628211ull;
  }
};

/// One node's WireGuard core and what the harness saw of it.
struct Side {
  CoreSlotOf<WgDeviceCore>* slot = nullptr;
  wg::PeerId peer = wg::kNoPeer;
  WgWireLog tx;
  WgWireLog rx;
  std::unique_ptr<TrafficSink> sink;

  wg::Device& Device() const { return slot->GetCore(); }
  bool HasSession() const { return Device().peer_stats(peer).has_session; }
  uint64_t TotalDrops() const {
    uint64_t n = 0;
    for (uint64_t d : Device().stats().drops) n += d;
    return n;
  }
};

class WgTwoNodes {
 public:
  explicit WgTwoNodes(uint64_t seed);
  int Run();

 private:
  void OnTx(Side* side, ns3::Ptr<const ns3::Packet> packet);
  void OnRx(Side* side, ns3::Ptr<const ns3::Packet> packet);
  void SendJunk();
  std::vector<Expectation> Expectations();
  ns3::Time Rekeyed() const { return m_scenario.MarkTime(kRekeyed).value_or(ns3::Seconds(-1)); }

  Scenario m_scenario{"sim/wg_two_nodes"};
  Network m_net = build_network(two_node_topology());
  Side m_a;  // the initiator
  Side m_b;
  TwoWayTraffic m_traffic{kMaxPayload};
  WireDigest m_digest;
  ns3::Ptr<ns3::Socket> m_stranger;
};

// Every key and every random draw of both cores derives from `seed`.
WgTwoNodes::WgTwoNodes(uint64_t seed) {
  Side* sides[2] = {&m_a, &m_b};
  for (uint32_t i = 0; i < 2; ++i) {
    wg::DeviceConfig config;
    config.private_key = seeded_private_key(4 * seed + i);
    sides[i]->slot =
        m_net.hosts[i]->AddCore(kPort, std::make_unique<WgDeviceCore>(config, 4 * seed + 2 + i));
  }
  for (uint32_t i = 0; i < 2; ++i) {
    Side* side = sides[i];
    wg::PeerConfig peer;
    peer.public_key = sides[1 - i]->Device().public_key();
    peer.endpoint = m_net.PathOf(1 - i, kPort);
    peer.allowed_ips.push_back(wg::AllowedIp::v4(100, 64, 0, static_cast<uint8_t>(2 - i), 32));
    side->peer = side->Device().add_peer(peer);
    side->slot->TraceDatagramTx(CoreSlot::DatagramCallback(
        [this, side](ns3::Ptr<const ns3::Packet> p, const ns3::Address&) { OnTx(side, p); }));
    side->slot->TraceDatagramRx(CoreSlot::DatagramCallback(
        [this, side](ns3::Ptr<const ns3::Packet> p, const ns3::Address&) { OnRx(side, p); }));
  }
  m_a.sink = std::make_unique<TrafficSink>(m_traffic.ba);
  m_b.sink = std::make_unique<TrafficSink>(m_traffic.ab);
  ConnectTunnelSink(m_a.slot, m_a.sink.get());
  ConnectTunnelSink(m_b.slot, m_b.sink.get());
}

void WgTwoNodes::OnTx(Side* side, ns3::Ptr<const ns3::Packet> packet) {
  side->tx.Record(packet, ns3::Simulator::Now());
  std::vector<uint8_t> bytes(packet->GetSize());
  packet->CopyData(bytes.data(), static_cast<uint32_t>(bytes.size()));
  const int64_t at = ns3::Simulator::Now().GetNanoSeconds();
  m_digest.Add(reinterpret_cast<const uint8_t*>(&at), sizeof at);
  m_digest.Add(bytes.data(), bytes.size());
}

void WgTwoNodes::OnRx(Side* side, ns3::Ptr<const ns3::Packet> packet) {
  side->rx.Record(packet, ns3::Simulator::Now());
  if (side == &m_a && side->rx.Count(WgMessage::kHandshakeResponse) == 2) {
    m_scenario.Mark(kRekeyed);
  }
}

// Untrusted datagrams from a stranger's socket on B's node: each is dropped for the reason
// device.h documents and counted; the session carries on.
void WgTwoNodes::SendJunk() {
  m_stranger = ns3::Socket::CreateSocket(m_net.nodes.Get(1), ns3::UdpSocketFactory::GetTypeId());
  m_stranger->Bind(ns3::InetSocketAddress(ns3::Ipv4Address::GetAny(), 9999));
  std::vector<std::vector<uint8_t>> junk;
  junk.push_back(std::vector<uint8_t>(7, 0xee));  // unknown type
  junk.push_back(std::vector<uint8_t>(100, 0));   // initiation of the wrong size
  junk.back()[0] = wg::kMessageHandshakeInitiation;
  junk.push_back(std::vector<uint8_t>(wg::kTransportMinSize, 0x22));  // unknown receiver index
  junk.back()[0] = wg::kMessageTransportData;
  junk.push_back(std::vector<uint8_t>(wg::kHandshakeInitiationSize, 0x33));  // mac1 is wrong
  junk.back()[0] = wg::kMessageHandshakeInitiation;
  for (std::vector<uint8_t>& j : junk) {
    j[1] = j[2] = j[3] = 0;  // reserved bytes
    m_stranger->SendTo(ns3::Create<ns3::Packet>(j.data(), static_cast<uint32_t>(j.size())), 0,
                       ns3::InetSocketAddress(m_net.address[0], kPort));
  }
}

std::vector<Expectation> WgTwoNodes::Expectations() {
  const Side* a = &m_a;
  const Side* b = &m_b;
  const auto inits = [](const Side& s) { return s.tx.Of(WgMessage::kHandshakeInitiation); };
  const auto responses_to_a = [a] { return a->rx.Of(WgMessage::kHandshakeResponse); };
  const auto data_of = [](const Side& s) { return s.tx.Of(WgMessage::kTransportData); };
  const ns3::Time reject_after = to_ns3_time(wg::kRejectAfterTime);
  const ns3::Time zero_after = to_ns3_time(wg::kZeroKeyMaterialAfter);
  return {
      // Phase 1, after the burst: one handshake, 1,000 intact packets each way.
      {At(ns3::Seconds(4)), "both peers configured",
       [=] { return a->peer != wg::kNoPeer && b->peer != wg::kNoPeer; }},
      {At(ns3::Seconds(4)), "one handshake: A sent 1 initiation, B 1 response and no initiation",
       [=] {
         const auto got = responses_to_a();
         return Verdict(inits(*a).size() == 1 && b->tx.Count(WgMessage::kHandshakeResponse) == 1 &&
                            inits(*b).empty(),
                        "A initiated at " + seconds_text(inits(*a).at(0).at, 6) +
                            " s, got the response at " +
                            (got.empty() ? "never" : seconds_text(got[0].at, 6) + " s"));
       }},
      {At(ns3::Seconds(4)), "B's tunnel got A's 1,000 packets, exact bytes, once",
       [=] { return b->sink->HasExactly(kBurst); }},
      {At(ns3::Seconds(4)), "A's tunnel got B's 1,000 packets, exact bytes, once",
       [=] { return a->sink->HasExactly(kBurst); }},
      {At(ns3::Seconds(4)), "both peers report a current session",
       [=] { return a->HasSession() && b->HasSession(); }},
      {At(ns3::Seconds(4)), "no datagram or packet dropped",
       [=] { return a->TotalDrops() == 0 && b->TotalDrops() == 0; }},
      // A stranger's junk (sent at 4.5 s).
      {At(ns3::Seconds(4.9)),
       "A dropped the stranger's junk as 2 malformed, 1 no-session, 1 bad-mac1",
       [=] {
         const wg::DeviceStats stats = a->Device().stats();
         return stats.drops_of(wg::DropReason::kMalformed) == 2 &&
                stats.drops_of(wg::DropReason::kNoSession) == 1 &&
                stats.drops_of(wg::DropReason::kBadMac1) == 1 && a->TotalDrops() == kJunkDatagrams;
       }},
      {At(ns3::Seconds(4.9)), "A's session survived the junk", [=] { return a->HasSession(); }},
      // Phase 2, just before B stops: a second handshake right after RekeyAfterTime.
      {At(ns3::Seconds(200.1)), "exactly one rekey, initiated by A (the session's initiator)",
       [=] { return inits(*a).size() == 2 && responses_to_a().size() == 2 && inits(*b).empty(); }},
      {At(ns3::Seconds(200.1)), "rekey initiated on A's first send past RekeyAfterTime (120 s)",
       [=] {
         const auto init = inits(*a);
         const auto got = responses_to_a();
         if (init.size() < 2 || got.empty()) return Verdict(false, "no rekey");
         const ns3::Time after = init[1].at - got[0].at;
         const ns3::Time rekey_after = to_ns3_time(wg::kRekeyAfterTime);
         return Verdict(after >= rekey_after && after <= rekey_after + ns3::Seconds(1),
                        seconds_text(after) + " s after the session began");
       }},
      {At(ns3::Seconds(200.1)), "the new session has new receiver indices on both sides",
       [=] {
         const auto init = inits(*a);
         const auto got = responses_to_a();
         return init.size() == 2 && got.size() == 2 && got[1].sender != got[0].sender &&
                init[1].sender != init[0].sender;
       }},
      {At(ns3::Seconds(200.1)), "A encrypts only with the new keypair after the rekey",
       [=] {
         const auto got = responses_to_a();
         if (got.size() < 2) return false;
         bool used_new = false;
         for (const WgWireMessage& m : data_of(*a)) {
           if (m.at <= Rekeyed()) continue;
           if (m.receiver != got[1].sender) return false;
           used_new = true;
         }
         return used_new;
       }},
      {At(ns3::Seconds(200.1)), "B moved to the new keypair too",
       [=] {
         const auto init = inits(*a);
         if (init.size() < 2) return false;
         bool uses_new = false;
         for (const WgWireMessage& m : data_of(*b)) {
           if (m.at > Rekeyed() + ns3::Seconds(2)) uses_new = m.receiver == init[1].sender;
         }
         return uses_new;
       }},
      {At(ns3::Seconds(200.1)),
       "traffic continued across the rekey: every packet delivered, in both directions",
       [=] {
         return b->sink->HasExactly(kBurst + kSteady) && a->sink->HasExactly(kBurst + kSteady);
       }},
      {At(ns3::Seconds(200.1)), "nothing dropped but the junk",
       [=] { return a->TotalDrops() == kJunkDatagrams && b->TotalDrops() == 0; }},
      // Phase 3, after B went silent: the session unused past RejectAfterTime, re-handshakes.
      {At(ns3::Seconds(602)), "rekeyed session known",
       [=] {
         return Verdict(Rekeyed().IsPositive(), "began " + seconds_text(Rekeyed(), 6) + " s");
       }},
      {At(ns3::Seconds(602)), "A kept using the session after B went silent (until it expired)",
       [=] {
         const auto got = responses_to_a();
         ns3::Time last_use = ns3::Seconds(-1);
         for (const WgWireMessage& m : data_of(*a)) {
           if (got.size() == 2 && m.receiver == got[1].sender) last_use = std::max(last_use, m.at);
         }
         return Verdict(last_use > kStopB, "last use " + seconds_text(last_use, 6) + " s");
       }},
      {At(ns3::Seconds(602)),
       "A never encrypted with the session once it was RejectAfterTime (180 s) old",
       [=] {
         const auto got = responses_to_a();
         if (got.size() < 2) return Verdict(false, "no rekeyed session");
         const ns3::Time reject_at = Rekeyed() + reject_after;
         for (const WgWireMessage& m : data_of(*a)) {
           if (m.receiver == got[1].sender && m.at > reject_at) return Verdict(false);
         }
         return Verdict(true, "rejected at " + seconds_text(reject_at, 6) + " s");
       }},
      {At(ns3::Seconds(602)), "A sent no transport data at all after the rejection",
       [=] {
         const auto data = data_of(*a);
         return Rekeyed().IsPositive() &&
                std::none_of(data.begin(), data.end(), [=](const WgWireMessage& m) {
                  return m.at > Rekeyed() + reject_after;
                });
       }},
      {At(ns3::Seconds(602)), "A tried to re-handshake after the rejection",
       [=] {
         std::size_t since_stop = 0;
         bool after_reject = false;
         for (const WgWireMessage& m : inits(*a)) {
           since_stop += m.at > kStopB ? 1 : 0;
           after_reject = after_reject || m.at > Rekeyed() + reject_after;
         }
         return Verdict(Rekeyed().IsPositive() && after_reject,
                        std::to_string(since_stop) + " initiations since B stopped");
       }},
      {At(ns3::Seconds(602)), "initiations at least RekeyTimeout apart",
       [=] {
         std::vector<ns3::Time> at;
         for (const WgWireMessage& m : inits(*a)) {
           if (m.at > kStopB) at.push_back(m.at);
         }
         ns3::Time min_gap = ns3::Seconds(1e6);
         for (std::size_t i = 1; i < at.size(); ++i) min_gap = std::min(min_gap, at[i] - at[i - 1]);
         return Verdict(at.size() >= 2 && min_gap >= to_ns3_time(wg::kRekeyTimeout),
                        "min gap " + seconds_text(min_gap) + " s");
       }},
      {At(ns3::Seconds(602)),
       "A still reports the expired keypair until key zeroing (PeerStats::has_session)",
       [=] { return a->HasSession(); }},
      // 3 x RejectAfterTime after the last session was derived, its keys must be gone.
      {After(kRekeyed, zero_after + ns3::MilliSeconds(1)),
       "A holds no session keypair 540 s after the last session",
       [=] {
         return Verdict(!a->HasSession(),
                        seconds_text(ns3::Simulator::Now() - Rekeyed()) + " s after it");
       }},
      // The end: zeroing ran, nothing armed, the drivers saw no core bug, wire sizes right.
      {AtEnd(), "A's timers ran at least until 540 s after the last session (key zeroing)",
       [=] {
         const ns3::Time last = a->slot->GetLastTimerFiring();
         return Verdict(Rekeyed().IsPositive() && last >= Rekeyed() + zero_after,
                        "last timer event at " + seconds_text(last, 6) + " s");
       }},
      {AtEnd(), "A's core is idle at the end: no timer left armed",
       [=] { return !a->Device().next_deadline().has_value(); }},
      {AtEnd(),
       "A: no deadline in the past after update_timers, no stale timer event, no unsendable path",
       [=] { return a->slot->IsHealthy(); }},
      {AtEnd(),
       "B: no deadline in the past after update_timers, no stale timer event, no unsendable path",
       [=] { return b->slot->IsHealthy(); }},
      {AtEnd(), "every datagram sent has a WireGuard message size",
       [=] {
         std::size_t n = 0;
         bool ok = true;
         for (const Side* s : {a, b}) {
           for (const WgWireMessage& m : s->tx.All()) {
             ok = ok && has_wg_size(m);
             ++n;
           }
         }
         return Verdict(ok && n > 0, std::to_string(n) + " datagrams: A " +
                                         std::to_string(a->tx.All().size()) + ", B " +
                                         std::to_string(b->tx.All().size()) + "; timer events: A " +
                                         std::to_string(a->slot->GetTimerFirings()) + ", B " +
                                         std::to_string(b->slot->GetTimerFirings()));
       }},
      {AtEnd(), "B's tunnel got nothing after it stopped",
       [=] { return b->sink->HasExactly(kBurst + kSteady); }},
  };
}

int WgTwoNodes::Run() {
  const ns3::Time ms = ns3::MilliSeconds(1);
  const ns3::Time s = ns3::Seconds(1);
  ScheduleTunnelBurst(m_a.slot, &m_traffic.ab, TunnelBurst{ns3::Seconds(1), ms, kBurst, 0});
  ScheduleTunnelBurst(m_b.slot, &m_traffic.ba, TunnelBurst{ns3::Seconds(1.5), ms, kBurst, 0});
  ScheduleTunnelBurst(m_a.slot, &m_traffic.ab, TunnelBurst{ns3::Seconds(5), s, kSteady, kBurst});
  ScheduleTunnelBurst(m_b.slot, &m_traffic.ba, TunnelBurst{ns3::Seconds(5.5), s, kSteady, kBurst});
  ScheduleTunnelBurst(m_a.slot, &m_traffic.ab,
                      TunnelBurst{ns3::Seconds(201), s, kSilentSends, kBurst + kSteady});
  ns3::Simulator::Schedule(ns3::Seconds(4.5), &WgTwoNodes::SendJunk, this);
  ns3::Simulator::Schedule(ns3::Seconds(4.9), [this] { m_stranger->Close(); });
  m_net.hosts[1]->SetStopTime(kStopB);
  m_scenario.Expect(Expectations());
  m_scenario.Run(kEnd);
  std::printf("wire digest %016llx\n", static_cast<unsigned long long>(m_digest.value));
  return m_scenario.Finish();
}

}  // namespace

/// Usage: sim_wg_two_nodes [seed]   (default seed 1; prints a digest of the wire traffic)
int main(int argc, char** argv) {
  const uint64_t seed = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1;
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  WgTwoNodes scenario(seed);
  return scenario.Run();
}
