// The scenario runner (scenario-runner.h): the simulation built from a scenario file's data with
// the existing adapters (CoordinatorApp, RelayServerApp, StunCore, EngineCore + ControlLink +
// RelayDriver per node), the timeline played on ns-3's clock, traffic and probes sent and
// checked, every node's view recorded for the judge (scenario-judge.cc).
#include "scenario-runner.h"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <sstream>

#include "coord/registry.h"
#include "core-conversions.h"
#include "ipv4-packet.h"
#include "link-device.h"
#include "ns3/names.h"
#include "ns3/simulator.h"
#include "scenario-world.h"
#include "support/test_keys.h"

namespace weft::sim {
namespace {

constexpr uint16_t kControlPort = 443;
constexpr uint16_t kRelayPort = 80;
constexpr uint16_t kStunPort = 3478;
constexpr uint16_t kWgPort = 41641;
constexpr uint16_t kSinkPort = 7;
constexpr uint16_t kFirstFlowPort = 20000;
constexpr std::size_t kTrafficPayload = 1200;
constexpr std::size_t kProbePayload = 64;
constexpr std::size_t kMaxLogLines = 200000;
constexpr const char* kServerHost = "server";

std::string seconds(ns3::Time t) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3fs", static_cast<double>(t.GetNanoSeconds()) / 1e9);
  return buf;
}

std::string where(hujson::Position pos) {
  return std::to_string(pos.line) + ":" + std::to_string(pos.column) + ": ";
}

core::Now now_of() { return to_core_now(ns3::Simulator::Now(), default_wall_epoch()); }

}  // namespace

bool ScenarioResult::Passed() const {
  if (!setup_error.empty() || expectations.empty()) return false;
  for (const JudgedExpectation& e : expectations) {
    if (!e.ok) return false;
  }
  return true;
}

ScenarioWorld::ScenarioWorld(const ScenarioSpec& spec, const RunOptions& options)
    : m_spec(spec), m_options(options), m_seed(options.seed) {}

WorldNode* ScenarioWorld::Node(const std::string& name) {
  for (WorldNode& n : m_nodes) {
    if (n.Name() == name) return &n;
  }
  return nullptr;
}

std::vector<const CoreSlot*> ScenarioWorld::Slots() const {
  std::vector<const CoreSlot*> slots(m_stuns.begin(), m_stuns.end());
  for (const WorldNode& n : m_nodes) {
    if (n.slot != nullptr) slots.push_back(n.slot);
    if (n.dns != nullptr) slots.push_back(n.dns);
  }
  for (const auto& [name, slot] : m_resolvers) slots.push_back(slot);
  return slots;
}

const Flow* ScenarioWorld::ProbeOf(std::size_t expectation) const {
  auto it = m_probeOf.find(expectation);
  return it == m_probeOf.end() ? nullptr : &m_flows[it->second];
}

void ScenarioWorld::Log(const std::string& who, const std::string& text) {
  if (m_log.size() < kMaxLogLines) m_log.push_back(LogLine{ns3::Simulator::Now(), who, text});
}

