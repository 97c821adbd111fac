// The two-node point-to-point network shared by harness programs (see two-node-network.h).
#include "two-node-network.h"

#include "core-conversions.h"
#include "ns3/internet-stack-helper.h"
#include "ns3/ipv4-address-helper.h"
#include "ns3/point-to-point-helper.h"
#include "ns3/string.h"
#include "ns3/uinteger.h"

namespace weft::sim {

TwoNodeNetwork build_two_node_network(uint16_t port) {
  TwoNodeNetwork net;
  net.nodes.Create(2);
  ns3::PointToPointHelper link;
  link.SetDeviceAttribute("DataRate", ns3::StringValue("100Mbps"));
  link.SetChannelAttribute("Delay", ns3::StringValue("1ms"));
  ns3::NetDeviceContainer devices = link.Install(net.nodes);
  ns3::InternetStackHelper internet;
  internet.Install(net.nodes);
  ns3::Ipv4AddressHelper addresses;
  addresses.SetBase("192.0.2.0", "255.255.255.0");
  ns3::Ipv4InterfaceContainer interfaces = addresses.Assign(devices);
  for (uint32_t i = 0; i < 2; ++i) {
    net.address[i] = interfaces.GetAddress(i);
    net.endpoint[i] = to_endpoint(ns3::InetSocketAddress(net.address[i], port));
    net.app[i] = ns3::CreateObject<UdpCoreApp>();
    net.app[i]->SetAttribute("Port", ns3::UintegerValue(port));
    net.nodes.Get(i)->AddApplication(net.app[i]);
    net.app[i]->SetStartTime(ns3::Seconds(0));
  }
  return net;
}

}  // namespace weft::sim
