// The smallest simulated network: two ns-3 nodes with IPv4 on one point-to-point link
// (192.0.2.1 and 192.0.2.2, documentation range), and a UdpCoreApp on each.
#pragma once

#include <cstdint>
#include <memory>

#include "ns3/ipv4-address.h"
#include "ns3/node-container.h"
#include "ns3/ptr.h"
#include "sans-io-core.h"
#include "udp-core-app.h"

namespace weft::sim {

struct TwoNodeNetwork {
  ns3::NodeContainer nodes;
  ns3::Ipv4Address address[2];
  wg::Path endpoint[2];  ///< each node's core socket, as the cores see it
  ns3::Ptr<UdpCoreApp> app[2];
};

/// Builds the link (100 Mbit/s, 1 ms one way) and installs an app bound to `port` on each node.
/// Cores are attached with app[i]->SetCore() before the simulation runs; apps start at 0 s.
TwoNodeNetwork build_two_node_network(uint16_t port);

}  // namespace weft::sim