bool ScenarioWorld::Build(std::string& error) {
  for (const TimelineEvent& e : m_spec.timeline) {
    if ((e.kind == EventKind::kRelayDown || e.kind == EventKind::kRelayUp) &&
        e.region == m_spec.server.embedded_relay) {
      error = where(e.pos) + "the embedded relay goes down with the server: use server-down";
      return false;
    }
  }
  // Hosts: the server, each region's relay (unless embedded in the server), each tailnet node;
  // networks other than the internet are NAT routers (internet.h).
  InternetSpec net;
  for (const NetworkSpec& n : m_spec.networks) net.sites.push_back(SiteSpec{n.name, n.nat, n.link});
  net.hosts.push_back(HostSpec{kServerHost, m_spec.server.network, m_spec.server.link});
  if (UsesLogin()) net.hosts.push_back(HostSpec{kIdpHost, Internet::kInternet, {}});
  for (const RegionSpec& r : m_spec.regions) {
    if (r.name == m_spec.server.embedded_relay) {
      m_regionHost.push_back(kServerHost);
      continue;
    }
    m_regionHost.push_back("relay-" + r.name);
    net.hosts.push_back(HostSpec{m_regionHost.back(), r.network, r.link});
  }
  m_nodes.resize(m_spec.nodes.size());
  for (std::size_t i = 0; i < m_spec.nodes.size(); ++i) {
    m_nodes[i].spec = &m_spec.nodes[i];
    m_nodes[i].position = static_cast<uint32_t>(i);
    net.hosts.push_back(HostSpec{m_spec.nodes[i].name, m_spec.nodes[i].network,
                                 m_spec.nodes[i].link});
  }
  AddResolverHosts(net);
  if (std::string e = internet_spec_error(net); !e.empty()) {
    error = "the network cannot be built: " + e;
    return false;
  }
  m_net = std::make_unique<Internet>(net, m_seed);
  if (!m_options.pcap_dir.empty()) {
    // Named nodes give named files: DIR/SCENARIO-HOST-DEVICE.pcap (routers keep their numbers).
    for (const HostSpec& h : net.hosts) ns3::Names::Add(h.name, m_net->Node(h.name));
    CaptureLinks(m_options.pcap_dir + "/" + m_spec.name, m_net->AllNodes());
    // Roaming gives the host a new link (new devices at both ends): captured like the first, in
    // files of their own (the new device number).
    m_net->OnMove([this](const std::string& host, ns3::Ipv4Address, ns3::Ipv4Address) {
      for (uint32_t end = 0; end < 2; ++end) {
        CaptureLink(m_options.pcap_dir + "/" + m_spec.name, m_net->Link(host).Device(end));
      }
    });
  }

  // UDP firewalls between pairs: on the second node's access link, on or off by events.
  auto block_of = [&](const std::string& a, const std::string& b) {
    const auto key = std::make_pair(std::min(a, b), std::max(a, b));
    auto it = m_blocks.find(key);
    if (it != m_blocks.end()) return it->second;
    auto blocks = BlockUdpOnLink(m_net->Link(b), m_net->PublicAddress(a), m_net->Address(b));
    for (const ns3::Ptr<UdpBlock>& x : blocks) x->Disable();
    m_blocks.emplace(key, blocks);
    return blocks;
  };
  for (const FirewallRule& r : m_spec.firewall) {
    for (const ns3::Ptr<UdpBlock>& x : block_of(r.a, r.b)) x->Enable();
  }
  for (const TimelineEvent& e : m_spec.timeline) {
    if (e.kind == EventKind::kUdpBlock || e.kind == EventKind::kUdpOpen) block_of(e.node, e.other);
  }

  // The coordinator with the scenario's policy and relay map.
  core::SeededRandom keys(1000 * m_seed + 1);
  const auto server_key = weft::test::random_private<core::MachinePrivateKey>(keys);
  m_serverPublic = weft::test::public_of<core::MachinePublicKey>(server_key);
  coord::CoordinatorConfig config;
  config.server_key = server_key;
  keys.fill(config.auth_key_secret.data(), config.auth_key_secret.size());
  config.initial_policy = m_spec.policy_text;
  if (UsesLogin()) config.login_url_prefix = kLoginUrlPrefix;
  for (std::size_t r = 0; r < m_spec.regions.size(); ++r) {
    uint8_t b[4];
    m_net->PublicAddress(m_regionHost[r]).Serialize(b);
    control::RelayNode node;
    node.name = m_spec.regions[r].name + "1";
    node.ipv4 = util::IpAddress::v4({b[0], b[1], b[2], b[3]});
    node.host = node.ipv4->to_string();
    node.relay_port = kRelayPort;
    node.stun_port = kStunPort;
    control::RelayRegion region;
    region.id = m_spec.regions[r].id;
    region.code = m_spec.regions[r].name;
    region.name = m_spec.regions[r].name;
    region.nodes.push_back(node);
    config.relays.push_back(region);
  }
  m_server = ns3::CreateObject<CoordinatorApp>();
  Status setup = m_server->Setup(config, coord::RegistryConfig{}, kControlPort, 1000 * m_seed + 2,
                                 default_wall_epoch());
  if (!setup) {
    error = "the coordinator refused the scenario's policy: " + setup.error().detail;
    return false;
  }
  m_net->Node(kServerHost)->AddApplication(m_server);
  m_server->SetStartTime(ns3::Seconds(0));
  StartLogin();
  if (!StartDns(error)) return false;

  for (std::size_t r = 0; r < m_spec.regions.size(); ++r) {
    ns3::Ptr<RelayServerApp> relay = ns3::CreateObject<RelayServerApp>();
    relay::ServerConfig rc;
    rc.private_key = weft::test::random_private<core::RelayPrivateKey>(keys);
    relay->Setup(rc, kRelayPort, 1000 * m_seed + 3 + 7 * r, default_wall_epoch());
    m_net->Node(m_regionHost[r])->AddApplication(relay);
    relay->SetStartTime(ns3::Seconds(0));
    m_stuns.push_back(m_net->Host(m_regionHost[r])->AddCore(kStunPort, std::make_unique<StunCore>()));
    m_relays.push_back(relay);
  }

  // Each node's keys from its own stream of the seed, its auth key made before anything runs.
  for (WorldNode& n : m_nodes) {
    core::SeededRandom node_keys(1000 * m_seed + 100 + n.position);
    std::string auth_key;
    if (!n.spec->login.empty()) {
      // No pre-auth key: it registers through the OpenID Connect login (scenario-login.cc).
    } else if (!n.spec->tag.empty()) {
      auth_key = m_server->TaggedAuthKey(n.spec->user, n.spec->tag);
    } else {
      auth_key = m_server->Operate([&](coord::Coordinator& c, core::Now now, core::Random& rng) {
        if (c.registry().find_user(n.spec->user) == nullptr) {
          NS_ABORT_MSG_IF(!c.create_user(n.spec->user, coord::Role::kMember, now), "user");
        }
        coord::AuthKeyRequest request;
        request.reusable = true;
        auto k = c.create_auth_key(n.spec->user, request, now, rng);
        NS_ABORT_MSG_IF(!k, "auth key: " << k.error().detail);
        return k->text;
      });
    }
    n.config = NodeConfig(node_keys, m_serverPublic, auth_key, n.spec->name);
    AdvertiseRoutes(n);
  }
  return true;
}

