// Issue 10's relay promise on ns-3: the unchanged relay server core and two unchanged node engines
// a and b that can reach each other only through it (UDP between them is lost on b's link). The
// coordinator's relay map names the relay's region; both nodes make it their home, a <-> b traffic
// flows through the relay, the relay's link goes down for a minute and the engines redial (their
// backoff) until traffic resumes.
#include <array>
#include <cstdio>
#include <cstdlib>
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
#include "relay-driver.h"
#include "relay-server-app.h"
#include "run-digest.h"
#include "scenario.h"
#include "stun-core.h"
#include "support/test_keys.h"
#include "topology.h"
#include "tunnel-traffic.h"
#include "udp-block.h"

using namespace weft;
using namespace weft::sim;

namespace {

constexpr uint32_t kServer = 0, kRelay = 1, kA = 2, kB = 3, kRouter = 4;
constexpr uint32_t kRelayLink = 1, kBLink = 3;  // links in star_topology() order
constexpr uint16_t kControlPort = 443;
constexpr uint16_t kRelayPort = 80;
constexpr uint16_t kStunPort = 3478;
constexpr uint16_t kWgPort = 41641;
constexpr uint16_t kRegion = 7;
const char* const kRegionCode = "sim";
constexpr uint16_t kAbPort = 40000, kBaPort = 40001, kSinkPort = 7;
constexpr std::size_t kMaxPayload = 1200;

const ns3::Time kTrafficStart = ns3::Seconds(5);
const ns3::Time kPacketInterval = ns3::MilliSeconds(100);
/// b's packets go half a period after a's. Two flows in lockstep make both nodes start their
/// WireGuard handshakes at the same instant, every RekeyTimeout: each consumes the other's
/// initiation, which replaces its own, so neither response finds its handshake (kNoSession)
/// and the pair can stay without a session for many rounds. Real traffic is not phase-locked.
const ns3::Time kFlowOffset = ns3::MilliSeconds(50);
const ns3::Time kRelayDown = ns3::Seconds(60);  // the relay's link goes down ...
const ns3::Time kRelayUp = ns3::Seconds(120);   // ... for a minute
const ns3::Time kEnd = ns3::Seconds(200);
/// The engines notice a silent relay when a ping stays unanswered 10 s (the netcheck's relay
/// probe once STUN fails, or the client's own after 25 s of silence), then redial with a
/// doubling backoff (at most 30 s) and a 3 s connect timeout: traffic is back within this long
/// of the link's return.
const ns3::Time kResumeWithin = ns3::Seconds(45);

const char* const kRelayBack = "the relay's link is back";

const char* const kPolicy = R"({
  "tagOwners": {"tag:a": ["alice@example.com"], "tag:b": ["alice@example.com"]},
  "acls": [
    {"action": "accept", "src": ["tag:a"], "dst": ["tag:b:*"]},
    {"action": "accept", "src": ["tag:b"], "dst": ["tag:a:*"]}
  ]
})";

/// One direction of tunnel traffic: packet `seq` is TrafficPattern::Make(seq), sent at sent[seq];
/// each delivery is checked byte for byte.
struct Flow {
  std::optional<TrafficPattern> pattern;  ///< once both tunnel addresses are known
  std::vector<ns3::Time> sent;
  std::vector<std::optional<ns3::Time>> delivered;
  uint32_t bad = 0;
  uint32_t duplicates = 0;
  std::optional<ns3::Time> first_after_up;  ///< first delivery of a packet sent after kRelayUp

  /// Packets sent in [from, to) and how many of them were delivered.
  std::pair<uint32_t, uint32_t> Count(ns3::Time from, ns3::Time to) const {
    uint32_t s = 0, d = 0;
    for (std::size_t seq = 0; seq < sent.size(); ++seq) {
      if (sent[seq] < from || sent[seq] >= to) continue;
      ++s;
      d += delivered[seq].has_value();
    }
    return {s, d};
  }
};

std::string count_text(std::pair<uint32_t, uint32_t> c) {
  return std::to_string(c.second) + " of " + std::to_string(c.first) + " delivered";
}

