// The outage promise (issue 9, "Proof by the second driver"): the unchanged coordinator and three
// unchanged node engines over simulated links, TCP control streams and UDP WireGuard. a reaches b
// and never learns c; the server's link goes down for 10 minutes and a<->b keeps flowing; a is
// restarted from its cache during the outage; a policy change made during the outage arrives
// only after the link returns, within 2 s of it.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "control-link.h"
#include "coord/registry.h"
#include "coordinator-app.h"
#include "core-conversions.h"
#include "engine-core.h"
#include "ipv4-packet.h"
#include "ns3/simulator.h"
#include "run-digest.h"
#include "scenario.h"
#include "support/test_keys.h"
#include "topology.h"

using namespace weft;
using namespace weft::sim;

namespace {

constexpr uint32_t kServer = 0, kA = 1, kB = 2, kC = 3, kRouter = 4;
constexpr uint16_t kControlPort = 443;
constexpr uint16_t kWgPort = 41641;
constexpr uint16_t kEchoPort = 7;
constexpr uint16_t kAbPort = 40000, kCbPort = 40001, kAcPort = 40002;

const ns3::Time kTrafficStart = ns3::Seconds(5);
const ns3::Time kPacketInterval = ns3::MilliSeconds(100);
const ns3::Time kDown = ns3::Seconds(60);             // the server's link goes down ...
const ns3::Time kUp = kDown + ns3::Minutes(10);      // ... for 10 minutes
const ns3::Time kPolicyChange = kDown + ns3::Minutes(2);
const ns3::Time kCrash = kDown + ns3::Minutes(5);    // a's process dies ...
const ns3::Time kRestart = kCrash + ns3::Seconds(5);  // ... and starts again from its cache
const ns3::Time kEnd = kUp + ns3::Minutes(1);
const ns3::Time kPromise = ns3::Seconds(2);  // the change reaches every node this soon

const char* const kLinkUp = "the server's link is back";
const char* const kRestarted = "a restarted from its cache";

const char* const kPolicy = R"({
  "tagOwners": {"tag:a": ["alice@example.com"], "tag:b": ["alice@example.com"],
                "tag:c": ["alice@example.com"]},
  "acls": [
    {"action": "accept", "src": ["tag:a"], "dst": ["tag:b:*"]},
    {"action": "accept", "src": ["tag:b"], "dst": ["tag:c:*"]}
  ]
})";

const char* const kPolicyWithAToC = R"({
  "tagOwners": {"tag:a": ["alice@example.com"], "tag:b": ["alice@example.com"],
                "tag:c": ["alice@example.com"]},
  "acls": [
    {"action": "accept", "src": ["tag:a"], "dst": ["tag:b:*", "tag:c:*"]},
    {"action": "accept", "src": ["tag:b"], "dst": ["tag:c:*"]}
  ]
})";

/// Packets of one flow: when each was sent, and which came back (or arrived).
struct FlowLog {
  std::map<uint32_t, ns3::Time> sent;
  std::map<uint32_t, ns3::Time> answered;
  /// Sent in [from, to) and answered.
  std::pair<uint32_t, uint32_t> Count(ns3::Time from, ns3::Time to) const {
    uint32_t s = 0, a = 0;
    for (const auto& [seq, at] : sent) {
      if (at < from || at >= to) continue;
      ++s;
      a += answered.count(seq) != 0;
    }
    return {s, a};
  }
};

struct TailnetNode {
  std::string name;
  uint32_t index = 0;
  CoreSlotOf<EngineCore>* slot = nullptr;
  std::unique_ptr<ControlLink> link;
  bool up = true;
  std::optional<ns3::Time> new_policy_at;  ///< first netmap with the changed policy
  uint64_t netmaps = 0;
  uint64_t from_cache = 0;

