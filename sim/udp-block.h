// A firewall on a simulated link: every UDP datagram between two addresses is lost at either end
// of the link, while TCP and other UDP pass. Two nodes so separated reach each other only through
// a third (a relay), whatever the routes say.
#pragma once

#include <array>
#include <cstdint>

#include "link-model.h"
#include "ns3/error-model.h"
#include "ns3/ipv4-address.h"
#include "ns3/ptr.h"
#include "topology.h"

namespace weft::sim {

/// A receive error model that drops UDP between `a` and `b` (both directions) and hands every
/// other packet to the model it replaced (a link's outage keeps working).
class UdpBlock : public ns3::ErrorModel {
 public:
  static ns3::TypeId GetTypeId();
  UdpBlock();

  /// `framed`: the device hands its error model PPP frames (ns-3's point-to-point device), not
  /// IP packets (a LinkDevice).
  void Configure(ns3::Ipv4Address a, ns3::Ipv4Address b, ns3::Ptr<ns3::ErrorModel> inner,
                 bool framed);
  /// UDP datagrams dropped so far.
  uint64_t Dropped() const { return m_dropped; }

 private:
  bool DoCorrupt(ns3::Ptr<ns3::Packet> packet) override;
  void DoReset() override {}

  ns3::Ipv4Address m_a;
  ns3::Ipv4Address m_b;
  ns3::Ptr<ns3::ErrorModel> m_inner;
  bool m_framed = true;
  uint64_t m_dropped = 0;
};

/// Installs a UdpBlock between `a` and `b` on both ends of link `link` of `net` (found by the
/// link's addresses); returns the two models. Aborts when the link's devices are not found.
std::array<ns3::Ptr<UdpBlock>, 2> BlockUdpBetween(const Network& net, uint32_t link,
                                                  ns3::Ipv4Address a, ns3::Ipv4Address b);
/// The same on both ends of a shaped link (Internet::Link); its cuts and loss keep working.
std::array<ns3::Ptr<UdpBlock>, 2> BlockUdpOnLink(const ShapedLink& link, ns3::Ipv4Address a,
                                                 ns3::Ipv4Address b);

}  // namespace weft::sim
