// Tests of the simulated internet (sim/internet.h): NAT'd sites seen from outside, RFC 4787
// filtering and mapping on real simulated UDP, hairpinning, a UDP firewall, shaped links (latency,
// loss, jitter, cuts, degradation) and a host moving to another network.
#define BOOST_TEST_MODULE sim_internet
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "internet.h"
#include "udp-block.h"
#include "ns3/inet-socket-address.h"
#include "ns3/simulator.h"
#include "ns3/tcp-socket-factory.h"
#include "ns3/udp-socket-factory.h"

using namespace weft::sim;
using std::chrono::milliseconds;

namespace {

constexpr uint16_t kPort = 41641;

/// A UDP socket on a host: what it received (from whom, when); echoes when asked.
struct Endpoint {
  ns3::Ptr<ns3::Socket> socket;
  std::vector<std::pair<ns3::InetSocketAddress, ns3::Time>> received;
  std::vector<uint32_t> sizes;
  bool echo = false;
};

std::map<std::string, Endpoint> g_endpoints;

void Open(Internet& net, const std::string& host, uint16_t port = kPort, bool echo = false) {
  Endpoint& e = g_endpoints[host];
  e.echo = echo;
  e.socket = ns3::Socket::CreateSocket(net.Node(host), ns3::UdpSocketFactory::GetTypeId());
  BOOST_REQUIRE(e.socket->Bind(ns3::InetSocketAddress(ns3::Ipv4Address::GetAny(), port)) == 0);
  e.socket->SetRecvCallback(ns3::MakeCallback(+[](ns3::Ptr<ns3::Socket> s) {
    ns3::Address from;
    while (ns3::Ptr<ns3::Packet> p = s->RecvFrom(from)) {
      for (auto& [name, e] : g_endpoints) {
        if (e.socket != s) continue;
        const ns3::InetSocketAddress inet = ns3::InetSocketAddress::ConvertFrom(from);
        e.received.emplace_back(inet, ns3::Simulator::Now());
        e.sizes.push_back(p->GetSize());
        if (e.echo) s->SendTo(ns3::Create<ns3::Packet>(10), 0, inet);
      }
    }
  }));
}

void SendAt(double seconds, const std::string& host, ns3::Ipv4Address to, uint16_t port = kPort,
            uint32_t size = 100) {
  ns3::Simulator::Schedule(ns3::Seconds(seconds), [host, to, port, size] {
    g_endpoints.at(host).socket->SendTo(ns3::Create<ns3::Packet>(size), 0,
                                        ns3::InetSocketAddress(to, port));
  });
}

std::size_t Received(const std::string& host) { return g_endpoints.at(host).received.size(); }

void Finish() {
  g_endpoints.clear();
  ns3::Simulator::Destroy();
}

LinkShape Latency(int ms) {
  LinkShape s;
  s.latency = milliseconds(ms);
  return s;
}

SiteSpec Site(const std::string& name, NatConfig nat) { return SiteSpec{name, nat, Latency(1)}; }

}  // namespace

BOOST_AUTO_TEST_SUITE(internet)