  engine::Engine& Engine() const { return slot->GetCore().Engine(); }
  bool HasPeer(const TailnetNode& other) const {
    const controlclient::NetMap* map = Engine().netmap();
    if (map == nullptr) return false;
    const core::NodePublicKey key = other.Engine().node_public_key();
    for (const auto& entry : map->peers) {
      if (entry.second.node_key == key) return true;
    }
    return false;
  }
  uint64_t PolicyVersion() const {
    const controlclient::NetMap* map = Engine().netmap();
    return map == nullptr ? 0 : map->policy_version;
  }
  std::optional<Ipv4> V4() const {
    const controlclient::NetMap* map = Engine().netmap();
    if (map == nullptr || map->self.addresses.empty()) return std::nullopt;
    const auto& b = map->self.addresses.front().bytes();
    return make_ipv4(b[0], b[1], b[2], b[3]);
  }
};

std::string ms_text(ns3::Time t) { return std::to_string(t.GetMilliSeconds()) + " ms"; }

std::string ratio_text(std::pair<uint32_t, uint32_t> sent_answered) {
  const uint32_t lost = sent_answered.first - sent_answered.second;
  char buf[96];
  std::snprintf(buf, sizeof buf, "%u sent, %u lost (%.2f%%)", sent_answered.first, lost,
                sent_answered.first == 0 ? 0.0 : 100.0 * lost / sent_answered.first);
  return buf;
}

TopologySpec star_topology() {
  TopologySpec spec;
  spec.nodes = 5;
  for (uint32_t n : {kServer, kA, kB, kC}) spec.links.push_back(LinkSpec{n, kRouter, "100Mbps", "5ms"});
  spec.outages.push_back(OutageSpec{0, kDown, kUp});  // link 0: the server's
  return spec;
}

class TailnetOutage {
 public:
  explicit TailnetOutage(uint64_t seed);
  int Run();

 private:
  void AddNode(TailnetNode& n, uint32_t index, const std::string& name, const std::string& key);
  void OnEvent(TailnetNode* n, const engine::Event& e);
  void OnDeliver(TailnetNode* n, ns3::Ptr<const ns3::Packet> packet);
  /// Hands an IP packet from `from`'s TUN to its engine; false if it cannot address it yet.
  bool SendUdp(TailnetNode& from, const TailnetNode& to, uint16_t src_port, uint32_t seq);
  void SendAb(uint32_t seq);
  void SendCb(uint32_t seq);
  void SendAc(uint32_t seq);
  void Sample();
  void Crash();
  void Restart();
  void ChangePolicy();
  std::vector<Expectation> Expectations();

  uint64_t m_seed;
  Scenario m_scenario{"sim/tailnet_outage"};
  Network m_net = build_network(star_topology());
  ns3::Ptr<CoordinatorApp> m_server;
  TailnetNode m_a, m_b, m_c;
  FlowLog m_ab;  // a -> b, answered by b's echo reaching a
  FlowLog m_cb;  // c -> b, "answered" when b delivers it (it must not)
  FlowLog m_ac;  // a -> c, "answered" when c delivers it
  uint64_t m_bFilterDeniedAtDown = 0;
  uint64_t m_bFilterDeniedAtUp = 0;
  uint64_t m_aSawC = 0;  // samples or netmaps in which a held c before the link returned
  bool m_policyValid = false;
  uint64_t m_policyVersion = 0;
  RunDigest m_digest;
};

TailnetOutage::TailnetOutage(uint64_t seed) : m_seed(seed) {
  core::SeededRandom keys(1000 * seed + 1);
  const auto server_key = weft::test::random_private<core::MachinePrivateKey>(keys);
  coord::CoordinatorConfig config;
  config.server_key = server_key;
  keys.fill(config.auth_key_secret.data(), config.auth_key_secret.size());
  config.initial_policy = kPolicy;
  m_server = CoordinatorApp::Install(m_net.nodes.Get(kServer), config, kControlPort,
                                     1000 * seed + 2);
  const auto server_public = weft::test::public_of<core::MachinePublicKey>(server_key);
  TailnetNode* nodes[] = {&m_a, &m_b, &m_c};
  const char* names[] = {"a", "b", "c"};
  for (uint32_t i = 0; i < 3; ++i) {
    const engine::EngineConfig ec = NodeConfig(
        keys, server_public,
        m_server->TaggedAuthKey("alice@example.com", std::string("tag:") + names[i]), names[i]);
    auto core = EngineCore::Create(ec, 1000 * seed + 10 + i);
    NS_ABORT_MSG_IF(!core, "engine: " << core.error().detail);
    TailnetNode& n = *nodes[i];
    n.name = names[i];
    n.index = kA + i;
    n.slot = m_net.hosts[n.index]->AddCore(kWgPort, std::move(core).value());
    AddNode(n, n.index, names[i], ec.client.auth_key);
  }
}

