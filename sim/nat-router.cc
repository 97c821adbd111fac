// A NAT router on ns-3 (see nat-router.h): translation by the pure NatTable, forwarding by an
// inner static routing table.
#include "nat-router.h"

#include <optional>

#include "ns3/abort.h"
#include "ns3/ipv4-route.h"
#include "ns3/net-device.h"
#include "ns3/node.h"
#include "ns3/packet.h"
#include "ns3/simulator.h"
#include "ns3/tcp-header.h"
#include "ns3/udp-header.h"

namespace weft::sim {
namespace {

constexpr uint8_t kTcp = 6, kUdp = 17;

std::optional<NatProtocol> protocol_of(const ns3::Ipv4Header& h) {
  if (h.GetProtocol() == kUdp) return NatProtocol::kUdp;
  if (h.GetProtocol() == kTcp) return NatProtocol::kTcp;
  return std::nullopt;
}

core::Duration now() { return core::Duration(ns3::Simulator::Now().GetNanoSeconds()); }

/// The transport ports of a packet that starts with its UDP or TCP header.
std::optional<std::pair<uint16_t, uint16_t>> ports_of(NatProtocol protocol,
                                                      const ns3::Packet& p) {
  if (protocol == NatProtocol::kUdp) {
    ns3::UdpHeader h;
    if (p.PeekHeader(h) == 0) return std::nullopt;
    return std::make_pair(h.GetSourcePort(), h.GetDestinationPort());
  }
  ns3::TcpHeader h;
  if (p.PeekHeader(h) == 0) return std::nullopt;
  return std::make_pair(h.GetSourcePort(), h.GetDestinationPort());
}

/// A copy of `p` (transport header first) and `ip` moved to `source` -> `destination`.
std::pair<ns3::Ptr<ns3::Packet>, ns3::Ipv4Header> rewrite(NatProtocol protocol,
                                                          const ns3::Packet& p,
                                                          const ns3::Ipv4Header& ip,
                                                          NatEndpoint source,
                                                          NatEndpoint destination) {
  ns3::Ptr<ns3::Packet> copy = p.Copy();
  const ns3::Ipv4Address src(source.address), dst(destination.address);
  if (protocol == NatProtocol::kUdp) {
    ns3::UdpHeader h;
    copy->RemoveHeader(h);
    h.SetSourcePort(source.port);
    h.SetDestinationPort(destination.port);
    if (ns3::Node::ChecksumEnabled()) {
      h.EnableChecksums();
      h.InitializeChecksum(src, dst, kUdp);
    }
    copy->AddHeader(h);
  } else {
    ns3::TcpHeader h;
    copy->RemoveHeader(h);
    h.SetSourcePort(source.port);
    h.SetDestinationPort(destination.port);
    if (ns3::Node::ChecksumEnabled()) {
      h.EnableChecksums();
      h.InitializeChecksum(src, dst, kTcp);
    }
    copy->AddHeader(h);
  }
  ns3::Ipv4Header out = ip;
  out.SetSource(src);
  out.SetDestination(dst);
  return {copy, out};
}

}  // namespace

NS_OBJECT_ENSURE_REGISTERED(NatRouter);

ns3::TypeId NatRouter::GetTypeId() {
  static ns3::TypeId tid = ns3::TypeId("weft::sim::NatRouter")
                               .SetParent<InnerStaticRouting>()
                               .SetGroupName("Weft")
                               .AddConstructor<NatRouter>();
  return tid;
}

NatRouter::NatRouter() = default;

void NatRouter::Configure(const NatConfig& config, uint32_t outside_interface,
                          ns3::Ipv4Address external, ns3::Ipv4Address upstream) {
  m_outside = outside_interface;
  m_external = external;
  m_table = std::make_unique<NatTable>(config, external.Get());
  m_static->SetDefaultRoute(upstream, outside_interface);
}

bool NatRouter::Forward(ns3::Ptr<const ns3::Packet> packet, const ns3::Ipv4Header& header,
                        const UnicastForwardCallback& ucb) {
  ns3::Socket::SocketErrno error;
  ns3::Ptr<ns3::Ipv4Route> route = m_static->RouteOutput(nullptr, header, nullptr, error);
  if (!route) {
    ++m_stats.no_route;
    return false;
  }
  ucb(route, packet, header);
  return true;
}

bool NatRouter::RouteInput(ns3::Ptr<const ns3::Packet> p, const ns3::Ipv4Header& header,
                           ns3::Ptr<const ns3::NetDevice> idev, UnicastForwardCallback ucb,
                           MulticastForwardCallback, LocalDeliverCallback lcb,
                           ErrorCallback) {
  NS_ABORT_MSG_IF(!m_table, "NatRouter used before Configure()");
  const uint32_t iif = static_cast<uint32_t>(m_ipv4->GetInterfaceForDevice(idev));
  const ns3::Ipv4Address dst = header.GetDestination();
  const bool from_outside = iif == m_outside;
  const std::optional<NatProtocol> protocol = protocol_of(header);
  const std::optional<std::pair<uint16_t, uint16_t>> ports =
      protocol ? ports_of(*protocol, *p) : std::nullopt;
  const NatEndpoint source{header.GetSource().Get(), ports ? ports->first : uint16_t{0}};
  const NatEndpoint destination{dst.Get(), ports ? ports->second : uint16_t{0}};

  if (dst == m_external) {
    if (!ports) {
      // Anything else for the router itself (ICMP) is its own.
      if (!lcb.IsNull()) lcb(p, header, iif);
      return true;
    }
    if (from_outside) {
      const NatVerdict v = m_table->Inbound(now(), *protocol, source, destination.port);
      if (!v.endpoint) return false;
      auto [packet, ip] = rewrite(*protocol, *p, header, source, *v.endpoint);
      return Forward(packet, ip, ucb);
    }
    const std::optional<NatTable::Hairpin> h =
        m_table->Hairpinned(now(), *protocol, source, destination.port);
    if (!h) return false;
    auto [packet, ip] = rewrite(*protocol, *p, header, h->translated_source, h->target);
    return Forward(packet, ip, ucb);
  }
  if (m_ipv4->IsDestinationAddress(dst, iif)) {
    if (!lcb.IsNull()) lcb(p, header, iif);
    return true;
  }
  if (from_outside) {
    // Private addresses are not routed on the internet: only what the table maps comes in.
    ++m_stats.unroutable;
    return false;
  }
  ns3::Socket::SocketErrno error;
  ns3::Ptr<ns3::Ipv4Route> route = m_static->RouteOutput(nullptr, header, nullptr, error);
  if (!route) {
    ++m_stats.no_route;
    return false;
  }
  const uint32_t oif = static_cast<uint32_t>(m_ipv4->GetInterfaceForDevice(route->GetOutputDevice()));
  if (oif != m_outside) {
    ++m_stats.inside;
    ucb(route, p, header);
    return true;
  }
  if (!ports) {
    ++m_stats.not_translatable;
    return false;
  }
  const NatVerdict v = m_table->Outbound(now(), *protocol, source, destination);
  if (!v.endpoint) return false;
  auto [packet, ip] = rewrite(*protocol, *p, header, *v.endpoint, destination);
  ucb(route, packet, ip);
  return true;
}

}  // namespace weft::sim