struct PathNode {
  std::string name;
  uint32_t index = 0;
  CoreSlotOf<EngineCore>* slot = nullptr;
  std::unique_ptr<ControlLink> control;
  std::unique_ptr<RelayDriver> relay;
  uint64_t registrations = 0;

  engine::Engine& Engine() const { return slot->GetCore().Engine(); }
  engine::EngineStatus Status() const {
    return Engine().status(to_core_now(ns3::Simulator::Now(), default_wall_epoch()));
  }
  /// `other` as this node's engine shows it; nullopt while it is not a peer.
  std::optional<engine::PeerStatus> PeerOf(const PathNode& other) const {
    const core::NodePublicKey key = other.Engine().node_public_key();
    for (const engine::PeerStatus& p : Status().peers) {
      if (p.node_key == key) return p;
    }
    return std::nullopt;
  }
  std::optional<Ipv4> TunnelAddress() const {
    const controlclient::NetMap* map = Engine().netmap();
    if (map == nullptr || map->self.addresses.empty() || !map->self.addresses[0].is_v4()) {
      return std::nullopt;
    }
    const auto& b = map->self.addresses[0].bytes();
    return make_ipv4(b[0], b[1], b[2], b[3]);
  }
};

TopologySpec star_topology() {
  TopologySpec spec;
  spec.nodes = 5;
  for (uint32_t n : {kServer, kRelay, kA, kB}) {
    spec.links.push_back(LinkSpec{n, kRouter, "100Mbps", "5ms"});
  }
  spec.outages.push_back(OutageSpec{kRelayLink, kRelayDown, kRelayUp});
  return spec;
}

control::RelayRegion relay_region(ns3::Ipv4Address relay) {
  uint8_t b[4];
  relay.Serialize(b);
  control::RelayNode node;
  node.name = "sim1";
  node.ipv4 = util::IpAddress::v4({b[0], b[1], b[2], b[3]});
  node.host = node.ipv4->to_string();
  node.relay_port = kRelayPort;
  node.stun_port = kStunPort;
  control::RelayRegion region;
  region.id = kRegion;
  region.code = kRegionCode;
  region.name = "Simulated";
  region.nodes.push_back(node);
  return region;
}

class RelayPath {
 public:
  explicit RelayPath(uint64_t seed);
  int Run();

 private:
  void AddNode(PathNode& n, uint32_t index, const std::string& name,
               const engine::EngineConfig& config);
  void OnDeliver(PathNode& to, ns3::Ptr<const ns3::Packet> packet);
  void Send(Flow& flow, PathNode& from, const PathNode& to, uint16_t src_port);
  void SendAb();
  void SendBa();
  bool RelayedVia(const PathNode& from, const PathNode& to, std::string* detail) const;
  std::vector<Expectation> Expectations();
  void PrintSummary();

  uint64_t m_seed;
  Scenario m_scenario{"sim/relay_path"};
  Network m_net = build_network(star_topology());
  std::array<ns3::Ptr<UdpBlock>, 2> m_block;
  ns3::Ptr<CoordinatorApp> m_server;
  ns3::Ptr<RelayServerApp> m_relay;
  CoreSlotOf<StunCore>* m_stun = nullptr;
  PathNode m_a, m_b;
  Flow m_ab, m_ba;
  uint64_t m_forwardedAtDown = 0;
  RunDigest m_digest;
};

