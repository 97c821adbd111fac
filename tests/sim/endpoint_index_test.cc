// Tests of the four-tuple index in front of ns-3's endpoint demux (sim/endpoint-index.h): that
// ns-3's own TCP reaches it through the interposition, and that it answers every lookup as
// ns-3's walk over the endpoints does, through allocations, changed fields and deallocations.
#define BOOST_TEST_MODULE sim_endpoint_index
#include <boost/test/unit_test.hpp>
#include <dlfcn.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "endpoint-index.h"
#include "ns3/inet-socket-address.h"
#include "ns3/internet-stack-helper.h"
#include "ns3/ipv4-address-helper.h"
#include "ns3/ipv4-end-point-demux.h"
#include "ns3/ipv4-end-point.h"
#include "ns3/ipv4-l3-protocol.h"
#include "ns3/node-container.h"
#include "ns3/packet.h"
#include "ns3/point-to-point-helper.h"
#include "ns3/simulator.h"
#include "ns3/socket.h"
#include "ns3/string.h"
#include "ns3/tcp-socket-factory.h"

using weft::sim::endpoint_index_stats;

namespace {

using Demux = ns3::Ipv4EndPointDemux;
using WalkFn = Demux::EndPoints (*)(Demux*, ns3::Ipv4Address, uint16_t, ns3::Ipv4Address, uint16_t,
                                    ns3::Ptr<ns3::Ipv4Interface>);

/// ns-3's own Lookup, the walk the index stands in front of.
Demux::EndPoints walk(Demux& demux, ns3::Ipv4Address daddr, uint16_t dport,
                      ns3::Ipv4Address saddr, uint16_t sport,
                      ns3::Ptr<ns3::Ipv4Interface> incoming) {
  static const auto fn = reinterpret_cast<WalkFn>(dlsym(
      RTLD_NEXT,
      "_ZN3ns317Ipv4EndPointDemux6LookupB5cxx11ENS_11Ipv4AddressEtS1_tNS_3PtrINS_13Ipv4InterfaceEEE"));
  BOOST_REQUIRE(fn != nullptr);
  return fn(&demux, daddr, dport, saddr, sport, incoming);
}

/// Two nodes on a point-to-point link, 10.9.0.1 and 10.9.0.2.
struct TwoNodes {
  ns3::NodeContainer nodes;
  ns3::Ipv4InterfaceContainer interfaces;
  TwoNodes() {
    nodes.Create(2);
    ns3::InternetStackHelper internet;
    internet.Install(nodes);
    ns3::PointToPointHelper link;
    link.SetDeviceAttribute("DataRate", ns3::StringValue("100Mbps"));
    link.SetChannelAttribute("Delay", ns3::StringValue("1ms"));
    ns3::NetDeviceContainer devices = link.Install(nodes);
    ns3::Ipv4AddressHelper addresses;
    addresses.SetBase("10.9.0.0", "255.255.255.0");
    interfaces = addresses.Assign(devices);
  }
  ~TwoNodes() { ns3::Simulator::Destroy(); }
  ns3::Ptr<ns3::Ipv4Interface> Interface(uint32_t node) const {
    return nodes.Get(node)->GetObject<ns3::Ipv4L3Protocol>()->GetInterface(1);
  }
};

uint64_t g_bytes_received = 0;
std::vector<ns3::Ptr<ns3::Socket>> g_accepted;

void Drain(ns3::Ptr<ns3::Socket> socket) {
  while (ns3::Ptr<ns3::Packet> p = socket->Recv()) g_bytes_received += p->GetSize();
}

void Accept(ns3::Ptr<ns3::Socket> socket, const ns3::Address&) {
  socket->SetRecvCallback(ns3::MakeCallback(&Drain));
  g_accepted.push_back(socket);
}

/// `n` connections from node 0 to a listener on node 1, each sending `bytes`, run for 10 s.
std::vector<ns3::Ptr<ns3::Socket>> Connect(TwoNodes& net, int n, uint32_t bytes) {
  const ns3::Ipv4Address server = net.interfaces.GetAddress(1);
  ns3::Ptr<ns3::Socket> listener =
      ns3::Socket::CreateSocket(net.nodes.Get(1), ns3::TcpSocketFactory::GetTypeId());
  BOOST_REQUIRE(listener->Bind(ns3::InetSocketAddress(ns3::Ipv4Address::GetAny(), 443)) == 0);
  listener->Listen();
  listener->SetAcceptCallback(
      ns3::MakeNullCallback<bool, ns3::Ptr<ns3::Socket>, const ns3::Address&>(),
      ns3::MakeCallback(&Accept));
  std::vector<ns3::Ptr<ns3::Socket>> clients;
  for (int i = 0; i < n; ++i) {
    clients.push_back(
        ns3::Socket::CreateSocket(net.nodes.Get(0), ns3::TcpSocketFactory::GetTypeId()));
    // Once the run has started: the nodes' devices are set up when the simulation starts.
    ns3::Simulator::Schedule(ns3::MilliSeconds(i), [c = clients.back(), server, bytes] {
      c->Connect(ns3::InetSocketAddress(server, 443));
      c->Send(ns3::Create<ns3::Packet>(bytes));
    });
  }
  g_bytes_received = 0;
  g_accepted.clear();
  ns3::Simulator::Stop(ns3::Seconds(10));
  ns3::Simulator::Run();
  return clients;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(endpoint_index)

BOOST_AUTO_TEST_CASE(ns3_tcp_segments_of_established_connections_are_answered_by_the_index) {
  constexpr int kConnections = 20;
  constexpr uint32_t kBytes = 20000;  // several segments each way (data and ACKs)
  const weft::sim::EndpointIndexStats before = endpoint_index_stats();
  {
    TwoNodes net;
    std::vector<ns3::Ptr<ns3::Socket>> clients = Connect(net, kConnections, kBytes);
    const weft::sim::EndpointIndexStats after = endpoint_index_stats();
    BOOST_TEST(g_bytes_received == uint64_t{kConnections} * kBytes);
    // Each connection's SYN finds the listener by a walk; its later segments, both ways, are
    // answered from the index. No hit means libns3-internet still calls its own Lookup.
    BOOST_TEST(after.walks - before.walks >= uint64_t{2 * kConnections});
    BOOST_TEST(after.hits - before.hits > uint64_t{4 * kConnections});
    // 20 connections, both ends: 40 exact endpoints.
    BOOST_TEST(after.remembered - before.remembered == uint64_t{2 * kConnections});
    BOOST_REQUIRE(g_accepted.size() == std::size_t{kConnections});
    // Both ends close: ns-3's TCP deallocates each endpoint (after TIME_WAIT, 2 x 120 s, on
    // the side that closed first), through its call to DeAllocate, which must forget it.
    for (auto& c : clients) c->Close();
    for (auto& a : g_accepted) a->Close();
    ns3::Simulator::Stop(ns3::Seconds(300));
    ns3::Simulator::Run();
    BOOST_TEST(endpoint_index_stats().remembered == before.remembered);
    g_accepted.clear();
  }
}

BOOST_AUTO_TEST_CASE(ns3_destroying_a_node_forgets_its_remembered_endpoints) {
  const uint64_t before = endpoint_index_stats().remembered;
  {
    TwoNodes net;
    Connect(net, 3, 2000);
    BOOST_TEST(endpoint_index_stats().remembered == before + 6);
    g_accepted.clear();
  }  // Simulator::Destroy: ns-3's TCP deletes its demux, still holding the six endpoints
  BOOST_TEST(endpoint_index_stats().remembered == before);
}

BOOST_AUTO_TEST_CASE(answers_every_lookup_as_ns3s_walk_does) {
  TwoNodes net;
  const ns3::Ptr<ns3::Ipv4Interface> incoming = net.Interface(1);
  const ns3::Ptr<ns3::NetDevice> device = incoming->GetDevice();
  const ns3::Ptr<ns3::NetDevice> other_device = net.Interface(0)->GetDevice();
  const ns3::Ipv4Address local = net.interfaces.GetAddress(1);
  const ns3::Ipv4Address subnet("10.9.0.0");
  const ns3::Ipv4Address peers[] = {ns3::Ipv4Address("10.9.0.1"), ns3::Ipv4Address("192.0.2.7"),
                                    ns3::Ipv4Address("198.51.100.9")};
  const ns3::Ipv4Address locals[] = {local, ns3::Ipv4Address::GetAny(), subnet,
                                     ns3::Ipv4Address("10.9.0.3")};

  std::mt19937 rng(7);
  auto pick = [&rng](auto& options) {
    return options[std::uniform_int_distribution<std::size_t>(0, std::size(options) - 1)(rng)];
  };
  auto* demux = new Demux;
  std::vector<ns3::Ipv4EndPoint*> live;
  // Listening endpoints, one per port, some bound to an address or a device.
  for (uint16_t port = 1000; port < 1010; ++port) {
    ns3::Ipv4EndPoint* e =
        demux->Allocate(port % 3 == 0 ? device : nullptr, pick(locals), port);
    BOOST_REQUIRE(e != nullptr);
    live.push_back(e);
  }
  uint64_t exact_answers = 0;
  const weft::sim::EndpointIndexStats before = endpoint_index_stats();
  for (int step = 0; step < 4000; ++step) {
    const int action = std::uniform_int_distribution<int>(0, 9)(rng);
    if (action == 0) {
      // A connection accepted on a listener's port: its full four-tuple.
      // Bound to no device, the device segments come in on, or another. Never a second
      // endpoint with the same four-tuple: ns-3's walk aborts on two exact matches.
      const uint16_t port = std::uniform_int_distribution<uint16_t>(1000, 1009)(rng);
      const uint16_t peer_port = std::uniform_int_distribution<uint16_t>(40000, 40020)(rng);
      const ns3::Ipv4Address peer = pick(peers);
      const bool taken = std::any_of(live.begin(), live.end(), [&](ns3::Ipv4EndPoint* e) {
        return e->GetLocalPort() == port && e->GetPeerAddress() == peer &&
               e->GetPeerPort() == peer_port;
      });
      const ns3::Ptr<ns3::NetDevice> bound[] = {nullptr, nullptr, device, other_device};
      if (!taken) {
        if (ns3::Ipv4EndPoint* e = demux->Allocate(pick(bound), local, port, peer, peer_port)) {
          live.push_back(e);
        }
      }
    } else if (action == 1 && live.size() > 10) {
      // A connection closed (never a listener: the first ten).
      const std::size_t i = std::uniform_int_distribution<std::size_t>(10, live.size() - 1)(rng);
      demux->DeAllocate(live[i]);
      live.erase(live.begin() + static_cast<std::ptrdiff_t>(i));
    } else if (action == 2 && live.size() > 10) {
      // An endpoint's fields change under the index (each change keeps four-tuples unique:
      // a new peer port is this step's own).
      ns3::Ipv4EndPoint* e =
          live[std::uniform_int_distribution<std::size_t>(10, live.size() - 1)(rng)];
      const ns3::Ptr<ns3::NetDevice> bound[] = {nullptr, device, other_device};
      switch (std::uniform_int_distribution<int>(0, 4)(rng)) {
        case 0: e->SetRxEnabled(!e->IsRxEnabled()); break;
        case 1: e->SetPeer(e->GetPeerAddress(), static_cast<uint16_t>(50000 + step)); break;
        case 2:  // a peer address no other endpoint has, with this step's port
          e->SetPeer(ns3::Ipv4Address(0xCB007100u + static_cast<uint32_t>(step % 200)),
                     static_cast<uint16_t>(50000 + step));
          break;
        case 3:  // another local address, or back to the one segments come to
          e->SetLocalAddress(e->GetLocalAddress() == local ? ns3::Ipv4Address("10.9.0.200")
                                                           : local);
          break;
        default: e->BindToNetDevice(pick(bound)); break;
      }
    } else {
      // A segment: to a listener's port from one of the peers, or on a connection (its
      // peer port perhaps changed since).
      uint16_t port = std::uniform_int_distribution<uint16_t>(1000, 1009)(rng);
      ns3::Ipv4Address from = pick(peers);
      uint16_t from_port = std::uniform_int_distribution<uint16_t>(40000, 40020)(rng);
      if (step % 2 == 0 && live.size() > 10) {
        ns3::Ipv4EndPoint* e =
            live[std::uniform_int_distribution<std::size_t>(10, live.size() - 1)(rng)];
        port = e->GetLocalPort();
        from = e->GetPeerAddress();
        from_port = e->GetPeerPort();
      }
      const Demux::EndPoints expected = walk(*demux, local, port, from, from_port, incoming);
      const Demux::EndPoints got = demux->Lookup(local, port, from, from_port, incoming);
      BOOST_TEST_REQUIRE((got == expected), "step " << step << ": the index and the walk differ");
      if (!got.empty() && got.front()->GetPeerPort() == from_port) ++exact_answers;
    }
  }
  // The run exercised the index, not only the walk: answers came from it.
  BOOST_TEST(exact_answers > 500u);
  BOOST_TEST(endpoint_index_stats().hits - before.hits > 300u);
  BOOST_TEST(endpoint_index_stats().remembered > before.remembered);
  delete demux;  // forgets what it remembered before deleting its endpoints
  BOOST_TEST(endpoint_index_stats().remembered == before.remembered);
}

BOOST_AUTO_TEST_SUITE_END()
