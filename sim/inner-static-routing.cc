// A routing protocol around an inner static table (see inner-static-routing.h).
#include "inner-static-routing.h"

namespace weft::sim {

NS_OBJECT_ENSURE_REGISTERED(InnerStaticRouting);

ns3::TypeId InnerStaticRouting::GetTypeId() {
  static ns3::TypeId tid = ns3::TypeId("weft::sim::InnerStaticRouting")
                               .SetParent<ns3::Ipv4RoutingProtocol>()
                               .SetGroupName("Weft");
  return tid;
}

InnerStaticRouting::InnerStaticRouting()
    : m_static(ns3::CreateObject<ns3::Ipv4StaticRouting>()) {}

ns3::Ptr<ns3::Ipv4Route> InnerStaticRouting::RouteOutput(ns3::Ptr<ns3::Packet> p,
                                                         const ns3::Ipv4Header& header,
                                                         ns3::Ptr<ns3::NetDevice> oif,
                                                         ns3::Socket::SocketErrno& sockerr) {
  return m_static->RouteOutput(p, header, oif, sockerr);
}

void InnerStaticRouting::NotifyInterfaceUp(uint32_t interface) {
  m_static->NotifyInterfaceUp(interface);
  Changed();
}

void InnerStaticRouting::NotifyInterfaceDown(uint32_t interface) {
  m_static->NotifyInterfaceDown(interface);
  Changed();
}

void InnerStaticRouting::NotifyAddAddress(uint32_t interface, ns3::Ipv4InterfaceAddress address) {
  m_static->NotifyAddAddress(interface, address);
  Changed();
}

void InnerStaticRouting::NotifyRemoveAddress(uint32_t interface,
                                             ns3::Ipv4InterfaceAddress address) {
  m_static->NotifyRemoveAddress(interface, address);
  Changed();
}

void InnerStaticRouting::SetIpv4(ns3::Ptr<ns3::Ipv4> ipv4) {
  m_ipv4 = ipv4;
  m_static->SetIpv4(ipv4);
  Changed();
}

void InnerStaticRouting::PrintRoutingTable(ns3::Ptr<ns3::OutputStreamWrapper> stream,
                                           ns3::Time::Unit unit) const {
  m_static->PrintRoutingTable(stream, unit);
}

void InnerStaticRouting::DoDispose() {
  m_static->Dispose();
  m_static = nullptr;
  m_ipv4 = nullptr;
  ns3::Ipv4RoutingProtocol::DoDispose();
}

}  // namespace weft::sim