RelayPath::RelayPath(uint64_t seed) : m_seed(seed) {
  m_block = BlockUdpBetween(m_net, kBLink, m_net.address[kA], m_net.address[kB]);
  core::SeededRandom keys(1000 * seed + 1);

  m_relay = ns3::CreateObject<RelayServerApp>();
  relay::ServerConfig relay_config;
  relay_config.private_key = weft::test::random_private<core::RelayPrivateKey>(keys);
  m_relay->Setup(relay_config, kRelayPort, 1000 * seed + 3, default_wall_epoch());
  m_net.nodes.Get(kRelay)->AddApplication(m_relay);
  m_relay->SetStartTime(ns3::Seconds(0));
  m_stun = m_net.hosts[kRelay]->AddCore(kStunPort, std::make_unique<StunCore>());

  const auto server_key = weft::test::random_private<core::MachinePrivateKey>(keys);
  coord::CoordinatorConfig config;
  config.server_key = server_key;
  keys.fill(config.auth_key_secret.data(), config.auth_key_secret.size());
  config.initial_policy = kPolicy;
  config.relays.push_back(relay_region(m_net.address[kRelay]));
  m_server = ns3::CreateObject<CoordinatorApp>();
  Status setup = m_server->Setup(config, coord::RegistryConfig{}, kControlPort, 1000 * seed + 2,
                                 default_wall_epoch());
  NS_ABORT_MSG_IF(!setup, "coordinator: " << setup.error().detail);
  m_net.nodes.Get(kServer)->AddApplication(m_server);
  m_server->SetStartTime(ns3::Seconds(0));

  const auto server_public = weft::test::public_of<core::MachinePublicKey>(server_key);
  PathNode* nodes[] = {&m_a, &m_b};
  const char* names[] = {"a", "b"};
  for (uint32_t i = 0; i < 2; ++i) {
    const std::string tag = std::string("tag:") + names[i];
    const std::string auth_key =
        m_server->Operate([&](coord::Coordinator& c, core::Now now, core::Random& rng) {
          if (c.registry().find_user("alice@example.com") == nullptr) {
            NS_ABORT_MSG_IF(!c.create_user("alice@example.com", coord::Role::kMember, now),
                            "user");
          }
          coord::AuthKeyRequest r;
          r.reusable = true;
          r.tags = {tag};
          auto k = c.create_auth_key("alice@example.com", r, now, rng);
          NS_ABORT_MSG_IF(!k, "auth key: " << k.error().detail);
          return k->text;
        });
    engine::EngineConfig ec;
    ec.client.machine_key = weft::test::random_private<core::MachinePrivateKey>(keys);
    ec.client.node_key = weft::test::random_private<core::NodePrivateKey>(keys);
    ec.client.server_key = server_public;
    ec.client.auth_key = auth_key;
    ec.client.hostinfo.hostname = names[i];
    ec.client.hostinfo.os = "linux";
    AddNode(*nodes[i], kA + i, names[i], ec);
  }
}

void RelayPath::AddNode(PathNode& n, uint32_t index, const std::string& name,
                        const engine::EngineConfig& config) {
  auto core = EngineCore::Create(config, 1000 * m_seed + 10 + index);
  NS_ABORT_MSG_IF(!core, "engine: " << core.error().detail);
  n.name = name;
  n.index = index;
  n.slot = m_net.hosts[index]->AddCore(kWgPort, std::move(core).value());
  Status s = n.Engine().set_endpoints({m_net.PathOf(index, kWgPort).udp},
                                      to_core_now(ns3::Simulator::Now(), default_wall_epoch()));
  NS_ABORT_MSG_IF(!s, "endpoints: " << s.error().detail);
  const ns3::InetSocketAddress server(m_net.address[kServer], kControlPort);
  n.control = std::make_unique<ControlLink>(
      n.slot, m_net.nodes.Get(index), server, default_wall_epoch(),
      [this, p = &n](const engine::Event& e) {
        m_digest.AddTime();
        m_digest.Add(&e.kind, sizeof e.kind);
        if (e.kind == engine::EventKind::kRegistered) ++p->registrations;
      });
  n.relay = std::make_unique<RelayDriver>(n.slot, m_net.nodes.Get(index));
  n.relay->TraceTransmit([this](uint32_t link, core::ByteView bytes) {
    m_digest.AddTime();
    m_digest.Add(&link, sizeof link);
    m_digest.Add(bytes.data, bytes.size);
  });
  n.slot->TraceAfterCall(ns3::Callback<void>([p = &n] {
    p->control->Poll();
    p->relay->Poll();
  }));
  n.slot->TraceDeliver(CoreSlot::DeliverCallback(
      [this, p = &n](ns3::Ptr<const ns3::Packet> packet) { OnDeliver(*p, packet); }));
  n.slot->TraceDatagramTx(CoreSlot::DatagramCallback(
      [this](ns3::Ptr<const ns3::Packet> packet, const ns3::Address&) {
        std::vector<uint8_t> bytes(packet->GetSize());
        packet->CopyData(bytes.data(), static_cast<uint32_t>(bytes.size()));
        m_digest.AddTime();
        m_digest.Add(bytes.data(), bytes.size());
      }));
}