void ScenarioWorld::CreateNode(WorldNode& n) {
  auto core = EngineCore::Create(n.config, 1000 * m_seed + 10 + n.position);
  NS_ABORT_MSG_IF(!core, "engine: " << core.error().detail);
  n.slot = m_net->Host(n.Name())->AddCore(kWgPort, std::move(core).value());
  if (m_spec.crypto.path != CryptoPath::kWhole) {
    auto split = std::make_unique<SplitCrypto>(m_spec.crypto.path == CryptoPath::kSplit,
                                               ToNs3(m_spec.crypto.worker_delay),
                                               1000 * m_seed + 700 + n.position);
    split->Attach(n.slot);
    n.slot->GetCore().UseSplitCrypto(std::move(split));
  }
  n.up = true;
  IndexKeys();
  Wire(n);
  SetEndpoints(n);
  AddDnsSlot(n);
}

void ScenarioWorld::SetEndpoints(WorldNode& n) {
  // The node's simulated address is its one interface address: discovery's candidate. A
  // running slot is called through Input(), so its timer and drivers follow.
  const core::SocketAddress self = m_net->PathOf(n.Name(), kWgPort).udp;
  if (!n.slot->IsRunning()) {
    Status s = n.Engine().set_endpoints({self}, now_of());
    NS_ABORT_MSG_IF(!s, "endpoints: " << s.error().detail);
    return;
  }
  n.slot->Input([&](core::Now now, core::MutableBytes) {
    Status s = n.Engine().set_endpoints({self}, now);
    NS_ABORT_MSG_IF(!s, "endpoints: " << s.error().detail);
    return engine::Output{};
  });
}

