// The internet's routers with remembered routes (see backbone-router.h).
#include "backbone-router.h"

#include "ns3/ipv4-route.h"
#include "ns3/net-device.h"

namespace weft::sim {

NS_OBJECT_ENSURE_REGISTERED(BackboneRouter);

ns3::TypeId BackboneRouter::GetTypeId() {
  static ns3::TypeId tid = ns3::TypeId("weft::sim::BackboneRouter")
                               .SetParent<InnerStaticRouting>()
                               .SetGroupName("Weft")
                               .AddConstructor<BackboneRouter>();
  return tid;
}

BackboneRouter::BackboneRouter() = default;

void BackboneRouter::Changed() {
  m_learned = false;
  m_own.clear();
  m_interfaceOf.clear();
  m_routes.clear();
}

void BackboneRouter::Learn() {
  for (uint32_t i = 0; i < m_ipv4->GetNInterfaces(); ++i) {
    m_interfaceOf[ns3::PeekPointer(m_ipv4->GetNetDevice(i))] = i;
    for (uint32_t a = 0; a < m_ipv4->GetNAddresses(i); ++a) {
      const ns3::Ipv4InterfaceAddress address = m_ipv4->GetAddress(i, a);
      m_own.insert(address.GetLocal().Get());
      m_own.insert(address.GetBroadcast().Get());
    }
  }
  m_learned = true;
}

ns3::Ptr<ns3::Ipv4Route> BackboneRouter::Route(ns3::Ipv4Address destination) {
  auto it = m_routes.find(destination.Get());
  if (it != m_routes.end()) return it->second;
  // RouteOutput without a packet or an output device is the table's plain longest-prefix
  // lookup, the one RouteInput makes for a packet to forward.
  ++m_lookups;
  ns3::Ipv4Header header;
  header.SetDestination(destination);
  ns3::Socket::SocketErrno error;
  ns3::Ptr<ns3::Ipv4Route> route = m_static->RouteOutput(nullptr, header, nullptr, error);
  m_routes.emplace(destination.Get(), route);
  return route;
}

bool BackboneRouter::RouteInput(ns3::Ptr<const ns3::Packet> p, const ns3::Ipv4Header& header,
                                ns3::Ptr<const ns3::NetDevice> idev, UnicastForwardCallback ucb,
                                MulticastForwardCallback mcb, LocalDeliverCallback lcb,
                                ErrorCallback ecb) {
  if (!m_learned) Learn();
  const ns3::Ipv4Address destination = header.GetDestination();
  // Whatever Ipv4StaticRouting might deliver locally (an address of the node, a broadcast, a
  // multicast group) or refuse is its to decide.
  auto in = m_interfaceOf.find(ns3::PeekPointer(idev));
  if (destination.IsMulticast() || destination.IsBroadcast() ||
      m_own.count(destination.Get()) != 0 || in == m_interfaceOf.end() ||
      !m_ipv4->IsForwarding(in->second)) {
    return m_static->RouteInput(p, header, idev, ucb, mcb, lcb, ecb);
  }
  ns3::Ptr<ns3::Ipv4Route> route = Route(destination);
  if (!route) return false;
  ++m_forwarded;
  ucb(route, p, header);
  return true;
}

void BackboneRouter::DoDispose() {
  Changed();
  InnerStaticRouting::DoDispose();
}

}  // namespace weft::sim
