// Drives two unchanged WireGuard cores (weft::wg::Device) over simulated UDP between two ns-3
// nodes: handshake and 1,000 packets each way, rekey after RekeyAfterTime (whitepaper 6.2), and
// rejection of a silent peer's session after RejectAfterTime with re-handshaking (6.1, 6.4).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "ns3/simulator.h"
#include "ns3/udp-socket-factory.h"
#include "scenario-checks.h"
#include "tunnel-traffic.h"
#include "two-node-network.h"
#include "wg-device-core.h"

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

// Via integer nanoseconds: ns-3 3.37's int64x64 double conversion left-shifts negative values,
// which UBSan rejects.
double secs(ns3::Time t) { return static_cast<double>(t.GetNanoSeconds()) / 1e9; }
ns3::Time to_time(wg::Duration d) { return ns3::NanoSeconds(static_cast<int64_t>(d.count())); }

uint32_t le32(const std::vector<uint8_t>& b, std::size_t at) {
  return uint32_t{b[at]} | uint32_t{b[at + 1]} << 8 | uint32_t{b[at + 2]} << 16 |
         uint32_t{b[at + 3]} << 24;
}

/// One WireGuard message seen on the wire (whitepaper 5.4): its type and indices.
struct WireMessage {
  ns3::Time at;
  uint8_t type = 0;
  uint32_t sender = 0;    // initiation, response
  uint32_t receiver = 0;  // response, transport data
  std::size_t size = 0;
};

struct Side {
  WgDeviceCore* core = nullptr;
  wg::PeerId peer = wg::kNoPeer;
  std::unique_ptr<TrafficSink> sink;
  std::vector<WireMessage> tx;
  std::vector<WireMessage> rx;

  std::vector<WireMessage> Of(const std::vector<WireMessage>& log, uint8_t type) const {
    std::vector<WireMessage> out;
    std::copy_if(log.begin(), log.end(), std::back_inserter(out),
                 [type](const WireMessage& m) { return m.type == type; });
    return out;
  }
  uint64_t TotalDrops() const {
    uint64_t n = 0;
    for (uint64_t d : core->GetDevice().stats().drops) n += d;
    return n;
  }
};

WireMessage parse_wire(ns3::Ptr<const ns3::Packet> packet) {
  std::vector<uint8_t> b(packet->GetSize());
  packet->CopyData(b.data(), static_cast<uint32_t>(b.size()));
  WireMessage m;
  m.at = ns3::Simulator::Now();
  m.size = b.size();
  if (b.size() < 16) return m;
  m.type = b[0];
  if (m.type == wg::kMessageHandshakeInitiation) {
    m.sender = le32(b, 4);
  } else if (m.type == wg::kMessageHandshakeResponse) {
    m.sender = le32(b, 4);
    m.receiver = le32(b, 8);
  } else if (m.type == wg::kMessageTransportData) {
    m.receiver = le32(b, 4);
  }
  return m;
}

// FNV-1a over every datagram either side sent, with its time: equal digests mean identical runs.
uint64_t g_wire_digest = 14695981039346656037ull;
void digest(const uint8_t* data, std::size_t size) {
  for (std::size_t i = 0; i < size; ++i) {
    g_wire_digest = (g_wire_digest ^ data[i]) * 1099511628211ull;
  }
}

void OnTx(Side* side, ns3::Ptr<const ns3::Packet> p, const ns3::Address&) {
  side->tx.push_back(parse_wire(p));
  std::vector<uint8_t> bytes(p->GetSize());
  p->CopyData(bytes.data(), static_cast<uint32_t>(bytes.size()));
  const int64_t at = ns3::Simulator::Now().GetNanoSeconds();
  digest(reinterpret_cast<const uint8_t*>(&at), sizeof at);
  digest(bytes.data(), bytes.size());
}
void OnRx(Side* side, ns3::Ptr<const ns3::Packet> p, const ns3::Address&) {
  side->rx.push_back(parse_wire(p));
}
void OnTunnelRx(Side* side, ns3::Ptr<const ns3::Packet> p) {
  std::vector<uint8_t> bytes(p->GetSize());
  p->CopyData(bytes.data(), static_cast<uint32_t>(bytes.size()));
  side->sink->Receive(bytes.data(), bytes.size());
}
void Inject(ns3::Ptr<UdpCoreApp> app, const TrafficPattern* pattern, uint32_t seq) {
  const std::vector<uint8_t> packet = pattern->Make(seq);
  app->InjectTunnelPacket(packet.data(), packet.size());
}