void ScenarioWorld::Wire(WorldNode& n) {
  const ns3::InetSocketAddress server(m_net->PublicAddress(kServerHost), kControlPort);
  n.control = std::make_unique<ControlLink>(n.slot, m_net->Node(n.Name()), server,
                                            default_wall_epoch(),
                                            [this, p = &n](const engine::Event& e) { OnEvent(*p, e); });
  n.relay = std::make_unique<RelayDriver>(n.slot, m_net->Node(n.Name()));
  n.relay->TraceDatagramIn([p = &n](bool before) { p->receiving_relayed = before; });
  n.slot->TraceAfterCall(ns3::Callback<void>([p = &n] {
    if (!p->up) return;
    p->control->Poll();
    p->relay->Poll();
  }));
  n.slot->TraceDeliver(CoreSlot::DeliverCallback(
      [this, p = &n](ns3::Ptr<const ns3::Packet> packet) { OnDeliver(*p, packet); }));
}

void ScenarioWorld::OnEvent(WorldNode& n, const engine::Event& e) {
  switch (e.kind) {
    case engine::EventKind::kRegistered: Log(n.Name(), "registered"); break;
    case engine::EventKind::kNetmapApplied: {
      const controlclient::NetMap* map = n.Engine().netmap();
      if (std::optional<Ipv4> address = tunnel_address(n.Engine())) n.address = address;
      Log(n.Name(), std::string("netmap applied") + (e.from_cache ? " from its cache" : "") +
                        ": " + std::to_string(e.peers) + " peers, policy version " +
                        std::to_string(map ? map->policy_version : 0));
      Sample(n);
      if (!n.views.empty()) n.views.back().from_cache = e.from_cache;
      ConfigureDns(n);
      break;
    }
    case engine::EventKind::kKeyRotated:
      ++n.key_rotations;
      IndexKeys();
      Log(n.Name(), "rotated its node key");
      break;
    case engine::EventKind::kStopped: Log(n.Name(), "stopped: " + e.code); break;
    case engine::EventKind::kPendingApproval: Log(n.Name(), "waits for approval"); break;
    case engine::EventKind::kLoginRequired:
      n.login_url = e.url;
      Log(n.Name(), "waits for a person to log in at " + e.url);
      break;
    default: break;
  }
}

void ScenarioWorld::IndexKeys() {
  m_byKey.clear();
  for (const WorldNode& n : m_nodes) {
    if (n.slot != nullptr) m_byKey[n.Engine().node_public_key()] = n.position;
  }
}

void ScenarioWorld::Sample(WorldNode& n, bool netmap) {
  if (n.slot == nullptr) return;
  NodeView v;
  v.at = ns3::Simulator::Now();
  const NodeView* last = n.views.empty() ? nullptr : &n.views.back();
  // The periodic tick keeps the last peers: copied only if the view changed (a thousand nodes
  // sampled every second).
  const bool last_peers = n.up && !netmap && last != nullptr;
  if (n.up) {
    const controlclient::NetMap* map = n.Engine().netmap();
    if (map != nullptr) v.policy_version = map->policy_version;
    if (!last_peers && map != nullptr) {
      for (const auto& entry : map->peers) {
        auto it = m_byKey.find(entry.second.node_key);
        if (it != m_byKey.end() && it->second != n.position) {
          v.peers.insert(m_nodes[it->second].Name());
        }
      }
    }
    v.streaming = n.Engine().client().state() == controlclient::ClientState::kStreaming;
  }
  if (last != nullptr) {
    v.from_cache = last->from_cache && n.up;
    if ((last_peers || last->peers == v.peers) && last->policy_version == v.policy_version &&
        last->streaming == v.streaming && last->from_cache == v.from_cache) {
      return;
    }
    if (last->streaming != v.streaming) {
      Log(n.Name(), v.streaming ? "control stream up" : "control stream lost");
    }
    if (last_peers) v.peers = last->peers;
  }
  n.views.push_back(std::move(v));
}

const NodeView* ScenarioWorld::ViewAt(const WorldNode& n, ns3::Time t) {
  const NodeView* found = nullptr;
  for (const NodeView& v : n.views) {
    if (v.at > t) break;
    found = &v;
  }
  return found;
}

