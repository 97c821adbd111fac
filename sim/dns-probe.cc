// The scenario's DNS client (dns-probe.h).
#include "dns-probe.h"

#include "dns/message.h"
#include "dns/resolver.h"
#include "ns3/inet-socket-address.h"
#include "ns3/ipv4-static-routing-helper.h"
#include "ns3/ipv4.h"
#include "ns3/simulator.h"
#include "ns3/udp-socket-factory.h"

namespace weft::sim {
namespace {

/// Skips a name at `at` (labels, ending in a zero byte or a compression pointer); false when it
/// runs past `size`.
bool skip_name(const uint8_t* d, std::size_t size, std::size_t& at) {
  while (at < size) {
    const uint8_t len = d[at];
    if ((len & 0xC0) == 0xC0) {
      at += 2;
      return at <= size;
    }
    at += 1 + len;
    if (len == 0) return at <= size;
  }
  return false;
}

}  // namespace

std::vector<util::IpAddress> a_records(const uint8_t* d, std::size_t size) {
  std::vector<util::IpAddress> out;
  if (size < dns::kHeaderSize || (d[4] << 8 | d[5]) != 1) return out;
  const unsigned answers = d[6] << 8 | d[7];
  std::size_t at = dns::kHeaderSize;
  if (!skip_name(d, size, at) || at + 4 > size) return out;
  at += 4;
  for (unsigned i = 0; i < answers; ++i) {
    if (!skip_name(d, size, at) || at + 10 > size) return out;
    const unsigned type = d[at] << 8 | d[at + 1];
    const std::size_t length = d[at + 8] << 8 | d[at + 9];
    at += 10;
    if (at + length > size) return out;
    if (type == dns::kTypeA && length == 4) {
      out.push_back(util::IpAddress::v4({d[at], d[at + 1], d[at + 2], d[at + 3]}));
    }
    at += length;
  }
  return out;
}

void AddMagicDnsAddress(ns3::Ptr<ns3::Node> node) {
  const ns3::Ipv4Address address(dns::kMagicDnsAddress);
  ns3::Ptr<ns3::Ipv4> ipv4 = node->GetObject<ns3::Ipv4>();
  // Interface 0 is the loopback in every ns-3 IPv4 stack.
  for (uint32_t i = 0; i < ipv4->GetNAddresses(0); ++i) {
    if (ipv4->GetAddress(0, i).GetLocal() == address) return;
  }
  // A /31, not a /32: ns-3's UDP socket refuses to send to an interface address's broadcast
  // address, and a /32's broadcast address is the address itself.
  ipv4->AddAddress(0, ns3::Ipv4InterfaceAddress(address, ns3::Ipv4Mask("255.255.255.254")));
  ns3::Ipv4StaticRoutingHelper helper;
  helper.GetStaticRouting(ipv4)->AddHostRouteTo(address, 0);
}

DnsProbe::~DnsProbe() {
  if (m_socket) {
    m_socket->SetRecvCallback(ns3::MakeNullCallback<void, ns3::Ptr<ns3::Socket>>());
    m_socket->Close();
  }
}

void DnsProbe::Send(ns3::Ptr<ns3::Node> node, const std::string& name, uint16_t id) {
  m_socket = ns3::Socket::CreateSocket(node, ns3::UdpSocketFactory::GetTypeId());
  m_socket->Bind();
  m_socket->SetRecvCallback(ns3::MakeCallback(&DnsProbe::HandleRead, this));
  m_query = dns::build_query(id, name, dns::kTypeA);
  ns3::Ptr<ns3::Packet> packet =
      ns3::Create<ns3::Packet>(m_query.data(), static_cast<uint32_t>(m_query.size()));
  m_socket->SendTo(packet, 0, ns3::InetSocketAddress(ns3::Ipv4Address(dns::kMagicDnsAddress), 53));
  m_sent = ns3::Simulator::Now();
}

void DnsProbe::HandleRead(ns3::Ptr<ns3::Socket> socket) {
  ns3::Address from;
  const dns::ParsedQuery query =
      dns::parse_query(core::ByteView{m_query.data(), m_query.size()});
  while (ns3::Ptr<ns3::Packet> packet = socket->RecvFrom(from)) {
    std::vector<uint8_t> bytes(packet->GetSize());
    packet->CopyData(bytes.data(), static_cast<uint32_t>(bytes.size()));
    if (m_answeredAt || !query.query ||
        !dns::answers(*query.query, core::ByteView{bytes.data(), bytes.size()})) {
      ++m_strays;
      continue;
    }
    m_answeredAt = ns3::Simulator::Now();
    m_rcode = static_cast<uint8_t>(bytes[3] & 0x0F);
    m_addresses = a_records(bytes.data(), bytes.size());
  }
}

}  // namespace weft::sim