void TailnetOutage::AddNode(TailnetNode& n, uint32_t index, const std::string&, const std::string&) {
  Status s = n.Engine().set_endpoints({m_net.PathOf(index, kWgPort).udp},
                                      to_core_now(ns3::Simulator::Now(), default_wall_epoch()));
  NS_ABORT_MSG_IF(!s, "endpoints: " << s.error().detail);
  const ns3::InetSocketAddress server(m_net.address[kServer], kControlPort);
  n.link = std::make_unique<ControlLink>(n.slot, m_net.nodes.Get(index), server,
                                         default_wall_epoch(),
                                         [this, p = &n](const engine::Event& e) { OnEvent(p, e); });
  n.slot->TraceAfterCall(ns3::Callback<void>([l = n.link.get()] { l->Poll(); }));
  n.slot->TraceDeliver(CoreSlot::DeliverCallback(
      [this, p = &n](ns3::Ptr<const ns3::Packet> packet) { OnDeliver(p, packet); }));
  n.slot->TraceDatagramTx(CoreSlot::DatagramCallback(
      [this](ns3::Ptr<const ns3::Packet> packet, const ns3::Address&) {
        m_digest.AddPacket(packet);
      }));
}

void TailnetOutage::OnEvent(TailnetNode* n, const engine::Event& e) {
  m_digest.AddTime();
  m_digest.Add(&e.kind, sizeof e.kind);
  if (e.kind != engine::EventKind::kNetmapApplied) return;
  ++n->netmaps;
  n->from_cache += e.from_cache;
  if (n->PolicyVersion() > 1 && !n->new_policy_at) {
    n->new_policy_at = ns3::Simulator::Now();
    std::printf("%s: policy version %llu at %s s\n", n->name.c_str(),
                static_cast<unsigned long long>(n->PolicyVersion()),
                seconds_text(ns3::Simulator::Now()).c_str());
    if (m_a.new_policy_at && m_b.new_policy_at && m_c.new_policy_at) {
      m_scenario.Mark("the change reached every node");
    }
  }
  if (n == &m_a && !m_scenario.MarkTime(kLinkUp) && m_a.HasPeer(m_c)) ++m_aSawC;
}

void TailnetOutage::OnDeliver(TailnetNode* n, ns3::Ptr<const ns3::Packet> packet) {
  std::vector<uint8_t> bytes(packet->GetSize());
  packet->CopyData(bytes.data(), static_cast<uint32_t>(bytes.size()));
  const std::optional<ParsedUdp> udp = parse_ipv4_udp(bytes.data(), bytes.size());
  if (!udp || udp->payload.size() < 4) return;
  const uint32_t seq = static_cast<uint32_t>(udp->payload[0]) << 24 |
                       static_cast<uint32_t>(udp->payload[1]) << 16 |
                       static_cast<uint32_t>(udp->payload[2]) << 8 | udp->payload[3];
  const uint16_t src = udp->flow.source_port, dst = udp->flow.destination_port;
  if (n == &m_b && src == kAbPort && dst == kEchoPort) {
    // b answers a's packet: the reply passes a's filter as part of the flow a opened.
    UdpFlow back{udp->flow.destination, udp->flow.source, kEchoPort, kAbPort};
    const std::vector<uint8_t> reply = build_ipv4_udp(back, static_cast<uint16_t>(seq), udp->payload);
    m_b.slot->Input([&](core::Now now, core::MutableBytes out) {
      return m_b.Engine().send_packet(now, core::ByteView{reply.data(), reply.size()}, out);
    });
  } else if (n == &m_a && src == kEchoPort && dst == kAbPort) {
    m_ab.answered.emplace(seq, ns3::Simulator::Now());
  } else if (n == &m_b && src == kCbPort) {
    m_cb.answered.emplace(seq, ns3::Simulator::Now());
  } else if (n == &m_c && src == kAcPort) {
    m_ac.answered.emplace(seq, ns3::Simulator::Now());
  }
}