std::string ScenarioWorld::PathText(const WorldNode& from, const WorldNode& to) const {
  if (from.slot == nullptr || !from.up) return from.Name() + " is not running";
  if (to.slot == nullptr) return to.Name() + " has not joined";
  const core::NodePublicKey key = to.Engine().node_public_key();
  for (const engine::PeerStatus& p : from.Engine().status(now_of()).peers) {
    if (p.node_key != key) continue;
    return std::string(disco::to_string(p.path)) + " " + p.endpoint.to_string();
  }
  return "no peer " + to.Name();
}

void ScenarioWorld::OnDeliver(WorldNode& n, ns3::Ptr<const ns3::Packet> packet) {
  std::vector<uint8_t> bytes(packet->GetSize());
  packet->CopyData(bytes.data(), static_cast<uint32_t>(bytes.size()));
  // The flow is known by its source port; the flow checks the rest.
  const std::optional<ParsedUdp> udp = parse_ipv4_udp(bytes.data(), bytes.size());
  if (!udp || udp->flow.source_port < kFirstFlowPort) return;
  const uint32_t index = udp->flow.source_port - kFirstFlowPort;
  if (index >= m_flows.size()) return;
  Flow& flow = m_flows[index];
  if (flow.destination) {
    if (!flow.received_by) flow.received_by = n.position;
  } else if (flow.to != n.position) {
    return;
  }
  flow.packets.Receive(bytes, n.receiving_relayed);
}

uint32_t ScenarioWorld::AddFlow(uint32_t from, uint32_t to, bool probe) {
  Flow f;
  f.from = from;
  f.to = to;
  f.probe = probe;
  f.port = static_cast<uint16_t>(kFirstFlowPort + m_flows.size());
  m_watched.emplace(from, to);
  m_flows.push_back(std::move(f));
  return static_cast<uint32_t>(m_flows.size() - 1);
}

void ScenarioWorld::Send(Flow& flow) {
  WorldNode& from = m_nodes[flow.from];
  WorldNode& to = m_nodes[flow.to];
  if (!from.up || from.slot == nullptr) {
    ++flow.unsendable;
    flow.unsent_why = from.Name() + " was not running";
    return;
  }
  if (!flow.packets.pattern) {
    if (flow.destination && from.address) {
      flow.packets.pattern.emplace(UdpFlow{*from.address, *flow.destination, flow.port, kSinkPort},
                                   kProbePayload);
    } else if (!from.address || !to.address) {
      ++flow.unsendable;
      flow.unsent_why = (from.address ? to.Name() : from.Name()) + " had no tunnel address yet";
      return;
    }
    if (!flow.packets.pattern) {
      flow.packets.pattern.emplace(UdpFlow{*from.address, *to.address, flow.port, kSinkPort},
                                   flow.probe ? kProbePayload : kTrafficPayload);
    }
  }
  flow.packets.SendNext(*from.slot);
}

std::optional<coord::DeviceId> ScenarioWorld::DeviceOf(const WorldNode& n) const {
  if (n.slot == nullptr) return std::nullopt;
  const coord::Device* d = m_server->Core().registry().find_by_node_key(
      n.Engine().node_public_key());
  if (d == nullptr) return std::nullopt;
  return d->id;
}

void ScenarioWorld::Crash(WorldNode& n) {
  // The process dies: no timers, no goodbye to the server; its disk stays. The kernel closes
  // its sockets, so its streams end.
  if (!n.up) return;
  Sample(n);
  n.up = false;
  n.slot->Stop();
  if (n.dns != nullptr) n.dns->Stop();
  n.control->Crash();
  n.relay.reset();
  Sample(n);
}

