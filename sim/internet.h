// A simulated internet built from data: public hosts, networks behind NAT routers (RFC 4787,
// nat-router.h) with several hosts each, every access link shaped (link-model.h), and at run time
// links cut, degraded, and hosts moving to another network (roaming: a new address).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backbone-router.h"
#include "core-host.h"
#include "core/path.h"
#include "link-model.h"
#include "link-shape.h"
#include "nat-router.h"
#include "nat-table.h"
#include "ns3/ipv4-address.h"
#include "ns3/node-container.h"
#include "ns3/ptr.h"

namespace weft::sim {

/// A network behind a router: a NAT (or a firewall: NatConfig::block_udp) with its uplink.
struct SiteSpec {
  std::string name;
  NatConfig nat;
  LinkShape link;  ///< the router's uplink to the internet
};

/// A machine: a tailnet node, the coordination server, a relay region's server. `site` is a
/// SiteSpec's name or Internet::kInternet (a public address).
struct HostSpec {
  std::string name;
  std::string site = "internet";
  LinkShape link;  ///< its access link to the site's router (or to the internet)
};

struct InternetSpec {
  std::vector<SiteSpec> sites;
  std::vector<HostSpec> hosts;
};

/// Empty when `spec` can be built; else what is wrong, naming the site or host (duplicate or
/// reserved names, unknown sites, bad link shapes, too many hosts).
std::string internet_spec_error(const InternetSpec& spec);

/// The live network. Shape: one core router, on which every public host and NAT router hangs by
/// its access link, so a path's latency is the sum of its access links'. (Until 2026-12-03 the
/// links hung on access routers, 60 each, joined to the core by 10 Gbps links without delay:
/// two more hops for every packet between them, and no difference in time beyond 2.5 us of
/// serialisation; docs/simulation.md, "Scale".) Public addresses come from 198.18.0.0/15
/// (RFC 2544): 198.18.P.0/24 per block of kLinksPerBlock links; each site's inside from its own
/// 10.0.0.0/8 block (a /20 per site), one /30 per link. Static routes only: inside addresses are
/// not routed on the internet, so only what a NAT maps reaches them.
class Internet {
 public:
  static constexpr const char* kInternet = "internet";
  /// Public /30s per 198.18.P.0/24 (the addresses the earlier access routers had).
  static constexpr uint32_t kLinksPerBlock = 60;
  static constexpr uint32_t kMaxSites = 4096;
  static constexpr uint32_t kMaxHostsPerSite = 1000;

  /// `seed` drives every link's loss and jitter. Aborts when internet_spec_error() is not empty.
  Internet(const InternetSpec& spec, uint64_t seed);
  ~Internet();
  Internet(const Internet&) = delete;
  Internet& operator=(const Internet&) = delete;

  bool HasHost(const std::string& host) const { return m_hosts.count(host) != 0; }
  ns3::Ptr<ns3::Node> Node(const std::string& host) const;
  /// The host's CoreHost (started at 0 s), as topology.h's Network gives one per node.
  ns3::Ptr<CoreHost> Host(const std::string& host) const;
  /// The host's current address: inside its site's block, or public.
  ns3::Ipv4Address Address(const std::string& host) const;
  /// Where the internet sees the host: its NAT's external address, or its own.
  ns3::Ipv4Address PublicAddress(const std::string& host) const;
  core::Path PathOf(const std::string& host, uint16_t port) const;
  /// The site the host is in now (kInternet for a public host).
  const std::string& SiteOf(const std::string& host) const;

  /// A host's access link or a site's uplink (`name` names either); aborts on an unknown name.
  ShapedLink& Link(const std::string& name);
  /// Cut or restore it (the nodes are not told, as with a cut cable).
  void SetLinkDown(const std::string& name, bool down) { Link(name).SetDown(down); }
  /// Degrade it (or restore its first shape): takes effect for the next packet.
  void SetLinkShape(const std::string& name, const LinkShape& shape) { Link(name).SetShape(shape); }

  /// Roaming: `host` leaves its network (its old interface goes down with its routes) and
  /// attaches to `site` with a new link of the same shape and a new address, which it returns.
  /// Observers are told after the move. Aborts on an unknown host or site.
  ns3::Ipv4Address Move(const std::string& host, const std::string& site);
  using MoveObserver = std::function<void(const std::string& host, ns3::Ipv4Address old_address,
                                          ns3::Ipv4Address new_address)>;
  void OnMove(MoveObserver observer) { m_onMove.push_back(std::move(observer)); }

  /// The site's NAT router (its table's counters for checks); nullptr for kInternet.
  NatRouter* Nat(const std::string& site) const;
  /// Every node (routers included), for pcap.
  const ns3::NodeContainer& AllNodes() const { return m_all; }

 private:
  struct Attachment {
    std::unique_ptr<ShapedLink> link;
    uint32_t interface = 0;  ///< on the host (or the NAT router's outside)
    ns3::Ipv4Address address;
  };
  struct HostState {
    ns3::Ptr<ns3::Node> node;
    ns3::Ptr<CoreHost> host;
    std::string site;
    LinkShape shape;
    std::vector<Attachment> attachments;  ///< the last one is current
  };
  struct SiteState {
    ns3::Ptr<ns3::Node> router;
    ns3::Ptr<NatRouter> nat;
    Attachment uplink;
    uint32_t index = 0;       ///< its 10.0.0.0/8 block
    uint32_t next_link = 0;   ///< /30s handed out inside
  };
  ns3::Ptr<ns3::Node> NewNode();
  /// Attaches `node` to the internet with a shaped link: a public /30, default route upstream.
  Attachment AttachPublic(ns3::Ptr<ns3::Node> node, const LinkShape& shape, bool set_default);
  Attachment AttachInside(SiteState& site, ns3::Ptr<ns3::Node> node, const LinkShape& shape);
  uint64_t NextLinkSeed() { return m_seed * 1000003 + m_links++; }

  uint64_t m_seed;
  uint64_t m_links = 0;
  ns3::NodeContainer m_all;
  ns3::Ptr<ns3::Node> m_core;
  uint32_t m_publicLinks = 0;  ///< public /30s handed out
  std::map<std::string, SiteState> m_sites;
  std::map<std::string, HostState> m_hosts;
  std::vector<MoveObserver> m_onMove;
};

}  // namespace weft::sim
