// The simulated internet's own router (internet.h: the core, with every access link): ns-3's
// static routing with its per-packet linear scans (every address of every interface, every
// route) replaced by lookups remembered per destination. The same routes, chosen the same way.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <unordered_set>

#include "inner-static-routing.h"

namespace weft::sim {

/// Install with `ipv4->SetRoutingProtocol(router)` before the node's interfaces exist; its routes
/// are the connected routes of its interfaces (a change of interfaces or addresses makes it forget
/// what it remembered). A router with 60 links forwarded every packet after comparing the destination with its 120
/// addresses and 60 routes: at 1,000 simulated nodes those scans were a tenth of the run.
/// Anything but a unicast packet to forward (for this node, broadcast, multicast, a device
/// without forwarding) goes to the inner Ipv4StaticRouting unchanged.
class BackboneRouter : public InnerStaticRouting {
 public:
  static ns3::TypeId GetTypeId();
  BackboneRouter();

  /// Packets forwarded by a remembered route, and lookups made (one per new destination).
  uint64_t Forwarded() const { return m_forwarded; }
  uint64_t Lookups() const { return m_lookups; }

  bool RouteInput(ns3::Ptr<const ns3::Packet> p, const ns3::Ipv4Header& header,
                  ns3::Ptr<const ns3::NetDevice> idev, UnicastForwardCallback ucb,
                  MulticastForwardCallback mcb, LocalDeliverCallback lcb,
                  ErrorCallback ecb) override;

 private:
  void DoDispose() override;
  /// Forgets what was remembered: interfaces, addresses or routes changed.
  void Changed() override;
  /// Learns the node's addresses (local and broadcast, every interface) and devices again.
  void Learn();
  /// The inner table's route to `destination` (null: none), remembered.
  ns3::Ptr<ns3::Ipv4Route> Route(ns3::Ipv4Address destination);

  bool m_learned = false;
  std::unordered_set<uint32_t> m_own;  ///< every local and broadcast address of the node
  std::unordered_map<const ns3::NetDevice*, uint32_t> m_interfaceOf;
  std::unordered_map<uint32_t, ns3::Ptr<ns3::Ipv4Route>> m_routes;
  uint64_t m_forwarded = 0;
  uint64_t m_lookups = 0;
};

}  // namespace weft::sim