void RelayPath::Send(Flow& flow, PathNode& from, const PathNode& to, uint16_t src_port) {
  if (!flow.pattern) {
    const std::optional<Ipv4> source = from.TunnelAddress();
    const std::optional<Ipv4> destination = to.TunnelAddress();
    if (!source || !destination) return;  // no netmap yet: nothing to address
    flow.pattern.emplace(UdpFlow{*source, *destination, src_port, kSinkPort}, kMaxPayload);
  }
  const uint32_t seq = static_cast<uint32_t>(flow.sent.size());
  const std::vector<uint8_t> packet = flow.pattern->Make(seq);
  flow.sent.push_back(ns3::Simulator::Now());
  flow.delivered.emplace_back();
  from.slot->Input([&](core::Now now, core::MutableBytes out) {
    return from.Engine().send_packet(now, core::ByteView{packet.data(), packet.size()}, out);
  });
}

void RelayPath::SendAb() { Send(m_ab, m_a, m_b, kAbPort); }
void RelayPath::SendBa() { Send(m_ba, m_b, m_a, kBaPort); }

void RelayPath::OnDeliver(PathNode& to, ns3::Ptr<const ns3::Packet> packet) {
  std::vector<uint8_t> bytes(packet->GetSize());
  packet->CopyData(bytes.data(), static_cast<uint32_t>(bytes.size()));
  m_digest.AddTime();
  m_digest.Add(bytes.data(), bytes.size());
  Flow& flow = &to == &m_b ? m_ab : m_ba;
  const std::optional<ParsedUdp> udp = parse_ipv4_udp(bytes.data(), bytes.size());
  if (!flow.pattern || !udp || udp->payload.size() < 4) {
    ++flow.bad;
    return;
  }
  const uint32_t seq = static_cast<uint32_t>(udp->payload[0]) << 24 |
                       static_cast<uint32_t>(udp->payload[1]) << 16 |
                       static_cast<uint32_t>(udp->payload[2]) << 8 | udp->payload[3];
  if (seq >= flow.sent.size() || flow.pattern->Make(seq) != bytes) {
    ++flow.bad;
    return;
  }
  if (flow.delivered[seq]) {
    ++flow.duplicates;
    return;
  }
  flow.delivered[seq] = ns3::Simulator::Now();
  if (!flow.first_after_up && flow.sent[seq] >= kRelayUp) {
    flow.first_after_up = ns3::Simulator::Now();
  }
}

bool RelayPath::RelayedVia(const PathNode& from, const PathNode& to, std::string* detail) const {
  const std::optional<engine::PeerStatus> p = from.PeerOf(to);
  if (!p) {
    *detail += from.name + " has no peer " + to.name + "; ";
    return false;
  }
  const bool relayed = p->endpoint.is_relay() && p->endpoint.relay.relay == kRegion &&
                       p->relay_code == kRegionCode && p->home_region == kRegion;
  *detail += from.name + " sends to " + to.name + " via " +
             (p->endpoint.is_relay() ? "relay \"" + p->relay_code + "\""
                                     : p->endpoint.udp.to_string()) +
             " (its home " + std::to_string(p->home_region) + "); ";
  return relayed;
}