BOOST_AUTO_TEST_CASE(rejects_unknown_sites_taken_names_and_bad_links) {
  InternetSpec spec;
  spec.hosts = {{"a", "home", {}}};
  BOOST_TEST(internet_spec_error(spec) == "host \"a\": no site \"home\"");
  spec.sites = {Site("home", {})};
  BOOST_TEST(internet_spec_error(spec).empty());
  spec.hosts.push_back({"home", "internet", {}});
  BOOST_TEST(internet_spec_error(spec) == "host \"home\": the name is taken");
  spec.hosts.pop_back();
  spec.hosts[0].link.loss = 1.5;
  BOOST_TEST(internet_spec_error(spec) == "host \"a\": loss is not between 0 and 1");
  spec.hosts[0].link.loss = 0;
  spec.hosts[0].link.bandwidth = "fast";
  BOOST_TEST(internet_spec_error(spec).find("bandwidth") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(public_hosts_reach_each_other_over_the_sum_of_their_latencies) {
  InternetSpec spec;
  spec.hosts = {{"a", "internet", Latency(10)}, {"b", "internet", Latency(25)}};
  Internet net(spec, 1);
  BOOST_TEST(net.Address("a") == ns3::Ipv4Address("198.18.0.2"));
  BOOST_TEST(net.Address("b") == ns3::Ipv4Address("198.18.0.6"));
  BOOST_TEST(net.PublicAddress("b") == net.Address("b"));
  Open(net, "a");
  Open(net, "b");
  SendAt(1, "a", net.Address("b"));
  ns3::Simulator::Run();
  BOOST_REQUIRE(Received("b") == 1u);
  const auto& [from, at] = g_endpoints["b"].received[0];
  BOOST_TEST(from.GetIpv4() == net.Address("a"));
  // 35 ms of latency plus 100 Mbit/s serialization of 130 bytes (with the PPP header) twice.
  BOOST_TEST(at.GetMicroSeconds() >= 1035000);
  BOOST_TEST(at.GetMicroSeconds() < 1035100);
  Finish();
}

BOOST_AUTO_TEST_CASE(hosts_in_different_address_blocks_reach_each_other_through_the_core) {
  // 62 public hosts fill the first /24 (60 links): the last one is in the second.
  // Routers remember routes per destination (backbone-router.h): the second packet of each way
  // takes the remembered route, and a destination nothing routes is dropped on the way.
  InternetSpec spec;
  for (int i = 0; i < 62; ++i) {
    spec.hosts.push_back({"h" + std::to_string(i), "internet", Latency(5)});
  }
  Internet net(spec, 1);
  BOOST_TEST(net.Address("h61") == ns3::Ipv4Address("198.18.1.6"));
  Open(net, "h0");
  Open(net, "h61", kPort, true);
  SendAt(1, "h0", net.Address("h61"));
  SendAt(2, "h0", ns3::Ipv4Address("203.0.113.1"));
  SendAt(3, "h0", net.Address("h61"));
  ns3::Simulator::Run();
  BOOST_TEST(Received("h61") == 2u);
  BOOST_TEST(Received("h0") == 2u);  // the echoes
  BOOST_TEST(g_endpoints["h61"].received[0].first.GetIpv4() == net.Address("h0"));
  Finish();
}

BOOST_AUTO_TEST_CASE(a_host_behind_a_nat_is_seen_at_the_nat_address_and_gets_replies) {
  InternetSpec spec;
  spec.sites = {Site("home", *nat_preset("easy"))};
  spec.hosts = {{"a", "home", {}}, {"server", "internet", {}}};
  Internet net(spec, 1);
  BOOST_TEST(net.Address("a") == ns3::Ipv4Address("10.0.0.2"));
  BOOST_TEST(net.PublicAddress("a") == ns3::Ipv4Address("198.18.0.2"));
  Open(net, "a");
  Open(net, "server", 3478, true);
  SendAt(1, "a", net.Address("server"), 3478);
  ns3::Simulator::Run();
  BOOST_REQUIRE(Received("server") == 1u);
  BOOST_TEST(g_endpoints["server"].received[0].first.GetIpv4() == net.PublicAddress("a"));
  BOOST_TEST(g_endpoints["server"].received[0].first.GetPort() == kPort);  // preserved
  BOOST_TEST(Received("a") == 1u);  // the reply came back through the mapping
  BOOST_TEST(net.Nat("home")->Table().Stats().outbound == 1u);
  BOOST_TEST(net.Nat("home")->Table().Stats().inbound == 1u);
  Finish();
}

BOOST_AUTO_TEST_CASE(filtering_decides_who_may_answer_and_inside_addresses_are_unroutable) {
  InternetSpec spec;
  NatConfig open_filter;
  open_filter.filtering = NatBehavior::kEndpointIndependent;
  spec.sites = {Site("strict", *nat_preset("easy")), Site("open", open_filter)};
  spec.hosts = {{"a", "strict", {}}, {"b", "open", {}}, {"server", "internet", {}},
                {"stranger", "internet", {}}};
  Internet net(spec, 1);
  for (const char* h : {"a", "b", "server", "stranger"}) Open(net, h);
  SendAt(1, "a", net.Address("server"));
  SendAt(1, "b", net.Address("server"));
  SendAt(2, "stranger", net.PublicAddress("a"));  // filtered (address and port dependent)
  SendAt(2, "stranger", net.PublicAddress("b"));  // admitted (endpoint independent)
  SendAt(2, "stranger", net.Address("a"));        // 10.x: not routed on the internet
  ns3::Simulator::Run();
  BOOST_TEST(Received("a") == 0u);
  BOOST_TEST(Received("b") == 1u);
  BOOST_TEST(net.Nat("strict")->Table().Stats().Drops(NatDrop::kFiltered) == 1u);
  Finish();
}

BOOST_AUTO_TEST_CASE(per_destination_mapping_shows_each_server_another_port) {
  InternetSpec spec;
  spec.sites = {Site("hard", *nat_preset("hard")), Site("easy", *nat_preset("easy"))};
  spec.hosts = {{"a", "hard", {}}, {"b", "easy", {}}, {"s1", "internet", {}},
                {"s2", "internet", {}}};
  Internet net(spec, 1);
  for (const char* h : {"a", "b", "s1", "s2"}) Open(net, h);
  for (const char* from : {"a", "b"}) {
    SendAt(1, from, net.Address("s1"));
    SendAt(1, from, net.Address("s2"));
  }
  ns3::Simulator::Run();
  auto port_seen = [&](const char* server, ns3::Ipv4Address from) {
    for (const auto& [a, t] : g_endpoints[server].received) {
      if (a.GetIpv4() == from) return a.GetPort();
    }
    return uint16_t{0};
  };
  BOOST_TEST(port_seen("s1", net.PublicAddress("a")) != port_seen("s2", net.PublicAddress("a")));
  BOOST_TEST(port_seen("s1", net.PublicAddress("b")) == kPort);
  BOOST_TEST(port_seen("s2", net.PublicAddress("b")) == kPort);
  Finish();
}

BOOST_AUTO_TEST_CASE(hosts_behind_one_nat_talk_inside_and_hairpin_only_when_allowed) {
  for (bool hairpinning : {false, true}) {
    InternetSpec spec;
    NatConfig nat;
    nat.filtering = NatBehavior::kEndpointIndependent;
    nat.hairpinning = hairpinning;
    spec.sites = {Site("lan", nat)};
    spec.hosts = {{"a", "lan", {}}, {"b", "lan", {}}, {"server", "internet", {}}};
    Internet net(spec, 1);
    for (const char* h : {"a", "b", "server"}) Open(net, h);
    SendAt(1, "b", net.Address("server"));  // b's mapping: external port 41641... taken by b
    SendAt(2, "a", net.Address("b"));       // on the LAN, unchanged
    SendAt(3, "a", net.PublicAddress("b")); // through the external address
    ns3::Simulator::Run();
    BOOST_TEST(Received("b") == (hairpinning ? 2u : 1u));
    BOOST_TEST(g_endpoints["b"].received[0].first.GetIpv4() == net.Address("a"));
    if (hairpinning) {
      BOOST_TEST(g_endpoints["b"].received[1].first.GetIpv4() == net.PublicAddress("a"));
    } else {
      BOOST_TEST(net.Nat("lan")->Table().Stats().Drops(NatDrop::kHairpinRefused) == 1u);
    }
    BOOST_TEST(net.Nat("lan")->Stats().inside == 1u);
    Finish();
  }
}

BOOST_AUTO_TEST_CASE(a_firewall_drops_udp_and_lets_tcp_connect) {
  InternetSpec spec;
  spec.sites = {Site("office", *nat_preset("firewall"))};
  spec.hosts = {{"a", "office", {}}, {"server", "internet", {}}};
  Internet net(spec, 1);
  Open(net, "a");
  Open(net, "server");
  SendAt(1, "a", net.Address("server"));
  ns3::Ptr<ns3::Socket> listener =
      ns3::Socket::CreateSocket(net.Node("server"), ns3::TcpSocketFactory::GetTypeId());
  listener->Bind(ns3::InetSocketAddress(ns3::Ipv4Address::GetAny(), 443));
  listener->Listen();
  static bool connected;
  connected = false;
  ns3::Ptr<ns3::Socket> client =
      ns3::Socket::CreateSocket(net.Node("a"), ns3::TcpSocketFactory::GetTypeId());
  client->SetConnectCallback(
      ns3::MakeCallback(+[](ns3::Ptr<ns3::Socket>) { connected = true; }),
      ns3::MakeCallback(+[](ns3::Ptr<ns3::Socket>) {}));
  ns3::Simulator::Schedule(ns3::Seconds(1), [&] {
    client->Connect(ns3::InetSocketAddress(net.Address("server"), 443));
  });
  ns3::Simulator::Stop(ns3::Seconds(5));
  ns3::Simulator::Run();
  BOOST_TEST(Received("server") == 0u);
  BOOST_TEST(net.Nat("office")->Table().Stats().Drops(NatDrop::kUdpBlocked) == 1u);
  BOOST_TEST(connected);
  Finish();
}

BOOST_AUTO_TEST_CASE(links_are_cut_degraded_lossy_and_jittery_at_run_time) {
  InternetSpec spec;
  LinkShape jittery = Latency(20);
  jittery.jitter = milliseconds(10);
  LinkShape lossy = Latency(5);
  lossy.loss = 0.5;
  spec.hosts = {{"a", "internet", Latency(5)}, {"b", "internet", Latency(5)},
                {"j", "internet", jittery}, {"l", "internet", lossy}};
  Internet net(spec, 7);
  for (const char* h : {"a", "b", "j", "l"}) Open(net, h);
  SendAt(1, "a", net.Address("b"));
  ns3::Simulator::Schedule(ns3::Seconds(2), [&] { net.SetLinkDown("b", true); });
  SendAt(3, "a", net.Address("b"));
  ns3::Simulator::Schedule(ns3::Seconds(4), [&] {
    net.SetLinkDown("b", false);
    net.SetLinkShape("b", Latency(200));
  });
  SendAt(5, "a", net.Address("b"));
  for (int i = 0; i < 200; ++i) {
    SendAt(10 + i * 0.001, "a", net.Address("j"), kPort, 100 + i);  // the size numbers it
    SendAt(10 + i * 0.001, "a", net.Address("l"));
  }
  ns3::Simulator::Run();
  const auto& b = g_endpoints["b"].received;
  BOOST_REQUIRE(b.size() == 2u);  // the one sent during the cut is lost
  BOOST_TEST((b[1].second - ns3::Seconds(5)).GetMilliSeconds() == 205);
  BOOST_TEST(net.Link("b").LostWhileDown() == 1u);
  // Jitter: delays spread over [15, 35] ms (plus serialization), packets overtake each other.
  int64_t lo = 1 << 30, hi = 0;
  bool reordered = false;
  const Endpoint& j = g_endpoints["j"];
  for (std::size_t k = 0; k < j.received.size(); ++k) {
    const int64_t ms = (j.received[k].second - ns3::Seconds(10)).GetMilliSeconds() -
                       (j.sizes[k] - 100);  // minus its send offset
    lo = std::min(lo, ms);
    hi = std::max(hi, ms);
    reordered = reordered || (k > 0 && j.sizes[k] < j.sizes[k - 1]);
  }
  BOOST_TEST(Received("j") == 200u);
  BOOST_TEST(lo >= 15);
  BOOST_TEST(hi <= 36);
  BOOST_TEST(reordered);
  // Loss: about half of 200 lost, counted.
  BOOST_TEST(Received("l") > 70u);
  BOOST_TEST(Received("l") < 130u);
  BOOST_TEST(net.Link("l").LostAtRandom() == 200u - Received("l"));
  Finish();
}

BOOST_AUTO_TEST_CASE(a_slow_link_serializes_packets_and_drops_beyond_a_full_queue) {
  // 1 Mbps into b: a 1,000-byte datagram is 1,030 bytes on the link (IPv4, UDP and the 2-byte
  // PPP header the link counts), 8.24 ms of transmission. 120 of them arrive at b's link 0.1 ms
  // apart: one is sent at once and 100 wait in the queue; of the rest, those that find 100
  // waiting are dropped, and one finds room left by the second, which started at 8.24 ms.
  InternetSpec spec;
  LinkShape slow = Latency(5);
  slow.bandwidth = "1Mbps";
  spec.hosts = {{"a", "internet", Latency(5)}, {"b", "internet", slow}};
  Internet net(spec, 3);
  Open(net, "a");
  Open(net, "b");
  for (int i = 0; i < 120; ++i) SendAt(1 + i * 0.0001, "a", net.Address("b"), kPort, 1000);
  ns3::Simulator::Run();
  const auto& b = g_endpoints["b"].received;
  BOOST_TEST(b.size() == 102u);
  BOOST_TEST(net.Link("b").LostToQueue() == 120u - b.size());
  for (std::size_t k = 1; k < b.size(); ++k) {
    BOOST_TEST((b[k].second - b[k - 1].second).GetNanoSeconds() == 8240000);
  }
  // The first: a's link (1,030 bytes at 100 Mbps, 82.4 us, then 5 ms), b's link (8.24 + 5 ms).
  BOOST_TEST((b[0].second - ns3::Seconds(1)).GetNanoSeconds() ==
             82400 + 5000000 + 8240000 + 5000000);
  Finish();
}

BOOST_AUTO_TEST_CASE(a_udp_block_on_a_link_drops_one_pair_until_it_is_lifted) {
  InternetSpec spec;
  spec.hosts = {{"a", "internet", Latency(5)}, {"b", "internet", Latency(5)},
                {"c", "internet", Latency(5)}};
  Internet net(spec, 2);
  for (const char* h : {"a", "b", "c"}) Open(net, h);
  auto blocks = BlockUdpOnLink(net.Link("b"), net.Address("a"), net.Address("b"));
  SendAt(1, "a", net.Address("b"));  // blocked
  SendAt(1, "c", net.Address("b"));  // another pair: passes
  SendAt(1, "b", net.Address("a"));  // blocked both ways
  ns3::Simulator::Schedule(ns3::Seconds(2), [&] {
    for (const auto& x : blocks) x->Disable();
  });
  SendAt(3, "a", net.Address("b"));
  ns3::Simulator::Run();
  BOOST_TEST(Received("b") == 2u);
  BOOST_TEST(g_endpoints["b"].received[0].first.GetIpv4() == net.Address("c"));
  BOOST_TEST(g_endpoints["b"].received[1].first.GetIpv4() == net.Address("a"));
  BOOST_TEST(Received("a") == 0u);
  BOOST_TEST(blocks[0]->Dropped() + blocks[1]->Dropped() == 2u);
  Finish();
}

BOOST_AUTO_TEST_CASE(a_host_that_moves_gets_a_new_address_and_keeps_reaching_out) {
  InternetSpec spec;
  spec.sites = {Site("home", {}), Site("cafe", *nat_preset("hard"))};
  spec.hosts = {{"a", "home", {}}, {"server", "internet", {}}};
  Internet net(spec, 1);
  std::vector<std::string> moves;
  net.OnMove([&](const std::string& host, ns3::Ipv4Address from, ns3::Ipv4Address to) {
    std::ostringstream s;
    s << host << " " << from << " -> " << to;
    moves.push_back(s.str());
  });
  Open(net, "a");
  Open(net, "server", kPort, true);
  SendAt(1, "a", net.Address("server"));
  ns3::Simulator::Schedule(ns3::Seconds(2), [&] { net.Move("a", "cafe"); });
  SendAt(3, "a", net.Address("server"));
  ns3::Simulator::Run();
  BOOST_REQUIRE(moves.size() == 1u);
  BOOST_TEST(moves[0] == "a 10.0.0.2 -> 10.0.16.2");
  BOOST_TEST(net.SiteOf("a") == "cafe");
  const auto& s = g_endpoints["server"].received;
  BOOST_REQUIRE(s.size() == 2u);
  BOOST_TEST(s[0].first.GetIpv4() == ns3::Ipv4Address("198.18.0.2"));  // home's NAT
  BOOST_TEST(s[1].first.GetIpv4() == ns3::Ipv4Address("198.18.0.6"));  // cafe's NAT
  BOOST_TEST(Received("a") == 2u);  // both echoes found their way back
  Finish();
}

BOOST_AUTO_TEST_SUITE_END()
