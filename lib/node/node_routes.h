// Subnet routes and exit nodes on a node (docs/network-config.md, "Subnet routers", "Exit
// nodes"): what `weft up` advertises, the kernel routes the netmap's routers need through the
// tailnet interface, and a router's forwarding and SNAT; the exit node's default routes go
// through lib/routing's planner and dataplane::InstalledRouting, as `weft tunnel`'s do.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "control/messages.h"
#include "dataplane/datapath.h"
#include "dataplane/policy_routing.h"
#include "util/ip_prefix.h"
#include "util/result.h"

namespace weft::node {

/// The fwmark of a node that uses an exit node, and the table of its default routes: set on
/// weft's UDP socket, its control and relay connections from the start (before the exit node's
/// routes exist), so that none of them ever enters the tunnel.
inline constexpr uint32_t kExitFwmark = 51820;

/// `weft up`'s route options.
struct RouteOptions {
  std::vector<util::IpPrefix> advertise_routes;  // --advertise-routes (masked prefixes)
  bool advertise_exit_node = false;              // --advertise-exit-node
  bool snat_subnet_routes = true;                // --snat-subnet-routes
  std::string exit_node;  // --exit-node: a peer's name, DNS name or tailnet address
  bool exit_node_allow_lan_access = false;  // --exit-node-allow-lan-access

  bool router() const { return !advertise_routes.empty() || advertise_exit_node; }
};

/// What the node advertises to the server (Hostinfo::advertised_routes): the routes, then
/// 0.0.0.0/0 and ::/0 for an exit node; sorted, unique.
std::vector<util::IpPrefix> advertised_routes(const RouteOptions& options);

/// The routes a netmap's peers carry for this node besides their own addresses and default
/// routes: each prefix of some peer's allowed IPs that is not a /0 and not inside the tailnet
/// ranges. Sorted, unique. Pure.
std::vector<util::IpPrefix> subnet_routes_of(const std::map<control::NodeId, control::Peer>& peers);

/// The OS side: kernel routes through the tailnet interface, the exit node's policy routing,
/// and a router's IP forwarding and MASQUERADE rules; all taken back when destroyed (routes and
/// rules identical to before). Runs on the agent's loop.
class NodeRouting {
 public:
  NodeRouting(int ifindex, std::string ifname, dataplane::DataPath& path, RouteOptions options,
              std::function<void(std::string_view)> log);
  ~NodeRouting();
  NodeRouting(const NodeRouting&) = delete;
  NodeRouting& operator=(const NodeRouting&) = delete;

  /// A router: IPv4 (and IPv6, when the host has it) forwarding on, the previous values kept
  /// for the way out; with --snat-subnet-routes, MASQUERADE for traffic from the tailnet ranges
  /// into each advertised route; an exit node MASQUERADEs what leaves through any other
  /// interface. Nothing for a node that advertises nothing. With --exit-node, the mark
  /// kExitFwmark on weft's UDP socket.
  /// Errors: "runtime.sysctl" (not root), "node.iptables" (iptables missing or refusing),
  /// "runtime.udp_mark".
  Status start();

  /// After a netmap: the subnet routes it carries (subnet_routes_of) into the main table, the
  /// ones it no longer carries removed; default routes through the interface while the exit
  /// node is offered (`exit_active`), removed when it no longer is: table kExitFwmark, "not
  /// fwmark kExitFwmark lookup kExitFwmark" and, with --exit-node-allow-lan-access only,
  /// "lookup main suppress_prefixlength 0" (the LAN and every other route more specific than a
  /// default route stay out of the tunnel). Failures are logged.
  void apply(const std::vector<util::IpPrefix>& subnet_routes, bool exit_active);

  const std::vector<util::IpPrefix>& installed() const { return routes_; }
  bool exit_installed() const { return exit_ != nullptr; }

 private:
  void log(const std::string& line) const {
    if (log_) log_(line);
  }
  Status iptables(bool add, bool v6, const std::vector<std::string>& match);
  void remove_all();

  int ifindex_;
  std::string ifname_;
  dataplane::DataPath& path_;
  RouteOptions options_;
  std::function<void(std::string_view)> log_;
  std::vector<util::IpPrefix> routes_;  // installed in the main table
  std::unique_ptr<dataplane::InstalledRouting> exit_;
  std::vector<std::pair<bool, std::vector<std::string>>> nat_rules_;  // (v6, match) added
  std::vector<std::pair<std::string, std::string>> sysctls_;  // (path, value before)
};

}  // namespace weft::node
