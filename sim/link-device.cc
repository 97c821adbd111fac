// Point-to-point links at one event per packet and hop (see link-device.h).
#include "link-device.h"

#include <algorithm>

#include "ns3/abort.h"
#include "ns3/node.h"
#include "ns3/packet.h"
#include "ns3/pointer.h"
#include "ns3/ppp-header.h"
#include "ns3/simulator.h"
#include "ns3/trace-helper.h"

namespace weft::sim {

double unit_draw(core::SeededRandom& random) {
  return static_cast<double>(random.next() >> 11) * 0x1.0p-53;
}

namespace {

/// The PPP header a real point-to-point link carries (ns-3's device adds it to every frame).
constexpr uint32_t kPppHeaderBytes = 2;

uint16_t ppp_protocol(uint16_t ether_type) {
  switch (ether_type) {
    case 0x0800: return 0x0021;  // IPv4
    case 0x86DD: return 0x0057;  // IPv6
    default: return 0;
  }
}

}  // namespace

NS_OBJECT_ENSURE_REGISTERED(LinkChannel);
NS_OBJECT_ENSURE_REGISTERED(LinkDevice);

ns3::TypeId LinkChannel::GetTypeId() {
  static ns3::TypeId tid = ns3::TypeId("weft::sim::LinkChannel")
                               .SetParent<ns3::Channel>()
                               .SetGroupName("Weft")
                               .AddConstructor<LinkChannel>();
  return tid;
}

LinkChannel::LinkChannel() = default;

void LinkChannel::SetShape(std::chrono::nanoseconds latency, std::chrono::nanoseconds jitter) {
  m_latency = latency;
  m_jitter = jitter;
}

ns3::Time LinkChannel::NextDelay() {
  if (m_jitter.count() <= 0) return ns3::NanoSeconds(m_latency.count());
  const double offset = (2 * unit_draw(m_random) - 1) * static_cast<double>(m_jitter.count());
  return ns3::NanoSeconds(std::max<int64_t>(0, m_latency.count() + static_cast<int64_t>(offset)));
}

void LinkChannel::Attach(ns3::Ptr<LinkDevice> device) {
  NS_ABORT_MSG_IF(m_attached == m_ends.size(), "a link has two ends");
  m_ends[m_attached++] = device;
}

ns3::Ptr<LinkDevice> LinkChannel::Peer(const LinkDevice* device) const {
  if (m_attached < 2) return nullptr;
  return ns3::PeekPointer(m_ends[0]) == device ? m_ends[1] : m_ends[0];
}

std::size_t LinkChannel::GetNDevices() const { return m_attached; }

ns3::Ptr<ns3::NetDevice> LinkChannel::GetDevice(std::size_t i) const {
  return i < m_attached ? m_ends[i] : nullptr;
}

void LinkChannel::DoDispose() {
  m_ends = {};
  m_attached = 0;
  ns3::Channel::DoDispose();
}

ns3::TypeId LinkDevice::GetTypeId() {
  static ns3::TypeId tid =
      ns3::TypeId("weft::sim::LinkDevice")
          .SetParent<ns3::NetDevice>()
          .SetGroupName("Weft")
          .AddConstructor<LinkDevice>()
          // UdpBlock reads and replaces it by name, as on ns-3's point-to-point device.
          .AddAttribute("ReceiveErrorModel", "Loses packets as they arrive.",
                        ns3::PointerValue(),
                        ns3::MakePointerAccessor(&LinkDevice::m_receiveErrorModel),
                        ns3::MakePointerChecker<ns3::ErrorModel>());
  return tid;
}

LinkDevice::LinkDevice() = default;

void LinkDevice::Attach(ns3::Ptr<LinkChannel> channel) {
  m_channel = channel;
  channel->Attach(this);
}

ns3::Ptr<ns3::Channel> LinkDevice::GetChannel() const { return m_channel; }

void LinkDevice::SetAddress(ns3::Address address) {
  m_address = ns3::Mac48Address::ConvertFrom(address);
}

bool LinkDevice::SetMtu(const uint16_t mtu) {
  m_mtu = mtu;
  return true;
}

ns3::Address LinkDevice::GetBroadcast() const { return ns3::Mac48Address::GetBroadcast(); }

ns3::Address LinkDevice::GetMulticast(ns3::Ipv4Address) const {
  return ns3::Mac48Address("01:00:5e:00:00:00");
}

ns3::Address LinkDevice::GetMulticast(ns3::Ipv6Address) const {
  return ns3::Mac48Address("33:33:00:00:00:00");
}

bool LinkDevice::Send(ns3::Ptr<ns3::Packet> packet, const ns3::Address&, uint16_t protocolNumber) {
  ns3::Ptr<LinkDevice> peer = m_channel ? m_channel->Peer(this) : nullptr;
  if (!peer) return false;
  const ns3::Time now = ns3::Simulator::Now();
  while (!m_waiting.empty() && m_waiting.front() <= now) m_waiting.pop_front();
  const ns3::Time start = std::max(now, m_busyUntil);
  if (start > now) {
    if (m_waiting.size() == kQueuePackets) {
      ++m_lostToQueue;
      return false;
    }
    m_waiting.push_back(start);
  }
  m_busyUntil = start + m_rate.CalculateBytesTxTime(packet->GetSize() + kPppHeaderBytes);
  if (m_pcap) WritePcap(packet, protocolNumber);
  ns3::Simulator::ScheduleWithContext(peer->GetNode()->GetId(),
                                      m_busyUntil + m_channel->NextDelay() - now,
                                      &LinkDevice::Receive, peer, packet->Copy(), protocolNumber);
  return true;
}

void LinkDevice::Receive(ns3::Ptr<ns3::Packet> packet, uint16_t protocol) {
  if (m_receiveErrorModel && m_receiveErrorModel->IsCorrupt(packet)) return;
  if (m_pcap) WritePcap(packet, protocol);
  ns3::Ptr<LinkDevice> peer = m_channel ? m_channel->Peer(this) : nullptr;
  const ns3::Address from = peer ? peer->GetAddress() : ns3::Address(m_address);
  if (!m_promiscCallback.IsNull()) {
    m_promiscCallback(this, packet, protocol, from, m_address, ns3::NetDevice::PACKET_HOST);
  }
  if (m_ipv4 && protocol == ns3::Ipv4L3Protocol::PROT_NUMBER) {
    m_ipv4->Receive(this, packet, protocol, from, m_address, ns3::NetDevice::PACKET_HOST);
    return;
  }
  if (!m_rxCallback.IsNull()) m_rxCallback(this, packet, protocol, from);
}

void LinkDevice::WritePcap(ns3::Ptr<const ns3::Packet> packet, uint16_t protocol) const {
  ns3::PppHeader ppp;
  ppp.SetProtocol(ppp_protocol(protocol));
  m_pcap->Write(ns3::Simulator::Now(), ppp, packet);
}

void LinkDevice::DoDispose() {
  m_node = nullptr;
  m_channel = nullptr;
  m_receiveErrorModel = nullptr;
  m_pcap = nullptr;
  m_ipv4 = nullptr;
  m_rxCallback = ReceiveCallback();
  m_promiscCallback = PromiscReceiveCallback();
  ns3::NetDevice::DoDispose();
}

void CaptureLink(const std::string& prefix, ns3::Ptr<ns3::NetDevice> device) {
  ns3::Ptr<LinkDevice> link = ns3::DynamicCast<LinkDevice>(device);
  if (!link) return;
  ns3::PcapHelper helper;
  link->Capture(helper.CreateFile(helper.GetFilenameFromDevice(prefix, device), std::ios::out,
                                  ns3::PcapHelper::DLT_PPP));
}

void CaptureLinks(const std::string& prefix, const ns3::NodeContainer& nodes) {
  for (auto n = nodes.Begin(); n != nodes.End(); ++n) {
    for (uint32_t i = 0; i < (*n)->GetNDevices(); ++i) CaptureLink(prefix, (*n)->GetDevice(i));
  }
}

}  // namespace weft::sim