std::vector<Expectation> RelayPath::Expectations() {
  const ns3::Time before_down = kRelayDown - ns3::Seconds(1);
  return {
      {At(before_down), "a and b registered and hold each other as peers",
       [this] {
         return m_a.registrations == 1 && m_b.registrations == 1 && m_a.PeerOf(m_b) &&
                m_b.PeerOf(m_a);
       }},
      {At(before_down), "each node's home region is the relay's region, its link ready",
       [this] {
         bool ok = true;
         std::string detail;
         for (const PathNode* n : {&m_a, &m_b}) {
           const engine::EngineStatus s = n->Status();
           const bool ready = s.relays.size() == 1 && s.relays[0].region == kRegion &&
                              s.relays[0].home && s.relays[0].ready;
           ok = ok && s.home_region == kRegion && s.home_region_code == kRegionCode && ready;
           detail += n->name + ": home " + std::to_string(s.home_region) + " \"" +
                     s.home_region_code + "\"" + (ready ? " ready" : " not ready") + "; ";
         }
         return Verdict(ok, detail);
       }},
      {At(kTrafficStart), "each node's first netcheck finished within its budget (3 s)",
       [this] {
         return Verdict(m_a.Engine().stats().netchecks == 1 && m_b.Engine().stats().netchecks == 1,
                        "a " + std::to_string(m_a.Engine().stats().netchecks) + ", b " +
                            std::to_string(m_b.Engine().stats().netchecks) + " done");
       }},
      {At(before_down), "the netcheck found UDP and the region by STUN beside the relay",
       [this] {
         bool ok = true;
         std::string detail;
         for (const PathNode* n : {&m_a, &m_b}) {
           const engine::EngineStatus s = n->Status();
           const std::optional<core::Duration> rtt =
               s.netcheck ? s.netcheck->latency_of(kRegion) : std::nullopt;
           ok = ok && s.netcheck && s.netcheck->udp && rtt;
           detail += n->name + ": " +
                     (!s.netcheck ? std::string("no netcheck")
                                  : std::string(s.netcheck->udp ? "UDP" : "no UDP") +
                                        (rtt ? ", " + seconds_text(to_ns3_time(*rtt)) + " s"
                                             : std::string(", region not measured"))) +
                     "; ";
         }
         const uint64_t answers = m_stun->GetCore().Stats().success_responses;
         return Verdict(ok && answers > 0, detail + std::to_string(answers) + " STUN answers");
       }},
      {At(before_down), "no UDP datagram passes between a and b (direct tries lost)",
       [this] {
         const uint64_t dropped = m_block[0]->Dropped() + m_block[1]->Dropped();
         return Verdict(dropped > 0, std::to_string(dropped) + " dropped on b's link");
       }},
      {At(before_down), "each peer's endpoint is a relayed path in the relay's region",
       [this] {
         std::string detail;
         const bool ok = RelayedVia(m_a, m_b, &detail) && RelayedVia(m_b, m_a, &detail);
         return Verdict(ok, detail);
       }},
      {At(before_down), "a -> b and b -> a through the relay: every packet delivered",
       [this, before_down] {
         const auto ab = m_ab.Count(kTrafficStart, before_down - ns3::Seconds(1));
         const auto ba = m_ba.Count(kTrafficStart, before_down - ns3::Seconds(1));
         return Verdict(ab.first > 500 && ab.second == ab.first && ba.first > 500 &&
                            ba.second == ba.first && m_ab.bad + m_ba.bad == 0 &&
                            m_ab.duplicates + m_ba.duplicates == 0,
                        "a->b " + count_text(ab) + ", b->a " + count_text(ba));
       }},
      {At(before_down), "the relay server core forwarded them (2 clients, nothing cut off)",
       [this] {
         const relay::ServerStats& s = m_relay->Core().stats();
         m_forwardedAtDown = s.packets_forwarded;
         const auto ab = m_ab.Count(ns3::Seconds(0), kRelayDown);
         const auto ba = m_ba.Count(ns3::Seconds(0), kRelayDown);
         return Verdict(s.clients == 2 && s.packets_forwarded >= ab.second + ba.second &&
                            m_relay->CutOffs() == 0,
                        std::to_string(s.packets_forwarded) + " packets forwarded, " +
                            std::to_string(s.bytes_forwarded) + " bytes");
       }},
      {At(kRelayUp - ns3::Seconds(1)),
       "while the relay is down nothing gets through, and both engines redial it",
       [this] {
         const auto ab = m_ab.Count(kRelayDown + ns3::Seconds(1), kRelayUp);
         const auto ba = m_ba.Count(kRelayDown + ns3::Seconds(1), kRelayUp);
         const engine::RelayLinkStats sa = m_a.Status().relay_stats;
         const engine::RelayLinkStats sb = m_b.Status().relay_stats;
         return Verdict(ab.first > 0 && ab.second == 0 && ba.first > 0 && ba.second == 0 &&
                            sa.disconnects >= 1 && sb.disconnects >= 1 &&
                            sa.dial_failures >= 1 && sb.dial_failures >= 1,
                        "a->b " + count_text(ab) + ", b->a " + count_text(ba) +
                            "; failed redials: a " + std::to_string(sa.dial_failures) + ", b " +
                            std::to_string(sb.dial_failures));
       }},
      {After(kRelayBack, kResumeWithin),
       "the engines redialed and traffic resumed through the relay within 45 s",
       [this] {
         std::string detail;
         bool ok = RelayedVia(m_a, m_b, &detail) && RelayedVia(m_b, m_a, &detail);
         for (const Flow* f : {&m_ab, &m_ba}) {
           ok = ok && f->first_after_up.has_value();
           detail += (f == &m_ab ? "a->b back after " : "b->a back after ") +
                     (f->first_after_up ? seconds_text(*f->first_after_up - kRelayUp) + " s; "
                                        : std::string("never; "));
         }
         const ns3::Time now = ns3::Simulator::Now();
         const auto ab = m_ab.Count(now - ns3::Seconds(6), now - ns3::Seconds(1));
         const auto ba = m_ba.Count(now - ns3::Seconds(6), now - ns3::Seconds(1));
         ok = ok && ab.first > 0 && ab.second == ab.first && ba.first > 0 && ba.second == ba.first;
         return Verdict(ok, detail + "last 5 s: a->b " + count_text(ab) + ", b->a " +
                                count_text(ba));
       }},
      {AtEnd(), "the redials followed the engine's backoff (waits double, at most 30 s)",
       [this] {
         bool ok = true;
         std::string detail;
         for (const PathNode* n : {&m_a, &m_b}) {
           const std::vector<ns3::Time>& dials = n->relay->DialTimes();
           std::vector<ns3::Time> during;
           for (const ns3::Time& t : dials) {
             if (t >= kRelayDown) during.push_back(t);
           }
           // Each failed dial takes its 3 s timeout; the wait after it is the backoff.
           ns3::Time last_wait = ns3::Seconds(0);
           detail += n->name + " dials at";
           for (std::size_t i = 0; i < during.size(); ++i) {
             detail += " " + seconds_text(during[i], 1);
             if (i == 0) continue;
             const ns3::Time wait = during[i] - during[i - 1] -
                                    ns3::Seconds(RelayDriver::kDialTimeoutSeconds);
             ok = ok && wait >= last_wait && wait <= ns3::Seconds(30);
             last_wait = wait;
           }
           ok = ok && during.size() >= 3;
           detail += "; ";
         }
         return Verdict(ok, detail);
       }},
      {AtEnd(), "a <-> b after the relay returned: every packet delivered", [this] {
         const ns3::Time from = kRelayUp + kResumeWithin;
         const auto ab = m_ab.Count(from, kEnd - ns3::Seconds(1));
         const auto ba = m_ba.Count(from, kEnd - ns3::Seconds(1));
         const relay::ServerStats& s = m_relay->Core().stats();
         return Verdict(ab.first > 0 && ab.second == ab.first && ba.first > 0 &&
                            ba.second == ba.first && s.packets_forwarded > m_forwardedAtDown &&
                            s.clients == 2 && m_ab.bad + m_ba.bad == 0,
                        "a->b " + count_text(ab) + ", b->a " + count_text(ba) + "; " +
                            std::to_string(s.packets_forwarded - m_forwardedAtDown) +
                            " packets forwarded since the outage");
       }},
      {AtEnd(), "every core slot healthy (no stale timers, no past deadlines)", [this] {
         std::string detail;
         for (const CoreSlot* slot : {static_cast<const CoreSlot*>(m_a.slot),
                                      static_cast<const CoreSlot*>(m_b.slot),
                                      static_cast<const CoreSlot*>(m_stun)}) {
           detail += std::to_string(slot->GetEarlyWakeups()) + "/" +
                     std::to_string(slot->GetStuckDeadlines()) + "/" +
                     std::to_string(slot->GetUnsendable()) + " ";
         }
         return Verdict(m_a.slot->IsHealthy() && m_b.slot->IsHealthy() && m_stun->IsHealthy(),
                        detail + "(early/stuck/unsendable for a, b, stun)");
       }},
  };
}

