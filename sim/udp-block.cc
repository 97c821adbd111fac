// A UDP firewall on a simulated link (see udp-block.h).
#include "udp-block.h"

#include "link-device.h"
#include "ns3/abort.h"
#include "ns3/ipv4-header.h"
#include "ns3/ipv4.h"
#include "ns3/net-device.h"
#include "ns3/node.h"
#include "ns3/packet.h"
#include "ns3/point-to-point-net-device.h"
#include "ns3/pointer.h"
#include "ns3/ppp-header.h"

namespace weft::sim {
namespace {
constexpr uint16_t kPppIpv4 = 0x0021;
constexpr uint8_t kUdp = 17;

ns3::Ptr<ns3::NetDevice> device_with_address(const Network& net, ns3::Ipv4Address address) {
  for (uint32_t n = 0; n < net.nodes.GetN(); ++n) {
    ns3::Ptr<ns3::Ipv4> ip = net.nodes.Get(n)->GetObject<ns3::Ipv4>();
    for (uint32_t i = 0; ip && i < ip->GetNInterfaces(); ++i) {
      for (uint32_t j = 0; j < ip->GetNAddresses(i); ++j) {
        if (ip->GetAddress(i, j).GetLocal() == address) return ip->GetNetDevice(i);
      }
    }
  }
  return nullptr;
}
}  // namespace

NS_OBJECT_ENSURE_REGISTERED(UdpBlock);

ns3::TypeId UdpBlock::GetTypeId() {
  static ns3::TypeId tid = ns3::TypeId("weft::sim::UdpBlock")
                               .SetParent<ns3::ErrorModel>()
                               .SetGroupName("Weft")
                               .AddConstructor<UdpBlock>();
  return tid;
}

UdpBlock::UdpBlock() = default;

void UdpBlock::Configure(ns3::Ipv4Address a, ns3::Ipv4Address b, ns3::Ptr<ns3::ErrorModel> inner,
                         bool framed) {
  m_a = a;
  m_b = b;
  m_inner = inner;
  m_framed = framed;
}

bool UdpBlock::DoCorrupt(ns3::Ptr<ns3::Packet> packet) {
  // ErrorModel::IsCorrupt() leaves the enabled test to the model.
  if (m_inner && m_inner->IsCorrupt(packet)) return true;
  if (!IsEnabled()) return false;
  // ns-3's point-to-point device hands its error model the frame, PPP header included; a
  // LinkDevice hands it the IP packet.
  ns3::Ptr<ns3::Packet> copy = packet;
  if (m_framed) {
    copy = packet->Copy();
    ns3::PppHeader ppp;
    if (copy->RemoveHeader(ppp) == 0 || ppp.GetProtocol() != kPppIpv4) return false;
  }
  ns3::Ipv4Header ip;
  if (copy->PeekHeader(ip) == 0 || ip.GetProtocol() != kUdp) return false;
  const ns3::Ipv4Address src = ip.GetSource(), dst = ip.GetDestination();
  if ((src == m_a && dst == m_b) || (src == m_b && dst == m_a)) {
    ++m_dropped;
    return true;
  }
  return false;
}

namespace {
std::array<ns3::Ptr<UdpBlock>, 2> block_on(std::array<ns3::Ptr<ns3::NetDevice>, 2> devices,
                                           ns3::Ipv4Address a, ns3::Ipv4Address b) {
  std::array<ns3::Ptr<UdpBlock>, 2> blocks;
  for (uint32_t end = 0; end < 2; ++end) {
    ns3::PointerValue current;
    devices[end]->GetAttribute("ReceiveErrorModel", current);
    blocks[end] = ns3::CreateObject<UdpBlock>();
    // ns-3's point-to-point device hands its error model PPP frames, a LinkDevice IP packets;
    // no other device is expected (its frames would be misread).
    const bool framed = ns3::DynamicCast<ns3::PointToPointNetDevice>(devices[end]) != nullptr;
    NS_ABORT_MSG_IF(!framed && !ns3::DynamicCast<LinkDevice>(devices[end]),
                    "UdpBlock: the device is neither a point-to-point device nor a LinkDevice");
    blocks[end]->Configure(a, b, current.Get<ns3::ErrorModel>(), framed);
    devices[end]->SetAttribute("ReceiveErrorModel", ns3::PointerValue(blocks[end]));
  }
  return blocks;
}
}  // namespace

std::array<ns3::Ptr<UdpBlock>, 2> BlockUdpBetween(const Network& net, uint32_t link,
                                                  ns3::Ipv4Address a, ns3::Ipv4Address b) {
  NS_ABORT_MSG_IF(link >= net.link_address.size(), "no link " << link);
  std::array<ns3::Ptr<ns3::NetDevice>, 2> devices;
  for (uint32_t end = 0; end < 2; ++end) {
    devices[end] = device_with_address(net, net.link_address[link][end]);
    NS_ABORT_MSG_IF(!devices[end], "link " << link << " has no device at end " << end);
  }
  return block_on(devices, a, b);
}

std::array<ns3::Ptr<UdpBlock>, 2> BlockUdpOnLink(const ShapedLink& link, ns3::Ipv4Address a,
                                                 ns3::Ipv4Address b) {
  return block_on({link.Device(0), link.Device(1)}, a, b);
}

}  // namespace weft::sim