std::string fmt(const char* f, double a, double b = 0) {
  char buf[256];
  std::snprintf(buf, sizeof buf, f, a, b);
  return buf;
}

struct Harness {
  ScenarioChecks checks{"sim/wg_two_nodes"};
  TwoNodeNetwork net = build_two_node_network(kPort);
  Side side[2];  // 0 = A (initiator), 1 = B
  ns3::Time session2_at = ns3::Seconds(-1);
  uint32_t session2_index = 0;

  // Every key and every random draw of both cores derives from `seed`.
  void Configure(uint64_t seed) {
    wg::DeviceConfig config[2];
    config[0].private_key = seeded_private_key(4 * seed);
    config[1].private_key = seeded_private_key(4 * seed + 1);
    auto core_a = std::make_unique<WgDeviceCore>(config[0], 4 * seed + 2);
    auto core_b = std::make_unique<WgDeviceCore>(config[1], 4 * seed + 3);
    side[0].core = core_a.get();
    side[1].core = core_b.get();
    for (int i = 0; i < 2; ++i) {
      wg::PeerConfig peer;
      peer.public_key = side[1 - i].core->GetDevice().public_key();
      peer.endpoint = net.endpoint[1 - i];
      peer.allowed_ips.push_back(wg::AllowedIp::v4(100, 64, 0, static_cast<uint8_t>(2 - i), 32));
      side[i].peer = side[i].core->GetDevice().add_peer(peer);
    }
    net.app[0]->SetCore(std::move(core_a));
    net.app[1]->SetCore(std::move(core_b));
    for (int i = 0; i < 2; ++i) {
      net.app[i]->TraceConnectWithoutContext("DatagramTx", ns3::MakeBoundCallback(&OnTx, &side[i]));
      net.app[i]->TraceConnectWithoutContext("DatagramRx", ns3::MakeBoundCallback(&OnRx, &side[i]));
      net.app[i]->TraceConnectWithoutContext("TunnelRx",
                                             ns3::MakeBoundCallback(&OnTunnelRx, &side[i]));
    }
  }

  // After the burst: one handshake, 1,000 intact packets each way.
  void CheckHandshakeAndBurst() {
    Side& a = side[0];
    Side& b = side[1];
    checks.Expect(a.peer != wg::kNoPeer && b.peer != wg::kNoPeer, "both peers configured");
    checks.Expect(a.Of(a.tx, 1).size() == 1 && b.Of(b.tx, 2).size() == 1 && b.Of(b.tx, 1).empty(),
                  "one handshake: A sent 1 initiation, B 1 response and no initiation");
    checks.Expect(b.sink->HasExactly(kBurst),
                  "B's tunnel got A's 1,000 packets, exact bytes, once");
    checks.Expect(a.sink->HasExactly(kBurst),
                  "A's tunnel got B's 1,000 packets, exact bytes, once");
    checks.Expect(a.core->GetDevice().peer_stats(a.peer).has_session &&
                      b.core->GetDevice().peer_stats(b.peer).has_session,
                  "both peers report a current session");
    checks.Expect(a.TotalDrops() == 0 && b.TotalDrops() == 0, "no datagram or packet dropped");
    std::printf("  handshake: A initiation at %.6f s, response received at %.6f s\n",
                secs(a.Of(a.tx, 1).at(0).at),
                a.Of(a.rx, 2).empty() ? -1.0 : secs(a.Of(a.rx, 2)[0].at));
  }

