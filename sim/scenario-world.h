// The live simulation of one scenario (internal to the runner: scenario-runner.cc builds it and
// plays the timeline, scenario-judge.cc judges the expectations against what it recorded).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "control-link.h"
#include "dns-core.h"
#include "dns-probe.h"
#include "dns-upstream.h"
#include "coordinator-app.h"
#include "engine-core.h"
#include "ns3/nstime.h"
#include "relay-driver.h"
#include "relay-server-app.h"
#include "relay-tailnet.h"
#include "scenario-runner.h"
#include "scenario-spec.h"
#include "stun-core.h"
#include "internet.h"
#include "login-driver.h"
#include "oidc-provider.h"
#include "tunnel-traffic.h"
#include "udp-block.h"

namespace weft::sim {

inline ns3::Time ToNs3(SimTime t) { return ns3::NanoSeconds(t.count()); }
inline SimTime FromNs3(ns3::Time t) { return SimTime(t.GetNanoSeconds()); }

/// Tunnel packets from one node to another: a declared traffic flow or the runner's probes.
struct Flow {
  uint32_t from = 0, to = 0;  ///< indices into ScenarioWorld::nodes
  uint16_t port = 0;          ///< its source port, unique per flow
  bool probe = false;
  TailnetFlow packets;      ///< sent, delivered, relayed
  uint32_t unsendable = 0;  ///< sends skipped: no address yet, or the node was down
  std::string unsent_why;   ///< why the last one was skipped
  /// A routed address (a subnet route's host) instead of node `to`'s: whichever node's engine
  /// delivers it to its tunnel counts, and is recorded.
  std::optional<Ipv4> destination;
  std::optional<uint32_t> received_by;
};

/// When a node's view changed: its peers (by scenario name), its policy version, streaming.
struct NodeView {
  ns3::Time at;
  std::set<std::string> peers;
  uint64_t policy_version = 0;
  bool streaming = false;
  bool from_cache = false;
};

struct WorldNode {
  const NodeSpec* spec = nullptr;
  uint32_t position = 0;    ///< index in ScenarioWorld::nodes (and its host's name is its own)
  engine::EngineConfig config;
  CoreSlotOf<EngineCore>* slot = nullptr;  ///< null until it joins
  CoreSlotOf<DnsCore>* dns = nullptr;      ///< MagicDNS beside the engine (scenario-dns.cc)
  std::unique_ptr<ControlLink> control;
  std::unique_ptr<RelayDriver> relay;
  bool up = false;          ///< its process runs
  bool left = false;
  bool receiving_relayed = false;
  uint64_t restarts = 0;
  uint64_t key_rotations = 0;  ///< kKeyRotated events, across restarts
  std::vector<NodeView> views;  ///< every change
  std::string last_path;        ///< the last path summary logged
  /// Its tunnel address as its last netmap gave it (kept when it stops: probes still aim there).
  std::optional<Ipv4> address;
  /// The link its registration last asked a person to open (OpenID Connect login).
  std::string login_url;

  engine::Engine& Engine() const { return slot->GetCore().Engine(); }
  const std::string& Name() const { return spec->name; }
};

/// One line of what happened, for failing expectations' excerpts.
struct LogLine {
  ns3::Time at;
  std::string who;  ///< a node's name, "server", "relay:CODE" or "timeline"
  std::string text;
};

class ScenarioWorld {
 public:
  ScenarioWorld(const ScenarioSpec& spec, const RunOptions& options);
  ScenarioWorld(const ScenarioWorld&) = delete;
  ScenarioWorld& operator=(const ScenarioWorld&) = delete;

  /// Builds everything; false with `error` set when the spec asks for what is not modelled.
  bool Build(std::string& error);
  /// Runs to the end, judging expectations on time. Returns them in the spec's order.
  std::vector<JudgedExpectation> Run();
  /// Closes streams while the simulator still exists.
  void Shutdown();

  // Read by the judge (scenario-judge.cc).
  const ScenarioSpec& Spec() const { return m_spec; }
  WorldNode* Node(const std::string& name);
  std::vector<WorldNode>& Nodes() { return m_nodes; }
  const std::vector<Flow>& Flows() const { return m_flows; }
  /// Every core slot: the nodes' engines (once joined) and the regions' STUN servers.
  std::vector<const CoreSlot*> Slots() const;
  /// The probe flow set up for expectation `i`, if it has one.
  const Flow* ProbeOf(std::size_t expectation) const;
  uint64_t ServerPolicyVersion() const;
  /// The last server-up (or the start) at or before `t`.
  ns3::Time LastServerUp(ns3::Time t) const;
  /// The view of node at `t` (the last change at or before it), or nullptr.
  static const NodeView* ViewAt(const WorldNode& n, ns3::Time t);
  std::string PathText(const WorldNode& from, const WorldNode& to) const;
  /// Lines of the log in [from, to] that concern any of `who` (plus the timeline's).
  std::vector<std::string> Excerpt(ns3::Time from, ns3::Time to,
                                   const std::set<std::string>& who) const;
  void Log(const std::string& who, const std::string& text);
  // MagicDNS (scenario-dns.cc), read by its judge.
  const DnsProbe* DnsProbeOf(std::size_t expectation) const;
  const DnsUpstreamCore* Resolver(const std::string& name) const;
  /// The resolver host a simulated address belongs to ("" when none).
  std::string ResolverAt(const util::IpAddress& address) const;
  /// The tailnet domain the server gives (`weft serve --dns-domain`).
  const std::string& DnsDomain() const;
  /// Every resolver host's count of queries for `name`.
  uint64_t ResolversAsked(const std::string& name) const;