bool TailnetOutage::SendUdp(TailnetNode& from, const TailnetNode& to, uint16_t src_port,
                            uint32_t seq) {
  const std::optional<Ipv4> source = from.V4();
  const std::optional<Ipv4> destination = to.V4();
  if (!from.up || !source || !destination) return false;
  const std::vector<uint8_t> payload = {static_cast<uint8_t>(seq >> 24),
                                        static_cast<uint8_t>(seq >> 16),
                                        static_cast<uint8_t>(seq >> 8), static_cast<uint8_t>(seq),
                                        0x77, 0x65, 0x66, 0x74};
  const std::vector<uint8_t> packet =
      build_ipv4_udp(UdpFlow{*source, *destination, src_port, kEchoPort},
                     static_cast<uint16_t>(seq), payload);
  from.slot->Input([&](core::Now now, core::MutableBytes out) {
    return from.Engine().send_packet(now, core::ByteView{packet.data(), packet.size()}, out);
  });
  return true;
}

void TailnetOutage::SendAb(uint32_t seq) {
  if (SendUdp(m_a, m_b, kAbPort, seq)) m_ab.sent.emplace(seq, ns3::Simulator::Now());
}
void TailnetOutage::SendCb(uint32_t seq) {
  if (SendUdp(m_c, m_b, kCbPort, seq)) m_cb.sent.emplace(seq, ns3::Simulator::Now());
}
void TailnetOutage::SendAc(uint32_t seq) {
  if (SendUdp(m_a, m_c, kAcPort, seq)) m_ac.sent.emplace(seq, ns3::Simulator::Now());
}

// Between netmaps too: a holds c only if the netmap in use says so.
void TailnetOutage::Sample() {
  if (m_a.up && m_a.HasPeer(m_c)) ++m_aSawC;
}

void TailnetOutage::Crash() {
  // The process dies: no sockets, no timers, no goodbye to the server; its disk stays.
  m_a.up = false;
  m_a.slot->Stop();
  m_a.link->Crash();
}

void TailnetOutage::Restart() {
  EngineCore& core = m_a.slot->GetCore();
  Status s = core.Restart(1000 * m_seed + 20);
  NS_ABORT_MSG_IF(!s, "restart: " << s.error().detail);
  const std::vector<uint8_t>& disk = m_a.link->CachedBytes();
  Status loaded = core.Engine().load_cache(core::ByteView{disk.data(), disk.size()},
                                           to_core_now(ns3::Simulator::Now(), default_wall_epoch()));
  NS_ABORT_MSG_IF(!loaded, "load_cache: " << loaded.error().code);
  Status endpoints = core.Engine().set_endpoints(
      {m_net.PathOf(kA, kWgPort).udp}, to_core_now(ns3::Simulator::Now(), default_wall_epoch()));
  NS_ABORT_MSG_IF(!endpoints, "endpoints");
  m_a.up = true;
  m_a.slot->Start(m_net.nodes.Get(kA), default_wall_epoch());
  m_scenario.Mark(kRestarted);
}

void TailnetOutage::ChangePolicy() {
  const coord::PolicyOutcome outcome = m_server->Operate(
      [](coord::Coordinator& c, core::Now now, core::Random&) {
        return c.set_policy(kPolicyWithAToC, now);
      });
  m_policyValid = outcome.valid;
  m_policyVersion = outcome.version;
}