void ScenarioWorld::Restart(WorldNode& n) {
  EngineCore& core = n.slot->GetCore();
  ++n.restarts;
  Status s = core.Restart(1000 * m_seed + 500 + 10 * n.position + n.restarts);
  NS_ABORT_MSG_IF(!s, "restart: " << s.error().detail);
  const std::vector<uint8_t>& disk = n.control->CachedBytes();
  if (!disk.empty()) {
    Status loaded = core.Engine().load_cache(core::ByteView{disk.data(), disk.size()}, now_of());
    Log(n.Name(), loaded ? "restarted from its cache (" + std::to_string(disk.size()) + " bytes)"
                         : "restarted; its cache was refused: " + loaded.error().code);
  } else {
    Log(n.Name(), "restarted with no cache on its disk");
  }
  RestartDns(n);
  SetEndpoints(n);
  n.relay = std::make_unique<RelayDriver>(n.slot, m_net->Node(n.Name()));
  n.relay->TraceDatagramIn([p = &n](bool before) { p->receiving_relayed = before; });
  n.up = true;
  n.slot->Start(m_net->Node(n.Name()), default_wall_epoch());
  Sample(n);
}

void ScenarioWorld::Join(WorldNode& n) {
  if (n.slot != nullptr) return;
  CreateNode(n);
  Log(n.Name(), "joins");
}

void ScenarioWorld::Move(WorldNode& n, const std::string& network) {
  const ns3::Ipv4Address now_at = m_net->Move(n.Name(), network);
  std::ostringstream text;
  text << "moved to " << network << " (" << now_at << ")";
  Log(n.Name(), text.str());
  if (n.slot == nullptr || !n.up) return;
  // What lib/node does when an address goes away: new endpoints, streams bound to the old
  // address ended so they are dialled again at once.
  SetEndpoints(n);
  n.control->Reconnect();
  n.relay->ReconnectAll();
}

uint64_t ScenarioWorld::ServerPolicyVersion() const {
  const auto& history = m_server->Core().policy_history();
  return history.empty() ? 0 : history.back().version;
}

ns3::Time ScenarioWorld::LastServerUp(ns3::Time t) const {
  ns3::Time last = ns3::Seconds(0);
  for (const ns3::Time& up : m_serverUps) {
    if (up <= t) last = up;
  }
  return last;
}

void ScenarioWorld::Apply(const TimelineEvent& e) {
  WorldNode* n = e.node.empty() ? nullptr : Node(e.node);
  std::string text = to_string(e.kind);
  if (n != nullptr) text += " " + n->Name();
  if (!e.region.empty()) text += " " + e.region;
  if (!e.other.empty()) text += " " + e.other;
  Log("timeline", text);
  auto with_device = [&](auto&& op, const char* what) {
    const std::optional<coord::DeviceId> id = DeviceOf(*n);
    Status s = id ? m_server->Operate([&](coord::Coordinator& c, core::Now now, core::Random&) {
      return op(c, *id, now);
    })
                  : Status(make_error("sim.unknown_device", "not registered"));
    Log("server", std::string(what) + " " + n->Name() +
                      (s ? ": done" : ": refused (" + s.error().detail + ")"));
  };
  switch (e.kind) {
    case EventKind::kServerDown: m_net->SetLinkDown(kServerHost, true); break;
    case EventKind::kServerUp:
      m_net->SetLinkDown(kServerHost, false);
      m_serverUps.push_back(ns3::Simulator::Now());
      break;
    case EventKind::kRelayDown:
    case EventKind::kRelayUp:
      for (std::size_t r = 0; r < m_spec.regions.size(); ++r) {
        if (m_spec.regions[r].name == e.region) {
          m_net->SetLinkDown(m_regionHost[r], e.kind == EventKind::kRelayDown);
        }
      }
      break;
    case EventKind::kLinkDown: m_net->SetLinkDown(n->Name(), true); break;
    case EventKind::kLinkUp: m_net->SetLinkDown(n->Name(), false); break;
    case EventKind::kLinkDegraded: m_net->SetLinkShape(n->Name(), e.link); break;
    case EventKind::kMove: Move(*n, e.network); break;
    case EventKind::kRestart:
      Crash(*n);
      ns3::Simulator::Schedule(ToNs3(e.downtime), [this, n] { Restart(*n); });
      break;
    case EventKind::kPolicy: {
      const coord::PolicyOutcome outcome = m_server->Operate(
          [&](coord::Coordinator& c, core::Now now, core::Random&) {
            return c.set_policy(e.policy_text, now);
          });
      Log("server", outcome.valid ? "policy version " + std::to_string(outcome.version) +
                                        " in force"
                                  : "policy refused (" + std::to_string(outcome.findings.size()) +
                                        " findings)");
      break;
    }
    case EventKind::kRotateKey:
      with_device([](coord::Coordinator& c, coord::DeviceId id, core::Now now) {
        return c.rotate(id, now);
      }, "asked to rotate the key of");
      break;
    case EventKind::kKeyExpiry:
      with_device([](coord::Coordinator& c, coord::DeviceId id, core::Now now) {
        return c.expire(id, now);
      }, "expired the key of");
      break;
    case EventKind::kJoin: Join(*n); break;
    case EventKind::kLogin: Login(*n); break;
    case EventKind::kLeave:
      if (n->slot != nullptr) {
        with_device([](coord::Coordinator& c, coord::DeviceId id, core::Now now) {
          return c.remove(id, now);
        }, "removed");
        Crash(*n);
        n->left = true;
      }
      break;
    case EventKind::kDns: ApplyDnsSettings(e.dns); break;
    case EventKind::kSetAttr:
    case EventKind::kUnsetAttr:
    case EventKind::kApproveRoutes:
    case EventKind::kRejectRoutes:
    case EventKind::kExitNode: ApplyNetworkConfig(e); break;
    case EventKind::kUdpBlock:
    case EventKind::kUdpOpen: {
      const auto key = std::make_pair(std::min(e.node, e.other), std::max(e.node, e.other));
      for (const ns3::Ptr<UdpBlock>& x : m_blocks.at(key)) {
        if (e.kind == EventKind::kUdpBlock) {
          x->Enable();
        } else {
          x->Disable();
        }
      }
      break;
    }
  }
}

