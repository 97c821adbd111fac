// A NAT router on ns-3: a NatTable (RFC 4787, nat-table.h) as the node's IPv4 routing protocol,
// rewriting the addresses and ports of UDP and TCP between its inside links and its one outside
// link; a firewall that blocks UDP is the same router with NatConfig::block_udp.
#pragma once

#include <cstdint>
#include <memory>

#include "inner-static-routing.h"
#include "nat-table.h"

namespace weft::sim {

/// What the router dropped besides the table's own refusals (NatTable::Stats()).
struct NatRouterStats {
  uint64_t not_translatable = 0;  ///< neither UDP nor TCP across the NAT (ICMP ...)
  uint64_t unroutable = 0;        ///< from outside to an address that is not the external one
  uint64_t no_route = 0;          ///< no route for the rewritten packet
  uint64_t inside = 0;            ///< forwarded between inside hosts unchanged
};

/// Install with `ipv4->SetRoutingProtocol(router)` before the node's interfaces exist, then
/// Configure() once the outside interface has its address. Routes (the default route to the
/// upstream router, each inside link's connected route) live in an inner Ipv4StaticRouting.
/// Inside hosts' addresses are never reachable from outside: only what the table maps back.
class NatRouter : public InnerStaticRouting {
 public:
  static ns3::TypeId GetTypeId();
  NatRouter();

  /// The table takes `external` (the outside interface's address) as its external address;
  /// every other interface is inside; packets leave through `upstream` on the outside.
  void Configure(const NatConfig& config, uint32_t outside_interface,
                 ns3::Ipv4Address external, ns3::Ipv4Address upstream);
  NatTable& Table() { return *m_table; }
  const NatTable& Table() const { return *m_table; }
  const NatRouterStats& Stats() const { return m_stats; }
  ns3::Ipv4Address ExternalAddress() const { return m_external; }

  bool RouteInput(ns3::Ptr<const ns3::Packet> p, const ns3::Ipv4Header& header,
                  ns3::Ptr<const ns3::NetDevice> idev, UnicastForwardCallback ucb,
                  MulticastForwardCallback mcb, LocalDeliverCallback lcb,
                  ErrorCallback ecb) override;

 private:
  /// Sends `packet` with `header` on the route the inner table gives; false when none.
  bool Forward(ns3::Ptr<const ns3::Packet> packet, const ns3::Ipv4Header& header,
               const UnicastForwardCallback& ucb);

  std::unique_ptr<NatTable> m_table;
  uint32_t m_outside = 0;
  ns3::Ipv4Address m_external;
  NatRouterStats m_stats;
};

}  // namespace weft::sim
