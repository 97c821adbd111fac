// A small tailnet on ns-3, shared by sim/relay_path and sim/disco_path: the unchanged coordinator,
// relay server core and STUN core, and two unchanged node engines a and b on a star of 5 ms links,
// with numbered tunnel traffic both ways checked byte for byte and the way each packet came in.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "control-link.h"
#include "coordinator-app.h"
#include "engine-core.h"
#include "ipv4-packet.h"
#include "ns3/nstime.h"
#include "relay-driver.h"
#include "relay-server-app.h"
#include "run-digest.h"
#include "scenario.h"
#include "stun-core.h"
#include "topology.h"
#include "tunnel-traffic.h"
#include "udp-block.h"

namespace weft::sim {

/// One direction of tunnel traffic: packet `seq` is TrafficPattern::Make(seq), sent at sent[seq];
/// each delivery is checked byte for byte and remembers whether a relay brought it.
struct TailnetFlow {
  std::optional<TrafficPattern> pattern;  ///< once both tunnel addresses are known
  std::vector<ns3::Time> sent;
  std::vector<std::optional<ns3::Time>> delivered;
  std::vector<bool> relayed;  ///< per delivered packet: it came through a relay
  std::vector<uint32_t> arrivals;  ///< the delivered packets' numbers in arrival order
  uint32_t bad = 0;
  uint32_t duplicates = 0;

  /// Hands the next packet (the pattern must be set) to `node`'s engine as its TUN would, and
  /// records it as sent now.
  void SendNext(CoreSlotOf<EngineCore>& node);
  /// Checks a delivered tunnel packet against the pattern and records it (relayed or not);
  /// counts it as bad or a duplicate otherwise.
  void Receive(const std::vector<uint8_t>& packet, bool relayed);

  /// Packets sent in [from, to) and how many of them were delivered.
  std::pair<uint32_t, uint32_t> Count(ns3::Time from, ns3::Time to) const;
  /// Of the packets sent in [from, to) and delivered: how many came through a relay.
  uint32_t CountRelayed(ns3::Time from, ns3::Time to) const;
  /// Of the packets sent in [from, to) and delivered: how many arrived after a later-numbered
  /// one of them (0: in order).
  uint32_t CountLate(ns3::Time from, ns3::Time to) const;
  /// The first delivery of a packet sent at or after `from`.
  std::optional<ns3::Time> FirstDeliveryOfSentAfter(ns3::Time from) const;
  /// The longest time in [from, to] without a delivery (measured from `from`, between
  /// deliveries, and up to `to`).
  ns3::Time LongestGap(ns3::Time from, ns3::Time to) const;
};

/// The engine's own IPv4 tunnel address from its netmap; nullopt before it has one.
std::optional<Ipv4> tunnel_address(const engine::Engine& engine);

/// "N of M delivered" for a Count() result.
std::string count_text(std::pair<uint32_t, uint32_t> c);

/// One node: its engine's slot and the drivers of its control and relay surfaces.
struct TailnetNode {
  std::string name;
  uint32_t index = 0;
  CoreSlotOf<EngineCore>* slot = nullptr;
  std::unique_ptr<ControlLink> control;
  std::unique_ptr<RelayDriver> relay;
  uint64_t registrations = 0;
  /// The datagram being received now came through a relay (else from the node's UDP socket).
  bool receiving_relayed = false;

