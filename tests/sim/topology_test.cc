// Tests of the harness's topology builder (sim/topology.h): documentation-range addressing,
// routing across a middle node, and a link outage declared as data.
#define BOOST_TEST_MODULE sim_topology
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <vector>

#include "ns3/inet-socket-address.h"
#include "ns3/simulator.h"
#include "ns3/udp-socket-factory.h"
#include "topology.h"

using namespace weft::sim;

namespace {

std::vector<double> g_received;  // arrival times, seconds

void Receive(ns3::Ptr<ns3::Socket> socket) {
  while (socket->Recv()) {
    g_received.push_back(static_cast<double>(ns3::Simulator::Now().GetMilliSeconds()) / 1e3);
  }
}

void Send(ns3::Ptr<ns3::Socket> socket, ns3::InetSocketAddress to) {
  socket->SendTo(ns3::Create<ns3::Packet>(100), 0, to);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(topology)

BOOST_AUTO_TEST_CASE(links_take_consecutive_slash30s_of_the_documentation_ranges) {
  BOOST_TEST(link_subnet(0) == ns3::Ipv4Address("192.0.2.0"));
  BOOST_TEST(link_subnet(1) == ns3::Ipv4Address("192.0.2.4"));
  BOOST_TEST(link_subnet(63) == ns3::Ipv4Address("192.0.2.252"));
  BOOST_TEST(link_subnet(64) == ns3::Ipv4Address("198.51.100.0"));
  BOOST_TEST(link_subnet(191) == ns3::Ipv4Address("203.0.113.252"));
}

BOOST_AUTO_TEST_CASE(two_node_topology_keeps_192_0_2_1_and_2) {
  Network net = build_network(two_node_topology());
  BOOST_TEST(net.address[0] == ns3::Ipv4Address("192.0.2.1"));
  BOOST_TEST(net.address[1] == ns3::Ipv4Address("192.0.2.2"));
  BOOST_TEST(net.hosts.size() == 2u);
  BOOST_TEST(net.PathOf(1, 51820).to_string() == "192.0.2.2:51820");
  ns3::Simulator::Destroy();
}

BOOST_AUTO_TEST_CASE(routes_through_a_middle_node_and_loses_packets_during_an_outage) {
  TopologySpec spec;
  spec.nodes = 3;
  spec.links = {LinkSpec{0, 1}, LinkSpec{1, 2}};
  spec.outages = {OutageSpec{1, ns3::Seconds(1), ns3::Seconds(2)}};
  Network net = build_network(spec);
  BOOST_TEST(net.address[1] == ns3::Ipv4Address("192.0.2.2"));  // its first link
  BOOST_TEST(net.address[2] == ns3::Ipv4Address("192.0.2.6"));
  BOOST_TEST(net.link_address[1][0] == ns3::Ipv4Address("192.0.2.5"));

  g_received.clear();
  ns3::Ptr<ns3::Socket> rx =
      ns3::Socket::CreateSocket(net.nodes.Get(2), ns3::UdpSocketFactory::GetTypeId());
  rx->Bind(ns3::InetSocketAddress(ns3::Ipv4Address::GetAny(), 9));
  rx->SetRecvCallback(ns3::MakeCallback(&Receive));
  ns3::Ptr<ns3::Socket> tx =
      ns3::Socket::CreateSocket(net.nodes.Get(0), ns3::UdpSocketFactory::GetTypeId());
  tx->Bind();
  const ns3::InetSocketAddress to(net.address[2], 9);
  for (double at : {0.5, 1.5, 2.5}) {
    ns3::Simulator::Schedule(ns3::Seconds(at), &Send, tx, to);
  }
  ns3::Simulator::Stop(ns3::Seconds(3));
  ns3::Simulator::Run();
  // Two hops of 1 ms each (plus serialization): the one sent during the outage is lost.
  BOOST_TEST_REQUIRE(g_received.size() == 2u);
  BOOST_TEST(g_received[0] == 0.502);
  BOOST_TEST(g_received[1] == 2.502);
  rx->Close();
  tx->Close();
  ns3::Simulator::Destroy();
}

BOOST_AUTO_TEST_SUITE_END()