void RelayPath::PrintSummary() {
  for (const PathNode* n : {&m_a, &m_b}) {
    const RelayDriverStats& d = n->relay->Stats();
    const engine::EngineStatus s = n->Status();
    std::printf("%s: relay driver %llu dials, %llu failed, %llu connected, %llu disconnects, "
                "%llu closes, %llu datagrams in; engine: %llu packets to the relay, %llu from "
                "it, %llu send drops, %llu discovery pings sent\n",
                n->name.c_str(), static_cast<unsigned long long>(d.dials),
                static_cast<unsigned long long>(d.dial_failures),
                static_cast<unsigned long long>(d.connections),
                static_cast<unsigned long long>(d.disconnects),
                static_cast<unsigned long long>(d.closes),
                static_cast<unsigned long long>(d.datagrams_in),
                static_cast<unsigned long long>(s.relay_stats.packets_sent),
                static_cast<unsigned long long>(s.relay_stats.packets_received),
                static_cast<unsigned long long>(s.relay_stats.send_dropped),
                static_cast<unsigned long long>(s.disco.pings_sent));
  }
  const relay::ServerStats& r = m_relay->Core().stats();
  std::printf("relay: %llu connections accepted, %llu registrations, %llu packets forwarded, "
              "%llu cut off (replaced: %llu), %llu not here\n",
              static_cast<unsigned long long>(m_relay->Accepted()),
              static_cast<unsigned long long>(r.registered),
              static_cast<unsigned long long>(r.packets_forwarded),
              static_cast<unsigned long long>(m_relay->CutOffs()),
              static_cast<unsigned long long>(
                  r.cuts[static_cast<std::size_t>(relay::CutReason::kReplaced)]),
              static_cast<unsigned long long>(
                  r.drops[static_cast<std::size_t>(relay::ServerDrop::kNotHere)]));
  std::printf("stun: %llu answers; firewall: %llu UDP datagrams between a and b dropped\n",
              static_cast<unsigned long long>(m_stun->GetCore().Stats().success_responses),
              static_cast<unsigned long long>(m_block[0]->Dropped() + m_block[1]->Dropped()));
  std::printf("wire digest %016llx\n", static_cast<unsigned long long>(m_digest.value));
}

int RelayPath::Run() {
  const int64_t packets = (kEnd - kTrafficStart).GetMilliSeconds() /
                          kPacketInterval.GetMilliSeconds();
  for (int64_t i = 0; i < packets; ++i) {
    ns3::Simulator::Schedule(kTrafficStart + kPacketInterval * i, &RelayPath::SendAb, this);
    ns3::Simulator::Schedule(kTrafficStart + kFlowOffset + kPacketInterval * i,
                             &RelayPath::SendBa, this);
  }
  ns3::Simulator::Schedule(kRelayUp, [this] { m_scenario.Mark(kRelayBack); });
  m_scenario.Expect(Expectations());
  m_scenario.Run(kEnd);
  PrintSummary();
  // Streams close while the simulator still exists (their sockets and timers are ns-3's).
  for (PathNode* n : {&m_a, &m_b}) {
    n->relay.reset();
    n->control.reset();
  }
  return m_scenario.Finish();
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t seed = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1;
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  RelayPath scenario(seed);
  return scenario.Run();
}
