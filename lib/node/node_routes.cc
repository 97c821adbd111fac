// Subnet routes and exit nodes on a node (docs/network-config.md): kernel routes for the routers
// of the netmap, the exit node's policy routing (lib/routing's plan, as `weft tunnel` installs
// it), a router's forwarding sysctls and MASQUERADE rules, and their removal.
#include "node/node_routes.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>

#include "node/tailnet_interface.h"
#include "routing/route_plan.h"
#include "runtime/netlink.h"
#include "runtime/subprocess.h"

namespace weft::node {
namespace {

void sort_unique(std::vector<util::IpPrefix>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

std::optional<std::string> read_sysctl(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char buf[32];
  const ssize_t n = ::read(fd, buf, sizeof buf);
  ::close(fd);
  if (n <= 0) return std::nullopt;
  std::string s(buf, static_cast<std::size_t>(n));
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

bool write_sysctl(const std::string& path, const std::string& value) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const std::string line = value + "\n";
  const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ::close(fd);
  return ok;
}

constexpr const char* kForward4 = "/proc/sys/net/ipv4/ip_forward";
constexpr const char* kForward6 = "/proc/sys/net/ipv6/conf/all/forwarding";

}  // namespace

std::vector<util::IpPrefix> advertised_routes(const RouteOptions& options) {
  std::vector<util::IpPrefix> out = options.advertise_routes;
  if (options.advertise_exit_node) {
    out.push_back(*util::IpPrefix::parse("0.0.0.0/0"));
    out.push_back(*util::IpPrefix::parse("::/0"));
  }
  sort_unique(out);
  return out;
}

std::vector<util::IpPrefix> subnet_routes_of(const std::map<control::NodeId, control::Peer>& peers) {
  std::vector<util::IpPrefix> out;
  const auto ranges = tailnet_ranges();
  for (const auto& [id, p] : peers)
    for (const auto& a : p.allowed_ips) {
      if (a.bits() == 0) continue;
      bool tailnet = false;
      for (const auto& r : ranges) tailnet = tailnet || r.contains(a);
      if (!tailnet) out.push_back(a);
    }
  sort_unique(out);
  return out;
}

NodeRouting::NodeRouting(int ifindex, std::string ifname, dataplane::DataPath& path,
                         RouteOptions options, std::function<void(std::string_view)> log)
    : ifindex_(ifindex),
      ifname_(std::move(ifname)),
      path_(path),
      options_(std::move(options)),
      log_(std::move(log)) {}

NodeRouting::~NodeRouting() { remove_all(); }

Status NodeRouting::iptables(bool add, bool v6, const std::vector<std::string>& match) {
  std::vector<std::string> argv{v6 ? "ip6tables" : "iptables", "-w", "-t", "nat",
                                add ? "-A" : "-D", "POSTROUTING"};
  argv.insert(argv.end(), match.begin(), match.end());
  for (const char* a : {"-m", "comment", "--comment"}) argv.emplace_back(a);
  argv.push_back("weft " + ifname_);
  argv.emplace_back("-j");
  argv.emplace_back("MASQUERADE");
  auto rc = runtime::run_program(argv);
  if (!rc.ok()) return make_error("node.iptables", argv[0] + ": " + rc.error().detail);
  if (*rc != 0) return make_error("node.iptables", argv[0] + " exited with " + std::to_string(*rc));
  return Ok{};
}

Status NodeRouting::start() {
  if (!options_.exit_node.empty())
    if (auto s = path_.set_mark(kExitFwmark); !s.ok()) return s;
  if (!options_.router()) return Ok{};
  for (const char* path : {kForward4, kForward6}) {
    auto before = read_sysctl(path);
    if (!before) {
      if (path == kForward4) return make_error("runtime.sysctl", std::string("cannot read ") + path);
      continue;  // no IPv6 on this host
    }
    if (*before == "1") continue;
    if (!write_sysctl(path, "1")) {
      if (path == kForward4) return make_error("runtime.sysctl", std::string("cannot write ") + path);
      log(std::string("cannot enable ") + path + "; IPv6 is not forwarded");
      continue;
    }
    sysctls_.emplace_back(path, *before);
  }
  const auto ranges = tailnet_ranges();
  std::vector<std::pair<bool, std::vector<std::string>>> rules;
  if (options_.snat_subnet_routes)
    for (const auto& r : options_.advertise_routes)
      for (const auto& t : ranges)
        if (t.address().is_v4() == r.address().is_v4())
          rules.push_back({!r.address().is_v4(), {"-s", t.to_string(), "-d", r.to_string()}});
  if (options_.advertise_exit_node)
    for (const auto& t : ranges)
      rules.push_back({!t.address().is_v4(), {"-s", t.to_string(), "!", "-o", ifname_}});
  for (auto& [v6, match] : rules) {
    if (auto s = iptables(true, v6, match); !s.ok()) {
      if (!v6) {
        remove_all();
        return s;
      }
      log("IPv6 traffic is not masqueraded: " + s.error().detail);
      continue;
    }
    nat_rules_.emplace_back(v6, std::move(match));
  }
  log(std::string("routing for the tailnet: forwarding on") +
      (nat_rules_.empty() ? "" : ", " + std::to_string(nat_rules_.size()) + " MASQUERADE rules"));
  return Ok{};
}

void NodeRouting::apply(const std::vector<util::IpPrefix>& subnet_routes, bool exit_active) {
  auto nl = runtime::Netlink::open();
  if (!nl.ok()) {
    log("cannot change routes: " + nl.error().detail);
    return;
  }
  std::vector<util::IpPrefix> kept;
  for (const auto& r : routes_) {
    if (std::binary_search(subnet_routes.begin(), subnet_routes.end(), r)) {
      kept.push_back(r);
      continue;
    }
    if (auto s = nl->delete_route(ifindex_, r, routing::kMainTable); !s.ok())
      log("cannot remove the route to " + r.to_string() + ": " + s.error().detail);
    else
      log("route to " + r.to_string() + " removed");
  }
  for (const auto& r : subnet_routes) {
    if (std::binary_search(kept.begin(), kept.end(), r)) continue;
    if (auto s = nl->add_route(ifindex_, r); !s.ok()) {
      log("cannot add the route to " + r.to_string() + ": " + s.error().detail);
      continue;
    }
    log("route to " + r.to_string() + " through " + ifname_);
    kept.push_back(r);
  }
  std::sort(kept.begin(), kept.end());
  routes_ = std::move(kept);

  if (exit_active == (exit_ != nullptr)) return;
  if (!exit_active) {
    exit_.reset();
    log("exit node: default routes removed");
    return;
  }
  routing::PlanInput in;
  in.allowed_ips = {*util::IpPrefix::parse("0.0.0.0/0"), *util::IpPrefix::parse("::/0")};
  in.fwmark = kExitFwmark;
  for (int attempt = 0; attempt < 2 && !exit_; ++attempt) {
    routing::RoutePlan plan = routing::plan_routes(in);
    // Without LAN access everything goes to the exit node but what carries the mark (weft's
    // own connections, set at start): wg-quick's rule that lets the main table's specific
    // routes win is left out.
    if (!options_.exit_node_allow_lan_access)
      plan.rules.erase(std::remove_if(plan.rules.begin(), plan.rules.end(),
                                      [](const routing::PlannedRule& r) {
                                        return r.kind == routing::PlannedRule::Kind::kMainSuppressDefault;
                                      }),
                       plan.rules.end());
    auto installed = dataplane::InstalledRouting::install(ifindex_, plan, log_);
    if (installed.ok()) {
      exit_ = std::move(*installed);
      log("exit node: default routes through " + ifname_ + " (table " +
          std::to_string(plan.policy_table) + ", fwmark " + std::to_string(kExitFwmark) +
          (options_.exit_node_allow_lan_access ? ", LAN access" : ", no LAN access") + ")");
      return;
    }
    // Hosts without IPv6 refuse ::/0: the exit node then carries IPv4 alone.
    log("exit node: " + installed.error().detail + (attempt == 0 ? "; trying IPv4 only" : ""));
    in.allowed_ips = {*util::IpPrefix::parse("0.0.0.0/0")};
  }
}

void NodeRouting::remove_all() {
  exit_.reset();
  if (!routes_.empty())
    if (auto nl = runtime::Netlink::open(); nl.ok())
      for (const auto& r : routes_) (void)nl->delete_route(ifindex_, r, routing::kMainTable);
  routes_.clear();
  for (auto it = nat_rules_.rbegin(); it != nat_rules_.rend(); ++it)
    if (auto s = iptables(false, it->first, it->second); !s.ok())
      log("cannot remove a MASQUERADE rule: " + s.error().detail);
  nat_rules_.clear();
  for (auto it = sysctls_.rbegin(); it != sysctls_.rend(); ++it)
    if (!write_sysctl(it->first, it->second)) log("cannot restore " + it->first);
  sysctls_.clear();
}

}  // namespace weft::node