std::vector<Expectation> TailnetOutage::Expectations() {
  const ns3::Time before_down = kDown - ns3::Seconds(1);
  return {
      {At(before_down), "a reaches b through the tunnel (UDP to b's port 7, b's echo back)",
       [this, before_down] {
         const auto c = m_ab.Count(kTrafficStart, before_down - ns3::Seconds(1));
         return Verdict(c.first > 500 && c.second + 5 >= c.first && m_a.HasPeer(m_b),
                        ratio_text(c));
       }},
      {At(before_down), "peers follow the policy: a-b, b-c, never a-c",
       [this] {
         return m_a.HasPeer(m_b) && m_b.HasPeer(m_a) && m_b.HasPeer(m_c) && m_c.HasPeer(m_b) &&
                !m_a.HasPeer(m_c) && !m_c.HasPeer(m_a);
       }},
      {At(before_down), "c -> b is denied by b's packet filter",
       [this] {
         m_bFilterDeniedAtDown = m_b.Engine().stats().filter_denied;
         const auto c = m_cb.Count(ns3::Seconds(0), kDown);
         return Verdict(c.first > 0 && c.second == 0 && m_bFilterDeniedAtDown >= c.first,
                        std::to_string(c.first) + " sent, " +
                            std::to_string(m_bFilterDeniedAtDown) + " denied by b");
       }},
      {At(kPolicyChange + ns3::Seconds(1)), "the operator changes the policy on the cut-off server",
       [this] {
         return Verdict(m_policyValid && m_policyVersion == 2,
                        "version " + std::to_string(m_policyVersion));
       }},
      {At(kUp - ns3::Seconds(1)), "a <-> b kept flowing through the 10-minute outage",
       [this] {
         // a is down from the crash until its restart: nothing is sent then.
         const auto before = m_ab.Count(kDown, kCrash - ns3::Seconds(1));
         const auto after = m_ab.Count(kRestart, kUp - ns3::Seconds(2));
         const std::pair<uint32_t, uint32_t> total{before.first + after.first,
                                                   before.second + after.second};
         const uint32_t lost = total.first - total.second;
         return Verdict(total.first > 5000 && lost * 100 <= total.first,
                        ratio_text(total) + "; at most 1% allowed");
       }},
      {At(kUp - ns3::Seconds(1)), "b's cached filter still denies c during the outage",
       [this] {
         const uint64_t denied = m_b.Engine().stats().filter_denied;
         const auto c = m_cb.Count(kDown, kUp);
         return Verdict(c.second == 0 && denied >= m_bFilterDeniedAtDown + c.first,
                        std::to_string(c.first) + " sent, " +
                            std::to_string(denied - m_bFilterDeniedAtDown) + " denied");
       }},
      {At(kUp - ns3::Seconds(1)),
       "no node has the change before the link returns; a and c still apart",
       [this] {
         const auto ac = m_ac.Count(ns3::Seconds(0), kUp);
         return Verdict(m_a.PolicyVersion() == 1 && m_b.PolicyVersion() == 1 &&
                            m_c.PolicyVersion() == 1 && !m_a.HasPeer(m_c) && !m_c.HasPeer(m_a) &&
                            ac.second == 0 && !m_a.link->IsConnected(),
                        "a->c: " + std::to_string(ac.first) + " sent, " +
                            std::to_string(ac.second) + " delivered");
       }},
      {At(kUp - ns3::Seconds(1)), "a was offline, not streaming, and kept its node key",
       [this] {
         const engine::EngineStatus s = m_a.Engine().status(
             to_core_now(ns3::Simulator::Now(), default_wall_epoch()));
         return s.offline_since.has_value() &&
                s.control_state != controlclient::ClientState::kStreaming &&
                m_a.Engine().stats().key_rotations == 0;
       }},
      {After(kRestarted, ns3::Seconds(5)),
       "the restarted a runs from its cache: b and not c, and reaches b again",
       [this] {
         const engine::EngineStatus s = m_a.Engine().status(
             to_core_now(ns3::Simulator::Now(), default_wall_epoch()));
         const auto c = m_ab.Count(kRestart, kRestart + ns3::Seconds(4));
         return Verdict(s.from_cache && s.offline_since.has_value() && m_a.from_cache == 1 &&
                            m_a.HasPeer(m_b) && !m_a.HasPeer(m_c) && c.second > 0 &&
                            c.second + 1 >= c.first,
                        ratio_text(c) + " in its first 4 s");
       }},
      {After(kLinkUp, kPromise), "the policy change reached every node within 2 s of the link",
       [this] {
         std::string detail;
         bool ok = true;
         for (const TailnetNode* n : {&m_a, &m_b, &m_c}) {
           if (!n->new_policy_at) {
             ok = false;
             detail += n->name + ": not yet; ";
             continue;
           }
           const ns3::Time took = *n->new_policy_at - kUp;
           ok = ok && !took.IsNegative() && took <= kPromise;
           detail += n->name + " " + ms_text(took) + "; ";
         }
         ok = ok && m_a.HasPeer(m_c) && m_c.HasPeer(m_a);
         return Verdict(ok, detail + "after the link returned");
       }},
      {AtEnd(), "a's netmap never held c before the link returned",
       [this] { return Verdict(m_aSawC == 0, std::to_string(m_aSawC) + " samples with c"); }},
      {AtEnd(), "a -> c works under the new policy", [this] {
         const auto c = m_ac.Count(kUp + kPromise, kEnd);
         return Verdict(c.first > 0 && c.second == c.first,
                        std::to_string(c.second) + " of " + std::to_string(c.first) +
                            " delivered");
       }},
      {AtEnd(), "a <-> b after the outage", [this] {
         const auto c = m_ab.Count(kUp, kEnd - ns3::Seconds(1));
         return Verdict(c.first > 0 && c.second + 2 >= c.first, ratio_text(c));
       }},
      {AtEnd(), "every core slot healthy (no stale timers, no past deadlines)", [this] {
         return m_a.slot->IsHealthy() && m_b.slot->IsHealthy() && m_c.slot->IsHealthy();
       }},
  };
}