void ScenarioWorld::Tick() {
  for (WorldNode& n : m_nodes) Sample(n, false);
  // Paths of the pairs the scenario looks at.
  std::string paths;
  uint32_t from = UINT32_MAX;
  auto flush = [&] {
    if (from == UINT32_MAX) return;
    if (paths != m_nodes[from].last_path) {
      Log(m_nodes[from].Name(), "paths" + paths);
      m_nodes[from].last_path = paths;
    }
    paths.clear();
  };
  for (const auto& [a, b] : m_watched) {
    if (a != from) {
      flush();
      from = a;
    }
    const WorldNode& n = m_nodes[a];
    const WorldNode& other = m_nodes[b];
    if (n.slot == nullptr || !n.up || other.slot == nullptr) continue;
    const std::optional<engine::PeerStatus> p =
        n.Engine().peer_status(other.Engine().node_public_key(), now_of());
    if (p) {
      paths += " " + other.Name() + ": " + disco::to_string(p->path) + " " +
               p->endpoint.to_string() + ";";
    }
  }
  flush();
  if (m_options.progress) {
    m_options.progress(FromNs3(ns3::Simulator::Now()), m_spec.duration,
                       ns3::Simulator::GetEventCount());
  }
}

std::vector<JudgedExpectation> ScenarioWorld::Run() {
  std::vector<JudgedExpectation> judged(m_spec.expect.size());
  // Nodes present from the start; the others join at their time.
  for (WorldNode& n : m_nodes) {
    std::optional<SimTime> join = n.spec->joins;
    for (const TimelineEvent& e : m_spec.timeline) {
      if (e.kind == EventKind::kJoin && e.node == n.Name() && (!join || e.at < *join)) join = e.at;
    }
    if (!join) {
      CreateNode(n);
    } else if (n.spec->joins) {
      ns3::Simulator::Schedule(ToNs3(*n.spec->joins), [this, p = &n] { Join(*p); });
    }
  }
  for (const TimelineEvent& e : m_spec.timeline) {
    ns3::Simulator::Schedule(ToNs3(e.at), [this, &e] { Apply(e); });
  }
  for (const TrafficSpec& t : m_spec.traffic) {
    const uint32_t f = AddFlow(Node(t.from)->position, Node(t.to)->position, false);
    const SimTime end = t.end ? *t.end : m_spec.duration;
    for (SimTime at = t.start; at < end; at += t.every) {
      ns3::Simulator::Schedule(ToNs3(at), [this, f] { Send(m_flows[f]); });
    }
  }
  for (std::size_t i = 0; i < m_spec.expect.size(); ++i) {
    const ExpectSpec& x = m_spec.expect[i];
    if (x.kind == ExpectKind::kReachesAddress) {
      const uint32_t f = AddFlow(Node(x.node)->position, Node(x.node)->position, true);
      const auto a = util::IpAddress::parse(x.name);
      m_flows[f].destination = make_ipv4(a->bytes()[0], a->bytes()[1], a->bytes()[2], a->bytes()[3]);
      m_probeOf[i] = f;
      ns3::Simulator::Schedule(ToNs3(x.at), [this, f] { Send(m_flows[f]); });
    } else if (x.kind == ExpectKind::kReaches) {
      const uint32_t f = AddFlow(Node(x.node)->position, Node(x.other)->position, true);
      m_probeOf[i] = f;
      ns3::Simulator::Schedule(ToNs3(x.at), [this, f] { Send(m_flows[f]); });
    } else if (x.kind == ExpectKind::kNoNewConnection) {
      const uint32_t f = AddFlow(Node(x.node)->position, Node(x.other)->position, true);
      m_probeOf[i] = f;
      for (SimTime at = x.from; at <= x.to; at += std::chrono::seconds(1)) {
        ns3::Simulator::Schedule(ToNs3(at), [this, f] { Send(m_flows[f]); });
      }
    } else if (x.kind == ExpectKind::kResolves || x.kind == ExpectKind::kDnsRcode) {
      ScheduleDnsProbe(i);
    }
  }
  for (SimTime at = std::chrono::seconds(1); at <= m_spec.duration; at += std::chrono::seconds(1)) {
    ns3::Simulator::Schedule(ToNs3(at), [this] { Tick(); });
  }
  for (std::size_t i = 0; i < m_spec.expect.size(); ++i) {
    ns3::Simulator::Schedule(ToNs3(m_spec.expect[i].JudgedAt()), [this, i, &judged] {
      for (WorldNode& n : m_nodes) Sample(n);
      judged[i] = Judge(*this, i);
    });
  }
  ns3::Simulator::Stop(ToNs3(m_spec.duration) + ns3::NanoSeconds(1));
  ns3::Simulator::Run();
  return judged;
}