  engine::Engine& Engine() const { return slot->GetCore().Engine(); }
  engine::EngineStatus Status() const;
  /// `other` as this node's engine shows it; nullopt while it is not a peer.
  std::optional<engine::PeerStatus> PeerOf(const TailnetNode& other) const;
  std::optional<Ipv4> TunnelAddress() const;
};

/// What differs between the scenarios built on RelayTailnet.
struct TailnetOptions {
  /// Outages of the star's links (RelayTailnet::kRelayLink, ...).
  std::vector<OutageSpec> outages;
  /// Whether UDP between a and b passes at the start (SetDirectUdp changes it later).
  bool direct_udp = false;
};

/// The coordinator (policy a <-> b, relay map: region kRegion "sim" with one relay node), the
/// relay node (relay::Server on TCP kRelayPort, STUN on kStunPort), and a and b registered with
/// tags, their engines reporting their simulated address (kWgPort) as their endpoint. Every key
/// and random draw derives from the seed.
class RelayTailnet {
 public:
  static constexpr uint32_t kServer = 0, kRelay = 1, kA = 2, kB = 3, kRouter = 4;
  /// Links in star order: the server's, the relay's, a's, b's (each to the router).
  static constexpr uint32_t kServerLink = 0, kRelayLink = 1, kALink = 2, kBLink = 3;
  static constexpr uint16_t kControlPort = 443;
  static constexpr uint16_t kRelayPort = 80;
  static constexpr uint16_t kStunPort = 3478;
  static constexpr uint16_t kWgPort = 41641;
  static constexpr uint16_t kRegion = 7;
  static constexpr const char* kRegionCode = "sim";

  RelayTailnet(uint64_t seed, const TailnetOptions& options);
  RelayTailnet(const RelayTailnet&) = delete;
  RelayTailnet& operator=(const RelayTailnet&) = delete;

  /// a -> b every `interval` from `start` until `end`, b -> a half an interval later. Flows in
  /// lockstep would start both WireGuard handshakes at one instant every RekeyTimeout: each
  /// initiation replaces the other's and neither response finds its handshake.
  void ScheduleTraffic(ns3::Time start, ns3::Time end, ns3::Time interval);
  /// Lets UDP between a and b pass (true) or loses it at either end of b's link (false).
  void SetDirectUdp(bool pass);
  /// UDP datagrams between a and b lost so far.
  uint64_t DirectUdpDropped() const;

  /// `from`'s endpoint for `to` is a relayed path in kRegion, both homed there; appends what
  /// was seen to `detail`.
  bool RelayedVia(const TailnetNode& from, const TailnetNode& to, std::string* detail) const;

  /// Expectations both scenarios judge at `at`: registered peers, the home region and its
  /// link, the netcheck's STUN measurement.
  std::vector<Expectation> SetupExpectations(ns3::Time at);
  /// Judged at the end: every slot healthy.
  Expectation HealthyExpectation();

  /// Per node relay driver and engine counters, the relay's and STUN's, the wire digest.
  void PrintSummary() const;
  /// Closes the streams while the simulator still exists (their sockets and timers are ns-3's).
  void Shutdown();

  TailnetNode& A() { return m_a; }
  TailnetNode& B() { return m_b; }
  const TailnetNode& A() const { return m_a; }
  const TailnetNode& B() const { return m_b; }
  /// a -> b and b -> a.
  TailnetFlow& Ab() { return m_ab; }
  TailnetFlow& Ba() { return m_ba; }
  const RelayServerApp& Relay() const { return *m_relay; }
  const CoreSlotOf<StunCore>& Stun() const { return *m_stun; }
  const Network& Net() const { return m_net; }
  RunDigest& Digest() { return m_digest; }

 private:
  void AddNode(TailnetNode& n, uint32_t index, const std::string& name,
               const engine::EngineConfig& config);
  void OnDeliver(TailnetNode& to, ns3::Ptr<const ns3::Packet> packet);
  void Send(TailnetFlow& flow, TailnetNode& from, const TailnetNode& to, uint16_t src_port);

  uint64_t m_seed;
  Network m_net;
  std::array<ns3::Ptr<UdpBlock>, 2> m_block;
  ns3::Ptr<CoordinatorApp> m_server;
  ns3::Ptr<RelayServerApp> m_relay;
  CoreSlotOf<StunCore>* m_stun = nullptr;
  TailnetNode m_a, m_b;
  TailnetFlow m_ab, m_ba;
  RunDigest m_digest;
};

}  // namespace weft::sim
