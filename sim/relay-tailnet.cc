// A small tailnet on ns-3: coordinator, relay + STUN, engines a and b (see relay-tailnet.h).
#include "relay-tailnet.h"

#include <algorithm>
#include <cstdio>

#include "coord/registry.h"
#include "core-conversions.h"
#include "ns3/abort.h"
#include "ns3/simulator.h"
#include "support/test_keys.h"

namespace weft::sim {
namespace {

constexpr uint16_t kAbPort = 40000, kBaPort = 40001, kSinkPort = 7;
constexpr std::size_t kMaxPayload = 1200;

const char* const kPolicy = R"({
  "tagOwners": {"tag:a": ["alice@example.com"], "tag:b": ["alice@example.com"]},
  "acls": [
    {"action": "accept", "src": ["tag:a"], "dst": ["tag:b:*"]},
    {"action": "accept", "src": ["tag:b"], "dst": ["tag:a:*"]}
  ]
})";

TopologySpec star_topology(const std::vector<OutageSpec>& outages) {
  TopologySpec spec;
  spec.nodes = 5;
  for (uint32_t n : {RelayTailnet::kServer, RelayTailnet::kRelay, RelayTailnet::kA,
                     RelayTailnet::kB}) {
    spec.links.push_back(LinkSpec{n, RelayTailnet::kRouter, "100Mbps", "5ms"});
  }
  spec.outages = outages;
  return spec;
}

control::RelayRegion relay_region(ns3::Ipv4Address relay) {
  uint8_t b[4];
  relay.Serialize(b);
  control::RelayNode node;
  node.name = "sim1";
  node.ipv4 = util::IpAddress::v4({b[0], b[1], b[2], b[3]});
  node.host = node.ipv4->to_string();
  node.relay_port = RelayTailnet::kRelayPort;
  node.stun_port = RelayTailnet::kStunPort;
  control::RelayRegion region;
  region.id = RelayTailnet::kRegion;
  region.code = RelayTailnet::kRegionCode;
  region.name = "Simulated";
  region.nodes.push_back(node);
  return region;
}

}  // namespace

void TailnetFlow::SendNext(CoreSlotOf<EngineCore>& node) {
  const uint32_t seq = static_cast<uint32_t>(sent.size());
  const std::vector<uint8_t> packet = pattern->Make(seq);
  sent.push_back(ns3::Simulator::Now());
  delivered.emplace_back();
  relayed.push_back(false);
  node.Input([&](core::Now now, core::MutableBytes out) {
    return node.GetCore().send_packet(now, core::ByteView{packet.data(), packet.size()}, out);
  });
}

void TailnetFlow::Receive(const std::vector<uint8_t>& bytes, bool through_relay) {
  const std::optional<ParsedUdp> udp = parse_ipv4_udp(bytes.data(), bytes.size());
  if (!pattern || !udp || udp->payload.size() < 4) {
    ++bad;
    return;
  }
  const uint32_t seq = static_cast<uint32_t>(udp->payload[0]) << 24 |
                       static_cast<uint32_t>(udp->payload[1]) << 16 |
                       static_cast<uint32_t>(udp->payload[2]) << 8 | udp->payload[3];
  if (seq >= sent.size() || pattern->Make(seq) != bytes) {
    ++bad;
    return;
  }
  if (delivered[seq]) {
    ++duplicates;
    return;
  }
  delivered[seq] = ns3::Simulator::Now();
  relayed[seq] = through_relay;
  arrivals.push_back(seq);
}

std::pair<uint32_t, uint32_t> TailnetFlow::Count(ns3::Time from, ns3::Time to) const {
  uint32_t s = 0, d = 0;
  for (std::size_t seq = 0; seq < sent.size(); ++seq) {
    if (sent[seq] < from || sent[seq] >= to) continue;
    ++s;
    d += delivered[seq].has_value();
  }
  return {s, d};
}

uint32_t TailnetFlow::CountRelayed(ns3::Time from, ns3::Time to) const {
  uint32_t r = 0;
  for (std::size_t seq = 0; seq < sent.size(); ++seq) {
    if (sent[seq] < from || sent[seq] >= to) continue;
    r += delivered[seq].has_value() && relayed[seq];
  }
  return r;
}