  // Untrusted datagrams from a stranger's socket on B's node: each is dropped for the reason
  // device.h documents and counted; the session carries on.
  ns3::Ptr<ns3::Socket> stranger;
  static constexpr uint64_t kJunkDatagrams = 4;
  void SendJunk() {
    stranger = ns3::Socket::CreateSocket(net.nodes.Get(1), ns3::UdpSocketFactory::GetTypeId());
    stranger->Bind(ns3::InetSocketAddress(ns3::Ipv4Address::GetAny(), 9999));
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
      stranger->SendTo(ns3::Create<ns3::Packet>(j.data(), static_cast<uint32_t>(j.size())), 0,
                       ns3::InetSocketAddress(net.address[0], kPort));
    }
  }
  void CheckJunkDropped() {
    const wg::DeviceStats stats = side[0].core->GetDevice().stats();
    checks.Expect(stats.drops_of(wg::DropReason::kMalformed) == 2 &&
                      stats.drops_of(wg::DropReason::kNoSession) == 1 &&
                      stats.drops_of(wg::DropReason::kBadMac1) == 1 &&
                      side[0].TotalDrops() == kJunkDatagrams,
                  "A dropped the stranger's junk as 2 malformed, 1 no-session, 1 bad-mac1");
    checks.Expect(side[0].core->GetDevice().peer_stats(side[0].peer).has_session,
                  "A's session survived the junk");
    stranger->Close();
  }

  // Just before B stops: a second handshake right after RekeyAfterTime, new indices, no loss.
  void CheckRekey() {
    Side& a = side[0];
    Side& b = side[1];
    const auto inits = a.Of(a.tx, 1);
    const auto responses = a.Of(a.rx, 2);
    if (!checks.Expect(inits.size() == 2 && responses.size() == 2 && b.Of(b.tx, 1).empty(),
                       "exactly one rekey, initiated by A (the session's initiator)")) {
      return;
    }
    const ns3::Time session1 = responses[0].at;
    const ns3::Time rekey = inits[1].at;
    const wg::Duration rekey_after = wg::kRekeyAfterTime;
    checks.Expect(rekey - session1 >= to_time(rekey_after) &&
                      rekey - session1 <= to_time(rekey_after) + ns3::Seconds(1),
                  fmt("rekey initiated %.3f s after the session began (first send past 120 s)",
                      secs(rekey - session1)));
    session2_at = responses[1].at;
    session2_index = responses[1].sender;
    ns3::Simulator::Schedule(session2_at + to_time(wg::kZeroKeyMaterialAfter) +
                                 ns3::MilliSeconds(1) - ns3::Simulator::Now(),
                             [this] { CheckKeysErased(); });
    checks.Expect(responses[1].sender != responses[0].sender && inits[1].sender != inits[0].sender,
                  "the new session has new receiver indices on both sides");
    bool a_uses_new = true;
    bool a_used_new = false;
    for (const WireMessage& m : a.Of(a.tx, 4)) {
      if (m.at > session2_at) {
        a_uses_new = a_uses_new && m.receiver == session2_index;
        a_used_new = true;
      }
    }
    checks.Expect(a_used_new && a_uses_new, "A encrypts only with the new keypair after the rekey");
    bool b_uses_new = false;
    for (const WireMessage& m : b.Of(b.tx, 4)) {
      if (m.at > session2_at + ns3::Seconds(2)) b_uses_new = m.receiver == inits[1].sender;
    }
    checks.Expect(b_uses_new, "B moved to the new keypair too");
    checks.Expect(b.sink->HasExactly(kBurst + kSteady) && a.sink->HasExactly(kBurst + kSteady),
                  "traffic continued across the rekey: every packet delivered, in both directions");
    checks.Expect(a.TotalDrops() == kJunkDatagrams && b.TotalDrops() == 0,
                  "nothing dropped but the junk");
  }

  // After B went silent: old session unused past RejectAfterTime, re-handshakes instead.
  void CheckRejectAfterSilence() {
    Side& a = side[0];
    if (!checks.Expect(session2_at.IsPositive(), "rekeyed session known")) return;
    const ns3::Time reject_at = session2_at + to_time(wg::kRejectAfterTime);
    ns3::Time last_old_use = ns3::Seconds(-1);
    bool any_data_after_reject = false;
    for (const WireMessage& m : a.Of(a.tx, 4)) {
      if (m.receiver == session2_index) last_old_use = std::max(last_old_use, m.at);
      any_data_after_reject = any_data_after_reject || m.at > reject_at;
    }
    std::printf("  silent peer: session began %.6f s, reject at %.6f s, last use %.6f s\n",
                secs(session2_at), secs(reject_at), secs(last_old_use));
    checks.Expect(last_old_use > kStopB,
                  "A kept using the session after B went silent (until it expired)");
    checks.Expect(last_old_use <= reject_at,
                  "A never encrypted with the session once it was RejectAfterTime (180 s) old");
    checks.Expect(!any_data_after_reject, "A sent no transport data at all after the rejection");
    std::vector<ns3::Time> inits;
    for (const WireMessage& m : a.Of(a.tx, 1)) {
      if (m.at > kStopB) inits.push_back(m.at);
    }
    const bool rehandshake =
        std::any_of(inits.begin(), inits.end(), [&](ns3::Time t) { return t > reject_at; });
    checks.Expect(rehandshake, fmt("A tried to re-handshake after the rejection (%.0f initiations "
                                   "since B stopped)",
                                   static_cast<double>(inits.size())));
    ns3::Time min_gap = ns3::Seconds(1e6);
    for (std::size_t i = 1; i < inits.size(); ++i)
      min_gap = std::min(min_gap, inits[i] - inits[i - 1]);
    checks.Expect(inits.size() >= 2 && min_gap >= to_time(wg::kRekeyTimeout),
                  fmt("initiations at least RekeyTimeout apart (min gap %.3f s)", secs(min_gap)));
    // PeerStats::has_session is documented as "usable for sending", but peer_stats() takes no
    // `now`, and the core keeps the expired keypair until zeroing: reported, not asserted.
    std::printf("  note: A's peer_stats().has_session %.0f s after the session was rejected: %s\n",
                secs(ns3::Simulator::Now() - reject_at),
                a.core->GetDevice().peer_stats(a.peer).has_session ? "true" : "false");
  }

  // 3 x RejectAfterTime after the last session was derived, its keys must be gone.
  void CheckKeysErased() {
    Side& a = side[0];
    checks.Expect(!a.core->GetDevice().peer_stats(a.peer).has_session,
                  fmt("A holds no session keypair %.3f s after the last session (>= 540 s)",
                      secs(ns3::Simulator::Now() - session2_at)));
  }

  // Every datagram either side sent has a WireGuard size (whitepaper 5.4): initiation 148,
  // response 92, transport data 16-byte header + plaintext padded to 16 + 16-byte tag.
  void CheckWireSizes() {
    bool ok = true;
    std::size_t n = 0;
    for (const Side& s : side) {
      for (const WireMessage& m : s.tx) {
        ++n;
        switch (m.type) {
          case wg::kMessageHandshakeInitiation:
            ok = ok && m.size == wg::kHandshakeInitiationSize;
            break;
          case wg::kMessageHandshakeResponse:
            ok = ok && m.size == wg::kHandshakeResponseSize;
            break;
          case wg::kMessageTransportData:
            ok = ok && m.size >= wg::kTransportMinSize &&
                 (m.size - wg::kTransportMinSize) % wg::kPaddingMultiple == 0;
            break;
          default:
            ok = false;
        }
      }
    }
    checks.Expect(ok && n > 0, fmt("all %.0f datagrams sent have WireGuard message sizes", n));
    std::printf("  datagrams sent: A %zu, B %zu; timer events: A %llu, B %llu\n", side[0].tx.size(),
                side[1].tx.size(), static_cast<unsigned long long>(net.app[0]->GetTimerFirings()),
                static_cast<unsigned long long>(net.app[1]->GetTimerFirings()));
  }

  // Key zeroing is internal to the core; what is observable is that its last timer (zeroing,
  // 3 x RejectAfterTime after the last session or failed attempt) ran and nothing is left.
  void CheckZeroing() {
    Side& a = side[0];
    const ns3::Time last = net.app[0]->GetLastTimerFiring();
    std::printf("  A's last timer event at %.6f s\n", secs(last));
    checks.Expect(last >= session2_at + to_time(wg::kZeroKeyMaterialAfter),
                  "A's timers ran at least until 540 s after the last session (key zeroing)");
    checks.Expect(!a.core->GetDevice().next_deadline().has_value(),
                  "A's core is idle at the end: no timer left armed");
    for (int i = 0; i < 2; ++i) {
      checks.Expect(net.app[i]->GetStuckDeadlines() == 0 && net.app[i]->GetUnsendable() == 0,
                    std::string(i == 0 ? "A" : "B") +
                        ": no deadline in the past after "
                        "update_timers, no unsendable endpoint");
    }
  }
};

}  // namespace

