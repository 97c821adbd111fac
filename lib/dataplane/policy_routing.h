// Carries out a routing::RoutePlan over rtnetlink: routes through the tunnel interface, the
// full-tunnel policy rules, src_valid_mark; and takes them away again. The planner decides
// (lib/routing); this file only executes, for `weft tunnel` and later the node agent.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "routing/route_plan.h"
#include "runtime/netlink.h"
#include "util/result.h"

namespace weft::dataplane {

/// routing::PlanInput::table_in_use answered by a route dump (a failed dump counts as "in
/// use", so the planner moves on rather than sharing a table it could not check).
std::function<bool(uint32_t)> table_in_use_checker();

/// The routes and rules of one plan, installed. Destroying it removes them: one instance of
/// each rule it added (rules outlive the interface) and its routes (which would also leave with
/// the interface).
class InstalledRouting {
 public:
  /// Installs `plan` for interface `ifindex`: first removes rules a crashed earlier run left
  /// for the same table (every "not fwmark T lookup T", and as many "suppress_prefixlength 0"
  /// rules of that family), then the routes, then the rules, then src_valid_mark. On error,
  /// what was already added is removed again. `log` gets one line per notable step (may be
  /// null). Errors: "runtime.netlink*" (EPERM without CAP_NET_ADMIN, EEXIST never: an
  /// existing route is success).
  static Result<std::unique_ptr<InstalledRouting>> install(
      int ifindex, const routing::RoutePlan& plan,
      const std::function<void(std::string_view)>& log);
  ~InstalledRouting();
  InstalledRouting(const InstalledRouting&) = delete;
  InstalledRouting& operator=(const InstalledRouting&) = delete;

  /// Removes what install() added, now (idempotent; errors are logged, not returned: this
  /// runs on the way out).
  void remove();

 private:
  InstalledRouting(runtime::Netlink nl, int ifindex, std::function<void(std::string_view)> log)
      : nl_(std::move(nl)), ifindex_(ifindex), log_(std::move(log)) {}
  runtime::Netlink nl_;
  int ifindex_;
  std::function<void(std::string_view)> log_;
  std::vector<routing::PlannedRoute> routes_;   // added, in order
  std::vector<routing::PlannedRule> rules_;     // added, in order
};

/// The rtnetlink form of a planned rule.
runtime::RouteRule to_route_rule(const routing::PlannedRule& rule);

}  // namespace weft::dataplane
