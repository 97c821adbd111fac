// Simulated networks declared as data: N nodes, point-to-point links with addresses from the
// documentation ranges (RFC 5737), link outages at given times; each node gets a CoreHost.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core-host.h"
#include "core/path.h"
#include "ns3/ipv4-address.h"
#include "ns3/node-container.h"
#include "ns3/nstime.h"
#include "ns3/ptr.h"

namespace weft::sim {

struct LinkSpec {
  uint32_t a = 0;  ///< node indices
  uint32_t b = 0;
  std::string data_rate = "100Mbps";
  std::string delay = "1ms";  ///< one way
};

/// A link that loses every packet from `down` until `up` (never back up when `up` is negative).
/// The nodes are not told: their routes stay, as over a cut cable.
struct OutageSpec {
  uint32_t link = 0;
  ns3::Time down;
  ns3::Time up = ns3::Seconds(-1);
};

struct TopologySpec {
  uint32_t nodes = 2;
  std::vector<LinkSpec> links;
  std::vector<OutageSpec> outages;
};

/// The live network built from a TopologySpec.
struct Network {
  ns3::NodeContainer nodes;
  std::vector<ns3::Ptr<CoreHost>> hosts;  ///< one per node, started at 0 s
  std::vector<ns3::Ipv4Address> address;  ///< each node's address on its first link
  /// Link k's subnet is the k-th /30 of 192.0.2.0/24, then 198.51.100.0/24, then
  /// 203.0.113.0/24 (at most 192 links); end a gets .1 of its /30, end b .2.
  std::vector<std::array<ns3::Ipv4Address, 2>> link_address;

  /// Node `node`'s UDP `port` on its first address, as cores see it.
  core::Path PathOf(uint32_t node, uint16_t port) const;
};

/// Link k's subnet (a /30): see Network::link_address.
ns3::Ipv4Address link_subnet(uint32_t link);

/// Builds the nodes, links (IPv4, global routing) and outages, and one CoreHost per node.
/// Aborts on a link to a missing node, more than 192 links or an outage of a missing link.
Network build_network(const TopologySpec& spec);

/// The smallest network: nodes 0 and 1 on one link (192.0.2.1 and 192.0.2.2).
TopologySpec two_node_topology();

}  // namespace weft::sim