/// Usage: sim_wg_two_nodes [seed]   (default seed 1; prints a digest of the wire traffic)
int main(int argc, char** argv) {
  const uint64_t seed = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1;
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  Harness h;
  h.Configure(seed);
  const UdpFlow ab{make_ipv4(100, 64, 0, 1), make_ipv4(100, 64, 0, 2), 40000, 7};
  const UdpFlow ba{ab.destination, ab.source, 7, 40000};
  const TrafficPattern pattern_ab(ab, kMaxPayload);
  const TrafficPattern pattern_ba(ba, kMaxPayload);
  h.side[0].sink = std::make_unique<TrafficSink>(pattern_ba);
  h.side[1].sink = std::make_unique<TrafficSink>(pattern_ab);
  ns3::Ptr<UdpCoreApp> a = h.net.app[0];
  ns3::Ptr<UdpCoreApp> b = h.net.app[1];

  for (uint32_t s = 0; s < kBurst; ++s) {
    ns3::Simulator::Schedule(ns3::Seconds(1) + ns3::MilliSeconds(s), &Inject, a, &pattern_ab, s);
    ns3::Simulator::Schedule(ns3::Seconds(1.5) + ns3::MilliSeconds(s), &Inject, b, &pattern_ba, s);
  }
  ns3::Simulator::Schedule(ns3::Seconds(4), [&h] { h.CheckHandshakeAndBurst(); });
  ns3::Simulator::Schedule(ns3::Seconds(4.5), [&h] { h.SendJunk(); });
  ns3::Simulator::Schedule(ns3::Seconds(4.9), [&h] { h.CheckJunkDropped(); });
  for (uint32_t k = 0; k < kSteady; ++k) {
    ns3::Simulator::Schedule(ns3::Seconds(5 + k), &Inject, a, &pattern_ab, kBurst + k);
    ns3::Simulator::Schedule(ns3::Seconds(5.5 + k), &Inject, b, &pattern_ba, kBurst + k);
  }
  ns3::Simulator::Schedule(ns3::Seconds(200.1), [&h] { h.CheckRekey(); });
  b->SetStopTime(kStopB);
  for (uint32_t k = 0; k < kSilentSends; ++k) {
    ns3::Simulator::Schedule(ns3::Seconds(201 + k), &Inject, a, &pattern_ab, kBurst + kSteady + k);
  }
  ns3::Simulator::Schedule(ns3::Seconds(201 + kSilentSends + 1),
                           [&h] { h.CheckRejectAfterSilence(); });
  ns3::Simulator::Stop(kEnd);
  ns3::Simulator::Run();
  h.CheckZeroing();
  h.CheckWireSizes();
  h.checks.Expect(h.side[1].sink->HasExactly(kBurst + kSteady),
                  "B's tunnel got nothing after it stopped");
  std::printf("wire digest %016llx\n", static_cast<unsigned long long>(g_wire_digest));
  ns3::Simulator::Destroy();
  return h.checks.Finish();
}
