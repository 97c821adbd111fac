// The executor of routing plans (policy_routing.h): rtnetlink requests in wg-quick's order,
// and their undoing.
#include "dataplane/policy_routing.h"

#include <fcntl.h>
#include <unistd.h>

namespace weft::dataplane {

runtime::RouteRule to_route_rule(const routing::PlannedRule& rule) {
  runtime::RouteRule r;
  r.ipv6 = rule.ipv6;
  r.table = rule.table;
  if (rule.kind == routing::PlannedRule::Kind::kNotMarkedToTable) {
    r.fwmark = rule.fwmark;
    r.invert = true;
  } else {
    r.suppress_prefixlength = 0;
  }
  return r;
}

std::function<bool(uint32_t)> table_in_use_checker() {
  return [](uint32_t table) {
    auto nl = runtime::Netlink::open();
    if (!nl.ok()) return true;
    auto used = nl->table_has_routes(table);
    return !used.ok() || *used;
  };
}

namespace {

void log_line(const std::function<void(std::string_view)>& log, const std::string& line) {
  if (log) log(line);
}

// wg-quick sets it and leaves it set; so does weft (other tunnels may rely on it by then).
Status set_src_valid_mark() {
  int fd = ::open("/proc/sys/net/ipv4/conf/all/src_valid_mark", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return make_error("runtime.sysctl", "open net.ipv4.conf.all.src_valid_mark");
  bool ok = ::write(fd, "1\n", 2) == 2;
  ::close(fd);
  if (!ok) return make_error("runtime.sysctl", "write net.ipv4.conf.all.src_valid_mark");
  return Ok{};
}

}  // namespace

Result<std::unique_ptr<InstalledRouting>> InstalledRouting::install(
    int ifindex, const routing::RoutePlan& plan,
    const std::function<void(std::string_view)>& log) {
  auto nl = runtime::Netlink::open();
  if (!nl.ok()) return nl.error();
  std::unique_ptr<InstalledRouting> out(new InstalledRouting(std::move(*nl), ifindex, log));

  // Leftovers of a run that could not clean up (SIGKILL, a crash): the table's own rules are
  // ours by construction; the shared suppress rule is taken once per leftover table rule.
  for (const auto& rule : plan.rules) {
    if (rule.kind != routing::PlannedRule::Kind::kNotMarkedToTable) continue;
    int stale = 0;
    while (stale < 64) {
      auto gone = out->nl_.delete_rule(to_route_rule(rule));
      if (!gone.ok()) return gone.error();
      if (!*gone) break;
      ++stale;
    }
    routing::PlannedRule suppress;
    suppress.kind = routing::PlannedRule::Kind::kMainSuppressDefault;
    suppress.ipv6 = rule.ipv6;
    for (int i = 0; i < stale; ++i) {
      auto gone = out->nl_.delete_rule(to_route_rule(suppress));
      if (!gone.ok()) return gone.error();
    }
    if (stale > 0) {
      log_line(log, "removed " + std::to_string(stale) + " stale IPv" +
                        (rule.ipv6 ? "6" : "4") + " rule(s) for table " +
                        std::to_string(rule.table) + " left by an earlier run");
    }
  }

  for (const auto& route : plan.routes) {
    if (auto s = out->nl_.add_route(ifindex, route.destination, route.table); !s.ok()) {
      return s.error();  // out's destructor removes what was added
    }
    out->routes_.push_back(route);
  }
  for (const auto& rule : plan.rules) {
    if (auto s = out->nl_.add_rule(to_route_rule(rule)); !s.ok()) return s.error();
    out->rules_.push_back(rule);
  }
  if (plan.src_valid_mark) {
    if (auto s = set_src_valid_mark(); !s.ok()) log_line(log, s.error().detail);
  }
  return out;
}

InstalledRouting::~InstalledRouting() { remove(); }

void InstalledRouting::remove() {
  for (auto it = rules_.rbegin(); it != rules_.rend(); ++it) {
    auto gone = nl_.delete_rule(to_route_rule(*it));
    if (!gone.ok()) log_line(log_, "cannot remove rule: " + gone.error().detail);
  }
  rules_.clear();
  for (auto it = routes_.rbegin(); it != routes_.rend(); ++it) {
    auto gone = nl_.delete_route(ifindex_, it->destination, it->table);
    if (!gone.ok()) log_line(log_, "cannot remove route: " + gone.error().detail);
  }
  routes_.clear();
}

}  // namespace weft::dataplane
