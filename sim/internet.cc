// A simulated internet with NAT'd sites and shaped links, built from data (see internet.h).
#include "internet.h"

#include <set>

#include "core-conversions.h"
#include "ns3/abort.h"
#include "ns3/inet-socket-address.h"
#include "ns3/internet-stack-helper.h"
#include "ns3/ipv4-static-routing-helper.h"
#include "ns3/ipv4.h"

namespace weft::sim {
namespace {

constexpr uint32_t kPublicBase = 0xC6120000;  // 198.18.0.0: 198.18.P.0/24 per public block
constexpr uint32_t kInsideBase = 0x0A000000;  // 10.0.0.0: a /20 per site
constexpr uint32_t kMaxPublicBlocks = 512;    // all of 198.18.0.0/15
constexpr uint32_t kSiteBlock = 4096;

ns3::Ptr<ns3::Ipv4StaticRouting> static_routing(ns3::Ptr<ns3::Node> node) {
  ns3::Ipv4StaticRoutingHelper helper;
  return helper.GetStaticRouting(node->GetObject<ns3::Ipv4>());
}

/// Adds `device` to the node's IPv4 with `address`/30, up; IPv4 packets arriving on it go straight
/// to that IPv4 (LinkDevice::DeliverTo).
uint32_t add_interface(ns3::Ptr<ns3::Node> node, ns3::Ptr<LinkDevice> device,
                       ns3::Ipv4Address address) {
  ns3::Ptr<ns3::Ipv4> ip = node->GetObject<ns3::Ipv4>();
  const int32_t i = ip->AddInterface(device);
  device->DeliverTo(node->GetObject<ns3::Ipv4L3Protocol>());
  ip->AddAddress(i, ns3::Ipv4InterfaceAddress(address, ns3::Ipv4Mask("255.255.255.252")));
  ip->SetMetric(i, 1);
  ip->SetUp(i);
  return static_cast<uint32_t>(i);
}

}  // namespace

std::string internet_spec_error(const InternetSpec& spec) {
  std::set<std::string> names;
  std::map<std::string, uint32_t> hosts_per_site;
  if (spec.sites.size() > Internet::kMaxSites) {
    return "more than " + std::to_string(Internet::kMaxSites) + " sites";
  }
  for (const SiteSpec& s : spec.sites) {
    if (s.name.empty() || s.name == Internet::kInternet) {
      return "site \"" + s.name + "\": the name is empty or reserved";
    }
    if (!names.insert(s.name).second) return "site \"" + s.name + "\": the name is taken";
    const std::string e = link_shape_error(s.link);
    if (!e.empty()) return "site \"" + s.name + "\": " + e;
    hosts_per_site[s.name] = 0;
  }
  uint32_t public_links = static_cast<uint32_t>(spec.sites.size());
  for (const HostSpec& h : spec.hosts) {
    if (h.name.empty() || h.name == Internet::kInternet) {
      return "host \"" + h.name + "\": the name is empty or reserved";
    }
    if (!names.insert(h.name).second) return "host \"" + h.name + "\": the name is taken";
    const std::string e = link_shape_error(h.link);
    if (!e.empty()) return "host \"" + h.name + "\": " + e;
    if (h.site == Internet::kInternet) {
      ++public_links;
    } else if (hosts_per_site.count(h.site) == 0) {
      return "host \"" + h.name + "\": no site \"" + h.site + "\"";
    } else if (++hosts_per_site[h.site] > Internet::kMaxHostsPerSite) {
      return "site \"" + h.site + "\": more than " + std::to_string(Internet::kMaxHostsPerSite) +
             " hosts";
    }
  }
  if (public_links > kMaxPublicBlocks * Internet::kLinksPerBlock) {
    return "too many public hosts and sites";
  }
  return {};
}

Internet::Internet(const InternetSpec& spec, uint64_t seed) : m_seed(seed) {
  const std::string error = internet_spec_error(spec);
  NS_ABORT_MSG_IF(!error.empty(), "internet: " << error);
  // The core forwards through BackboneRouter, installed before its interfaces exist.
  m_core = NewNode();
  m_core->GetObject<ns3::Ipv4>()->SetRoutingProtocol(ns3::CreateObject<BackboneRouter>());
  uint32_t index = 0;
  for (const SiteSpec& s : spec.sites) {
    SiteState& site = m_sites[s.name];
    site.index = index++;
    site.router = NewNode();
    site.nat = ns3::CreateObject<NatRouter>();
    site.router->GetObject<ns3::Ipv4>()->SetRoutingProtocol(site.nat);
    site.uplink = AttachPublic(site.router, s.link, false);
    site.nat->Configure(s.nat, site.uplink.interface, site.uplink.address,
                        ns3::Ipv4Address(site.uplink.address.Get() - 1));
  }
  for (const HostSpec& h : spec.hosts) {
    HostState& host = m_hosts[h.name];
    host.node = NewNode();
    host.site = h.site;
    host.shape = h.link;
    host.attachments.push_back(h.site == kInternet
                                   ? AttachPublic(host.node, h.link, true)
                                   : AttachInside(m_sites.at(h.site), host.node, h.link));
    host.host = ns3::CreateObject<CoreHost>();
    host.node->AddApplication(host.host);
    host.host->SetStartTime(ns3::Seconds(0));
  }
}

Internet::~Internet() = default;

ns3::Ptr<ns3::Node> Internet::NewNode() {
  ns3::Ptr<ns3::Node> node = ns3::CreateObject<ns3::Node>();
  ns3::InternetStackHelper internet;
  ns3::Ipv4StaticRoutingHelper routing;
  internet.SetRoutingHelper(routing);
  internet.SetIpv6StackInstall(false);
  internet.Install(node);
  m_all.Add(node);
  return node;
}

Internet::Attachment Internet::AttachPublic(ns3::Ptr<ns3::Node> node, const LinkShape& shape,
                                            bool set_default) {
  const uint32_t k = m_publicLinks / kLinksPerBlock;
  NS_ABORT_MSG_IF(k == kMaxPublicBlocks, "internet: no public address left");
  const uint32_t base = kPublicBase + 256 * k + 4 * (m_publicLinks++ % kLinksPerBlock);
  Attachment a;
  a.link = std::make_unique<ShapedLink>(m_core, node, shape, NextLinkSeed());
  add_interface(m_core, a.link->Device(0), ns3::Ipv4Address(base + 1));
  a.address = ns3::Ipv4Address(base + 2);
  a.interface = add_interface(node, a.link->Device(1), a.address);
  if (set_default) static_routing(node)->SetDefaultRoute(ns3::Ipv4Address(base + 1), a.interface);
  return a;
}

Internet::Attachment Internet::AttachInside(SiteState& site, ns3::Ptr<ns3::Node> node,
                                            const LinkShape& shape) {
  NS_ABORT_MSG_IF(site.next_link == kSiteBlock / 4, "internet: a site ran out of addresses");
  const uint32_t base = kInsideBase + kSiteBlock * site.index + 4 * site.next_link++;
  Attachment a;
  a.link = std::make_unique<ShapedLink>(site.router, node, shape, NextLinkSeed());
  add_interface(site.router, a.link->Device(0), ns3::Ipv4Address(base + 1));
  a.address = ns3::Ipv4Address(base + 2);
  a.interface = add_interface(node, a.link->Device(1), a.address);
  static_routing(node)->SetDefaultRoute(ns3::Ipv4Address(base + 1), a.interface);
  return a;
}

ns3::Ptr<ns3::Node> Internet::Node(const std::string& host) const { return m_hosts.at(host).node; }

ns3::Ptr<CoreHost> Internet::Host(const std::string& host) const { return m_hosts.at(host).host; }

ns3::Ipv4Address Internet::Address(const std::string& host) const {
  return m_hosts.at(host).attachments.back().address;
}

ns3::Ipv4Address Internet::PublicAddress(const std::string& host) const {
  const HostState& h = m_hosts.at(host);
  if (h.site == kInternet) return h.attachments.back().address;
  return m_sites.at(h.site).uplink.address;
}

core::Path Internet::PathOf(const std::string& host, uint16_t port) const {
  return to_path(ns3::InetSocketAddress(Address(host), port));
}

const std::string& Internet::SiteOf(const std::string& host) const {
  return m_hosts.at(host).site;
}

ShapedLink& Internet::Link(const std::string& name) {
  if (auto h = m_hosts.find(name); h != m_hosts.end()) return *h->second.attachments.back().link;
  auto s = m_sites.find(name);
  NS_ABORT_MSG_IF(s == m_sites.end(), "internet: no host or site \"" << name << "\"");
  return *s->second.uplink.link;
}

ns3::Ipv4Address Internet::Move(const std::string& host, const std::string& site) {
  auto it = m_hosts.find(host);
  NS_ABORT_MSG_IF(it == m_hosts.end(), "internet: no host \"" << host << "\"");
  NS_ABORT_MSG_IF(site != kInternet && m_sites.count(site) == 0,
                  "internet: no site \"" << site << "\"");
  HostState& h = it->second;
  Attachment& old = h.attachments.back();
  const ns3::Ipv4Address old_address = old.address;
  // The old interface's routes go with it; the host's sockets pick the new address.
  h.node->GetObject<ns3::Ipv4>()->SetDown(old.interface);
  old.link->SetDown(true);
  h.attachments.push_back(site == kInternet ? AttachPublic(h.node, h.shape, true)
                                            : AttachInside(m_sites.at(site), h.node, h.shape));
  h.site = site;
  const ns3::Ipv4Address new_address = h.attachments.back().address;
  for (const MoveObserver& observer : m_onMove) observer(host, old_address, new_address);
  return new_address;
}

NatRouter* Internet::Nat(const std::string& site) const {
  auto it = m_sites.find(site);
  return it == m_sites.end() ? nullptr : ns3::PeekPointer(it->second.nat);
}

}  // namespace weft::sim
