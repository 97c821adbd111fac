// An ns-3 IPv4 routing protocol around an inner Ipv4StaticRouting: interface and address
// notifications, SetIpv4, RouteOutput, printing and disposal go to the inner table, so that a
// router model (nat-router.h, backbone-router.h) writes RouteInput and what it adds only.
#pragma once

#include <cstdint>

#include "ns3/ipv4-routing-protocol.h"
#include "ns3/ipv4-static-routing.h"
#include "ns3/ipv4.h"

namespace weft::sim {

class InnerStaticRouting : public ns3::Ipv4RoutingProtocol {
 public:
  static ns3::TypeId GetTypeId();
  InnerStaticRouting();

  /// The inner table's route (a router originates little: ICMP errors).
  ns3::Ptr<ns3::Ipv4Route> RouteOutput(ns3::Ptr<ns3::Packet> p, const ns3::Ipv4Header& header,
                                       ns3::Ptr<ns3::NetDevice> oif,
                                       ns3::Socket::SocketErrno& sockerr) override;
  void NotifyInterfaceUp(uint32_t interface) override;
  void NotifyInterfaceDown(uint32_t interface) override;
  void NotifyAddAddress(uint32_t interface, ns3::Ipv4InterfaceAddress address) override;
  void NotifyRemoveAddress(uint32_t interface, ns3::Ipv4InterfaceAddress address) override;
  void SetIpv4(ns3::Ptr<ns3::Ipv4> ipv4) override;
  void PrintRoutingTable(ns3::Ptr<ns3::OutputStreamWrapper> stream,
                         ns3::Time::Unit unit = ns3::Time::S) const override;

 protected:
  void DoDispose() override;
  /// Called after every notification and SetIpv4: the node's interfaces or addresses changed.
  virtual void Changed() {}

  ns3::Ptr<ns3::Ipv4> m_ipv4;
  ns3::Ptr<ns3::Ipv4StaticRouting> m_static;
};

}  // namespace weft::sim