int TailnetOutage::Run() {
  const uint32_t packets = static_cast<uint32_t>((kEnd - kTrafficStart).GetMilliSeconds() /
                                                 kPacketInterval.GetMilliSeconds());
  for (uint32_t i = 0; i < packets; ++i) {
    ns3::Simulator::Schedule(kTrafficStart + kPacketInterval * static_cast<int64_t>(i),
                             &TailnetOutage::SendAb, this, i);
  }
  for (uint32_t i = 0; i * 10 < static_cast<uint32_t>(kEnd.GetSeconds()); ++i) {
    ns3::Simulator::Schedule(ns3::Seconds(3 + 10 * i), &TailnetOutage::SendCb, this, i);
    ns3::Simulator::Schedule(ns3::Seconds(4 + 10 * i), &TailnetOutage::SendAc, this, i);
  }
  for (int64_t s = 1; s < kUp.GetSeconds(); ++s) {
    ns3::Simulator::Schedule(ns3::Seconds(s), &TailnetOutage::Sample, this);
  }
  ns3::Simulator::Schedule(kPolicyChange, &TailnetOutage::ChangePolicy, this);
  ns3::Simulator::Schedule(kCrash, &TailnetOutage::Crash, this);
  ns3::Simulator::Schedule(kRestart, &TailnetOutage::Restart, this);
  ns3::Simulator::Schedule(kUp, [this] { m_scenario.Mark(kLinkUp); });
  m_scenario.Expect(Expectations());
  m_scenario.Run(kEnd);
  for (const TailnetNode* n : {&m_a, &m_b, &m_c}) {
    const ControlLinkStats& s = n->link->Stats();
    const controlclient::ClientCounters& cc = n->Engine().client().counters();
    std::printf("%s: %llu dials, %llu failed, %llu connected; client retries: %llu unreachable, "
                "%llu refused; %llu dead streams\n",
                n->name.c_str(), static_cast<unsigned long long>(s.dials),
                static_cast<unsigned long long>(s.dial_failures),
                static_cast<unsigned long long>(s.connections),
                static_cast<unsigned long long>(cc.retries_unreachable),
                static_cast<unsigned long long>(cc.retries_refused),
                static_cast<unsigned long long>(cc.dead_connections));
  }
  std::printf("server: %llu connections accepted\n",
              static_cast<unsigned long long>(m_server->Accepted()));
  std::printf("wire digest %016llx\n", static_cast<unsigned long long>(m_digest.value));
  // Streams close while the simulator still exists (their sockets and timers are ns-3's).
  for (TailnetNode* n : {&m_a, &m_b, &m_c}) n->link.reset();
  return m_scenario.Finish();
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t seed = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1;
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  TailnetOutage scenario(seed);
  return scenario.Run();
}