std::vector<std::string> ScenarioWorld::Excerpt(ns3::Time from, ns3::Time to,
                                                const std::set<std::string>& who) const {
  std::vector<std::string> lines;
  for (const LogLine& l : m_log) {
    if (l.at < from || l.at > to) continue;
    if (l.who != "timeline" && l.who != "server" && who.count(l.who) == 0) continue;
    lines.push_back(seconds(l.at) + " " + l.who + ": " + l.text);
  }
  constexpr std::size_t kMaxExcerpt = 16;
  if (lines.size() > kMaxExcerpt) {
    const std::size_t cut = lines.size() - kMaxExcerpt;
    lines.erase(lines.begin(), lines.begin() + static_cast<std::ptrdiff_t>(cut));
    lines.insert(lines.begin(), "(" + std::to_string(cut) + " earlier lines left out)");
  }
  return lines;
}

void ScenarioWorld::Shutdown() {
  for (WorldNode& n : m_nodes) {
    n.relay.reset();
    n.control.reset();
  }
  m_login.reset();
  m_idp.reset();
}

ScenarioResult run_scenario(const ScenarioSpec& spec, const RunOptions& options) {
  ScenarioResult result;
  result.name = spec.name;
  result.path = spec.path;
  result.seed = options.seed;
  const auto wall_start = std::chrono::steady_clock::now();
  {
    ScenarioWorld world(spec, options);
    std::string error;
    if (world.Build(error)) {
      result.expectations = world.Run();
      result.simulated = FromNs3(ns3::Simulator::Now());
      result.events = ns3::Simulator::GetEventCount();
      world.Shutdown();
    } else {
      result.setup_error = error;
    }
    ns3::Simulator::Destroy();
  }
  result.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  return result;
}

}  // namespace weft::sim
