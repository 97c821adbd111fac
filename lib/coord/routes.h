// Subnet routers and exit nodes on the server (docs/network-config.md, "Subnet routers", "Exit
// nodes"): which routes of a device are live (advertised and approved by the operator or the
// policy's autoApprovers), which router is primary for each prefix, and what the routes give each
// node (the routers' prefixes as their allowed IPs, the routers' filter rules). Pure values and
// functions; internal to the coordinator (it includes lib/policy's model).
#pragma once

#include <map>
#include <set>
#include <vector>

#include "control/messages.h"
#include "coord/device.h"
#include "coord/ids.h"
#include "policy/model.h"
#include "util/ip_prefix.h"

namespace weft::coord {

/// 0.0.0.0/0 or ::/0: what an exit node advertises (`weft up --advertise-exit-node`).
bool is_exit_route(const util::IpPrefix& p);

/// The advertised routes of `device` that the policy's autoApprovers approve: `routes` entries
/// whose prefix contains the route and whose approvers name the device (its tags, or its owner
/// `owner` by e-mail, group, role autogroup or autogroup:member; autogroup:tagged for any tagged
/// device), and the exit routes when `exitNode` names it. Sorted.
std::vector<util::IpPrefix> auto_approved_routes(const policy::Policy& policy, const Device& device,
                                                 const User* owner);

/// The routes of `device` that are live: advertised and approved (by the operator, or in
/// `auto_approved`). Sorted, unique.
std::vector<util::IpPrefix> enabled_routes(const Device& device,
                                           const std::vector<util::IpPrefix>& auto_approved);

/// One router that can serve a prefix.
struct RouteCandidate {
  DeviceId router;
  bool online = false;
};

/// The primary router of each subnet route: exactly one router carries a prefix at a time, so
/// that every node sends that prefix to the same place (failover: docs/network-config.md).
class PrimaryRoutes {
 public:
  /// Replaces the candidates, per prefix: the primary stays while it is online and still a
  /// candidate; otherwise the online candidate with the lowest id takes over; with none
  /// online, the current primary stays while it is a candidate, else the lowest id. Prefixes
  /// without candidates lose their primary. Returns how many primaries changed.
  std::size_t update(const std::map<util::IpPrefix, std::vector<RouteCandidate>>& candidates);
  const std::map<util::IpPrefix, DeviceId>& primaries() const { return primary_; }

 private:
  std::map<util::IpPrefix, DeviceId> primary_;
};

/// What the live routes give the nodes of the tailnet.
struct RouteView {
  /// viewer -> router -> the prefixes added to the router's allowed IPs in the viewer's netmap
  /// (sorted): the primary's subnet routes and every exit node's /0 the policy lets it reach.
  std::map<DeviceId, std::map<DeviceId, std::vector<util::IpPrefix>>> routes;
  /// Both ends of each of those relations: a viewer knows its routers and a router knows the
  /// nodes that may send through it, whatever else the policy says about the pair.
  std::map<DeviceId, std::set<DeviceId>> peers;
  /// router -> the rules its filter needs for the routed destinations.
  std::map<DeviceId, std::vector<control::FilterRule>> filters;

  /// The prefixes `router` carries for `viewer` (nullptr: none).
  const std::vector<util::IpPrefix>* routes_via(DeviceId viewer, DeviceId router) const;
  bool is_peer(DeviceId node, DeviceId other) const;
  /// The routing peers of `node`, sorted.
  std::vector<DeviceId> peers_of(DeviceId node) const;
  const std::vector<control::FilterRule>& filter_of(DeviceId router) const;
};

}  // namespace weft::coord
