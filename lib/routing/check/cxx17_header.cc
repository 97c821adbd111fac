// Build-time guard: the routing planner's header must compile as C++17, so the node engine's
// exit-node logic (driven by ns-3 too) can plan routes with it. Compiled with CXX_STANDARD 17.
#include "routing/route_plan.h"

namespace weft::routing {

[[maybe_unused]] static bool cxx17_probe() {
  PlanInput in;
  in.table = *TableSetting::parse("auto");
  in.allowed_ips.push_back(util::IpPrefix{});
  const RoutePlan plan = plan_routes(in);
  return plan.routes.empty() && plan.rules.empty() && in.table.to_string() == "auto";
}

}  // namespace weft::routing