 private:
  void CreateNode(WorldNode& n);
  void Wire(WorldNode& n);
  /// Records a change of the node's view; `netmap` false: only its control stream may have
  /// changed (the periodic tick), the peers are the last sample's.
  void Sample(WorldNode& n, bool netmap = true);
  void OnEvent(WorldNode& n, const engine::Event& e);
  void OnDeliver(WorldNode& n, ns3::Ptr<const ns3::Packet> packet);
  void Send(Flow& flow);
  void Apply(const TimelineEvent& e);
  void Crash(WorldNode& n);
  void Restart(WorldNode& n);
  void Join(WorldNode& n);
  std::optional<coord::DeviceId> DeviceOf(const WorldNode& n) const;
  void SetEndpoints(WorldNode& n);
  void Move(WorldNode& n, const std::string& network);
  // The OpenID Connect login (scenario-login.cc).
  static constexpr const char* kIdpHost = "idp";
  static constexpr const char* kLoginUrlPrefix = "http://server/login/";
  bool UsesLogin() const;
  void StartLogin();
  /// The node's person opens its login link and signs in at the provider.
  void Login(WorldNode& n);
  void IndexKeys();
  void Tick();
  uint32_t AddFlow(uint32_t from, uint32_t to, bool probe);
  // MagicDNS (scenario-dns.cc): resolver hosts on the network, the DNS settings, a DNS slot
  // per node fed from each netmap its engine applies, the probes of DNS expectations.
  void AddResolverHosts(InternetSpec& net) const;
  bool StartDns(std::string& error);
  Status ApplyDnsSettings(const DnsSettingsSpec& settings);
  void AddDnsSlot(WorldNode& n);
  void ConfigureDns(WorldNode& n);
  void RestartDns(WorldNode& n);
  void ScheduleDnsProbe(std::size_t expectation);
  // Network configuration (scenario-netconfig.cc): advertised routes into a node's Hostinfo,
  // the operator's route approvals and posture attributes.
  void AdvertiseRoutes(WorldNode& n) const;
  void ApplyNetworkConfig(const TimelineEvent& e);

  const ScenarioSpec& m_spec;
  RunOptions m_options;
  uint64_t m_seed;
  std::unique_ptr<Internet> m_net;
  std::vector<std::string> m_regionHost;  ///< the host of each region's relay
  ns3::Ptr<CoordinatorApp> m_server;
  std::vector<ns3::Ptr<RelayServerApp>> m_relays;
  std::vector<CoreSlot*> m_stuns;
  std::vector<WorldNode> m_nodes;
  std::vector<Flow> m_flows;
  std::map<std::size_t, uint32_t> m_probeOf;  ///< expectation -> flow
  std::map<std::pair<std::string, std::string>, std::array<ns3::Ptr<UdpBlock>, 2>> m_blocks;
  /// Current node keys to nodes (keys change with rotations and restarts keep them).
  std::map<core::NodePublicKey, uint32_t> m_byKey;
  /// Ordered pairs (from, to) whose paths the log follows: traffic, probes, expectations.
  std::set<std::pair<uint32_t, uint32_t>> m_watched;
  std::vector<ns3::Time> m_serverUps;
  std::vector<LogLine> m_log;
  core::MachinePublicKey m_serverPublic{};
  std::unique_ptr<OidcProvider> m_idp;
  std::unique_ptr<LoginDriver> m_login;
  std::map<std::string, CoreSlotOf<DnsUpstreamCore>*> m_resolvers;
  std::map<std::size_t, std::unique_ptr<DnsProbe>> m_dnsProbes;  ///< expectation -> probe
  std::map<uint32_t, std::string> m_dnsView;  ///< node -> the names it last logged
};

/// Judges expectation `i` of the world's spec now (scenario-judge.cc).
JudgedExpectation Judge(ScenarioWorld& world, std::size_t i);
/// Judges a DNS expectation (kResolves, kDnsRcode) now (scenario-dns.cc).
JudgedExpectation JudgeDns(ScenarioWorld& world, std::size_t i);
/// Judges a routes expectation (kRoutes) now (scenario-netconfig.cc).
JudgedExpectation JudgeRoutes(ScenarioWorld& world, std::size_t i);
/// Judges a routed address's probe (kReachesAddress) now (scenario-netconfig.cc).
JudgedExpectation JudgeReachesAddress(ScenarioWorld& world, std::size_t i);

}  // namespace weft::sim