uint32_t TailnetFlow::CountLate(ns3::Time from, ns3::Time to) const {
  uint32_t late = 0;
  std::optional<uint32_t> highest;
  for (uint32_t seq : arrivals) {
    if (sent[seq] < from || sent[seq] >= to) continue;
    if (highest && seq < *highest) {
      ++late;
    } else {
      highest = seq;
    }
  }
  return late;
}

std::optional<ns3::Time> TailnetFlow::FirstDeliveryOfSentAfter(ns3::Time from) const {
  std::optional<ns3::Time> first;
  for (std::size_t seq = 0; seq < sent.size(); ++seq) {
    if (sent[seq] < from || !delivered[seq]) continue;
    if (!first || *delivered[seq] < *first) first = delivered[seq];
  }
  return first;
}

ns3::Time TailnetFlow::LongestGap(ns3::Time from, ns3::Time to) const {
  std::vector<ns3::Time> times;
  for (const std::optional<ns3::Time>& d : delivered) {
    if (d && *d >= from && *d <= to) times.push_back(*d);
  }
  std::sort(times.begin(), times.end());
  ns3::Time longest = ns3::Seconds(0);
  ns3::Time last = from;
  for (const ns3::Time& t : times) {
    longest = std::max(longest, t - last);
    last = t;
  }
  return std::max(longest, to - last);
}

std::string count_text(std::pair<uint32_t, uint32_t> c) {
  return std::to_string(c.second) + " of " + std::to_string(c.first) + " delivered";
}

engine::EngineStatus TailnetNode::Status() const {
  return Engine().status(to_core_now(ns3::Simulator::Now(), default_wall_epoch()));
}

std::optional<engine::PeerStatus> TailnetNode::PeerOf(const TailnetNode& other) const {
  const core::NodePublicKey key = other.Engine().node_public_key();
  for (const engine::PeerStatus& p : Status().peers) {
    if (p.node_key == key) return p;
  }
  return std::nullopt;
}

std::optional<Ipv4> TailnetNode::TunnelAddress() const { return tunnel_address(Engine()); }

std::optional<Ipv4> tunnel_address(const engine::Engine& engine) {
  const controlclient::NetMap* map = engine.netmap();
  if (map == nullptr || map->self.addresses.empty() || !map->self.addresses[0].is_v4()) {
    return std::nullopt;
  }
  const auto& b = map->self.addresses[0].bytes();
  return make_ipv4(b[0], b[1], b[2], b[3]);
}

RelayTailnet::RelayTailnet(uint64_t seed, const TailnetOptions& options)
    : m_seed(seed), m_net(build_network(star_topology(options.outages))) {
  m_block = BlockUdpBetween(m_net, kBLink, m_net.address[kA], m_net.address[kB]);
  SetDirectUdp(options.direct_udp);
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
  m_server = CoordinatorApp::Install(m_net.nodes.Get(kServer), config, kControlPort,
                                     1000 * seed + 2);

  const auto server_public = weft::test::public_of<core::MachinePublicKey>(server_key);
  TailnetNode* nodes[] = {&m_a, &m_b};
  const char* names[] = {"a", "b"};
  for (uint32_t i = 0; i < 2; ++i) {
    const engine::EngineConfig ec = NodeConfig(
        keys, server_public,
        m_server->TaggedAuthKey("alice@example.com", std::string("tag:") + names[i]), names[i]);
    AddNode(*nodes[i], kA + i, names[i], ec);
  }
}

void RelayTailnet::AddNode(TailnetNode& n, uint32_t index, const std::string& name,
                           const engine::EngineConfig& config) {
  auto core = EngineCore::Create(config, 1000 * m_seed + 10 + index);
  NS_ABORT_MSG_IF(!core, "engine: " << core.error().detail);
  n.name = name;
  n.index = index;
  n.slot = m_net.hosts[index]->AddCore(kWgPort, std::move(core).value());
  // The node's simulated address is its one interface address: discovery's candidate.
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
  n.relay->TraceDatagramIn([p = &n](bool before) { p->receiving_relayed = before; });
  n.slot->TraceAfterCall(ns3::Callback<void>([p = &n] {
    p->control->Poll();
    p->relay->Poll();
  }));
  n.slot->TraceDeliver(CoreSlot::DeliverCallback(
      [this, p = &n](ns3::Ptr<const ns3::Packet> packet) { OnDeliver(*p, packet); }));
  n.slot->TraceDatagramTx(CoreSlot::DatagramCallback(
      [this](ns3::Ptr<const ns3::Packet> packet, const ns3::Address&) {
        m_digest.AddPacket(packet);
      }));
}

