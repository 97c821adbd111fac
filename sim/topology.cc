// Simulated networks built from a TopologySpec (see topology.h).
#include "topology.h"

#include "core-conversions.h"
#include "ns3/abort.h"
#include "ns3/error-model.h"
#include "ns3/internet-stack-helper.h"
#include "ns3/ipv4-address-helper.h"
#include "ns3/ipv4-global-routing-helper.h"
#include "ns3/point-to-point-helper.h"
#include "ns3/pointer.h"
#include "ns3/simulator.h"
#include "ns3/string.h"

namespace weft::sim {
namespace {

constexpr uint32_t kLinksPerRange = 64;  // /30 subnets in a /24
const char* const kDocumentationRanges[] = {"192.0.2.0", "198.51.100.0", "203.0.113.0"};
constexpr uint32_t kMaxLinks = kLinksPerRange * 3;

/// Loses every packet while enabled: a cut cable.
class Outage : public ns3::ErrorModel {
 public:
  static ns3::TypeId GetTypeId() {
    static ns3::TypeId tid = ns3::TypeId("weft::sim::Outage")
                                 .SetParent<ns3::ErrorModel>()
                                 .SetGroupName("Weft")
                                 .AddConstructor<Outage>();
    return tid;
  }

 private:
  // ErrorModel::IsCorrupt() leaves the enabled test to the model.
  bool DoCorrupt(ns3::Ptr<ns3::Packet>) override { return IsEnabled(); }
  void DoReset() override {}
};

void SetOutage(std::array<ns3::Ptr<Outage>, 2> ends, bool down) {
  for (const ns3::Ptr<Outage>& end : ends) {
    if (down) {
      end->Enable();
    } else {
      end->Disable();
    }
  }
}

}  // namespace

NS_OBJECT_ENSURE_REGISTERED(Outage);

ns3::Ipv4Address link_subnet(uint32_t link) {
  NS_ABORT_MSG_IF(link >= kMaxLinks, "more than " << kMaxLinks << " links");
  const ns3::Ipv4Address range(kDocumentationRanges[link / kLinksPerRange]);
  return ns3::Ipv4Address(range.Get() + 4 * (link % kLinksPerRange));
}

core::Path Network::PathOf(uint32_t node, uint16_t port) const {
  return to_path(ns3::InetSocketAddress(address.at(node), port));
}

Network build_network(const TopologySpec& spec) {
  NS_ABORT_MSG_IF(spec.links.size() > kMaxLinks, "more than " << kMaxLinks << " links");
  Network net;
  net.nodes.Create(spec.nodes);
  ns3::InternetStackHelper internet;
  internet.Install(net.nodes);
  net.address.resize(spec.nodes);
  std::vector<bool> addressed(spec.nodes, false);
  std::vector<std::array<ns3::Ptr<Outage>, 2>> outages;
  for (uint32_t k = 0; k < spec.links.size(); ++k) {
    const LinkSpec& l = spec.links[k];
    NS_ABORT_MSG_IF(l.a >= spec.nodes || l.b >= spec.nodes || l.a == l.b,
                    "link " << k << " needs two distinct existing nodes");
    ns3::PointToPointHelper link;
    link.SetDeviceAttribute("DataRate", ns3::StringValue(l.data_rate));
    link.SetChannelAttribute("Delay", ns3::StringValue(l.delay));
    ns3::NetDeviceContainer devices = link.Install(net.nodes.Get(l.a), net.nodes.Get(l.b));
    std::array<ns3::Ptr<Outage>, 2> ends;
    for (uint32_t end = 0; end < 2; ++end) {
      ends[end] = ns3::CreateObject<Outage>();
      ends[end]->Disable();
      devices.Get(end)->SetAttribute("ReceiveErrorModel", ns3::PointerValue(ends[end]));
    }
    outages.push_back(ends);
    ns3::Ipv4AddressHelper addresses;
    addresses.SetBase(link_subnet(k), "255.255.255.252");
    ns3::Ipv4InterfaceContainer interfaces = addresses.Assign(devices);
    net.link_address.push_back({interfaces.GetAddress(0), interfaces.GetAddress(1)});
    const uint32_t ends_node[2] = {l.a, l.b};
    for (uint32_t end = 0; end < 2; ++end) {
      if (!addressed[ends_node[end]]) {
        addressed[ends_node[end]] = true;
        net.address[ends_node[end]] = interfaces.GetAddress(end);
      }
    }
  }
  ns3::Ipv4GlobalRoutingHelper::PopulateRoutingTables();
  for (const OutageSpec& o : spec.outages) {
    NS_ABORT_MSG_IF(o.link >= outages.size(), "outage of a missing link " << o.link);
    ns3::Simulator::Schedule(o.down, &SetOutage, outages[o.link], true);
    if (!o.up.IsNegative()) {
      ns3::Simulator::Schedule(o.up, &SetOutage, outages[o.link], false);
    }
  }
  for (uint32_t i = 0; i < spec.nodes; ++i) {
    net.hosts.push_back(ns3::CreateObject<CoreHost>());
    net.nodes.Get(i)->AddApplication(net.hosts.back());
    net.hosts.back()->SetStartTime(ns3::Seconds(0));
  }
  return net;
}

TopologySpec two_node_topology() {
  TopologySpec spec;
  spec.nodes = 2;
  spec.links.push_back(LinkSpec{0, 1});
  return spec;
}

}  // namespace weft::sim