void RelayTailnet::ScheduleTraffic(ns3::Time start, ns3::Time end, ns3::Time interval) {
  const int64_t packets = (end - start).GetNanoSeconds() / interval.GetNanoSeconds();
  for (int64_t i = 0; i < packets; ++i) {
    ns3::Simulator::Schedule(start + interval * i, [this] { Send(m_ab, m_a, m_b, kAbPort); });
    ns3::Simulator::Schedule(start + interval / 2 + interval * i,
                             [this] { Send(m_ba, m_b, m_a, kBaPort); });
  }
}

void RelayTailnet::SetDirectUdp(bool pass) {
  for (const ns3::Ptr<UdpBlock>& b : m_block) {
    if (pass) {
      b->Disable();
    } else {
      b->Enable();
    }
  }
}

uint64_t RelayTailnet::DirectUdpDropped() const {
  return m_block[0]->Dropped() + m_block[1]->Dropped();
}

void RelayTailnet::Send(TailnetFlow& flow, TailnetNode& from, const TailnetNode& to,
                        uint16_t src_port) {
  if (!flow.pattern) {
    const std::optional<Ipv4> source = from.TunnelAddress();
    const std::optional<Ipv4> destination = to.TunnelAddress();
    if (!source || !destination) return;  // no netmap yet: nothing to address
    flow.pattern.emplace(UdpFlow{*source, *destination, src_port, kSinkPort}, kMaxPayload);
  }
  flow.SendNext(*from.slot);
}

void RelayTailnet::OnDeliver(TailnetNode& to, ns3::Ptr<const ns3::Packet> packet) {
  std::vector<uint8_t> bytes(packet->GetSize());
  packet->CopyData(bytes.data(), static_cast<uint32_t>(bytes.size()));
  m_digest.AddTime();
  m_digest.Add(bytes.data(), bytes.size());
  TailnetFlow& flow = &to == &m_b ? m_ab : m_ba;
  flow.Receive(bytes, to.receiving_relayed);
}

bool RelayTailnet::RelayedVia(const TailnetNode& from, const TailnetNode& to,
                              std::string* detail) const {
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

std::vector<Expectation> RelayTailnet::SetupExpectations(ns3::Time at) {
  return {
      {At(at), "a and b registered and hold each other as peers",
       [this] {
         return m_a.registrations == 1 && m_b.registrations == 1 && m_a.PeerOf(m_b) &&
                m_b.PeerOf(m_a);
       }},
      {At(at), "each node's home region is the relay's region, its link ready",
       [this] {
         bool ok = true;
         std::string detail;
         for (const TailnetNode* n : {&m_a, &m_b}) {
           const engine::EngineStatus s = n->Status();
           const bool ready = s.relays.size() == 1 && s.relays[0].region == kRegion &&
                              s.relays[0].home && s.relays[0].ready;
           ok = ok && s.home_region == kRegion && s.home_region_code == kRegionCode && ready;
           detail += n->name + ": home " + std::to_string(s.home_region) + " \"" +
                     s.home_region_code + "\"" + (ready ? " ready" : " not ready") + "; ";
         }
         return Verdict(ok, detail);
       }},
      {At(at), "the netcheck found UDP and the region by STUN beside the relay",
       [this] {
         bool ok = true;
         std::string detail;
         for (const TailnetNode* n : {&m_a, &m_b}) {
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
  };
}

Expectation RelayTailnet::HealthyExpectation() {
  return {AtEnd(), "every core slot healthy (no stale timers, no past deadlines)", [this] {
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
          }};
}

void RelayTailnet::PrintSummary() const {
  for (const TailnetNode* n : {&m_a, &m_b}) {
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
              static_cast<unsigned long long>(DirectUdpDropped()));
  std::printf("wire digest %016llx\n", static_cast<unsigned long long>(m_digest.value));
}

void RelayTailnet::Shutdown() {
  for (TailnetNode* n : {&m_a, &m_b}) {
    n->relay.reset();
    n->control.reset();
  }
}

}  // namespace weft::sim
