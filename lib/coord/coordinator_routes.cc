// Subnet routes and exit nodes in netmaps (docs/network-config.md): the live routes of the
// registry, the primary of each prefix, who may reach them under the policy in force, and the
// deltas that a change of any of these owes. Recomputed whole at each flush while some device
// advertises routes: its cost is the routers' prefixes times the policy pairs into them, not the
// tailnet's size when nobody routes.
#include <algorithm>

#include "coord/coordinator_impl.h"
#include "coord/netmap.h"

namespace weft::coord {
namespace {

const std::vector<util::IpPrefix> kNone;

const std::vector<util::IpPrefix>& routes_in(const RouteView& v, DeviceId viewer, DeviceId router) {
  const auto* r = v.routes_via(viewer, router);
  return r != nullptr ? *r : kNone;
}

}  // namespace

std::vector<util::IpPrefix> Coordinator::Impl::auto_approved(const Device& d) const {
  if (!policy || d.advertised_routes.empty()) return {};
  return auto_approved_routes(*policy, d, registry->find_user(d.user));
}

control::Peer Coordinator::Impl::peer_for(DeviceId viewer, const Device& d) const {
  control::Peer p = peer(d);
  if (const auto* routes = route_view.routes_via(viewer, d.id))
    p.allowed_ips.insert(p.allowed_ips.end(), routes->begin(), routes->end());
  return p;
}

std::vector<control::FilterRule> Coordinator::Impl::filter_for(DeviceId id) const {
  std::vector<control::FilterRule> rules = visibility->inbound_filter(id);
  const auto& routed = route_view.filter_of(id);
  rules.insert(rules.end(), routed.begin(), routed.end());
  return rules;
}

void Coordinator::Impl::refresh_routes() {
  // Live routes: subnet routes compete for one primary each; every exit node serves on its own.
  std::map<util::IpPrefix, std::vector<RouteCandidate>> candidates;
  std::vector<std::pair<DeviceId, util::IpPrefix>> served;
  for (const auto& [id, d] : registry->devices()) {
    if (d.advertised_routes.empty() || d.state != DeviceState::kAuthorized ||
        !visibility->contains(id))
      continue;
    for (const auto& r : enabled_routes(d, auto_approved(d))) {
      if (is_exit_route(r))
        served.emplace_back(id, r);
      else
        candidates[r].push_back(RouteCandidate{id, d.online});
    }
  }
  if (candidates.empty() && served.empty() && route_view.peers.empty() &&
      route_view.filters.empty() && primaries.primaries().empty())
    return;
  primaries.update(candidates);
  for (const auto& [prefix, router] : primaries.primaries()) served.emplace_back(router, prefix);

  RouteView next;
  std::map<util::IpPrefix, Visibility::RoutedAccess> access;  // one policy walk per prefix
  for (const auto& [router, prefix] : served) {
    auto it = access.find(prefix);
    if (it == access.end()) it = access.emplace(prefix, visibility->routed_access(prefix)).first;
    bool used = false;
    for (DeviceId viewer : it->second.sources) {
      if (viewer == router) continue;
      next.routes[viewer][router].push_back(prefix);
      next.peers[viewer].insert(router);
      next.peers[router].insert(viewer);
      used = true;
    }
    if (!used) continue;
    auto& rules = next.filters[router];
    rules.insert(rules.end(), it->second.rules.begin(), it->second.rules.end());
  }
  for (auto& [viewer, routers] : next.routes)
    for (auto& [router, prefixes] : routers) std::sort(prefixes.begin(), prefixes.end());

  // What changed for each node: routers gained, lost or carrying other prefixes for it, and
  // nodes a router gained or lost; a router's routed rules go out with its whole filter.
  std::set<DeviceId> nodes;
  for (const auto* v : {&route_view, &next})
    for (const auto& [node, peers] : v->peers) nodes.insert(node);
  for (DeviceId node : nodes) {
    std::set<DeviceId> others;
    for (const auto* v : {&route_view, &next})
      if (auto it = v->peers.find(node); it != v->peers.end())
        others.insert(it->second.begin(), it->second.end());
    for (DeviceId other : others) {
      const bool was = route_view.is_peer(node, other);
      const bool is = next.is_peer(node, other);
      if (was == is && routes_in(route_view, node, other) == routes_in(next, node, other)) continue;
      PendingDelta& d = pending[node];
      const auto& peers = visibility->peers_of(node);
      if (!is && !std::binary_search(peers.begin(), peers.end(), other)) {
        d.upsert.erase(other);
        if (d.added.erase(other) == 0) d.remove.insert(other);
      } else {
        d.remove.erase(other);
        d.upsert.insert(other);
      }
    }
  }
  for (const auto* v : {&route_view, &next})
    for (const auto& [router, rules] : v->filters)
      if (!same_filter(route_view.filter_of(router), next.filter_of(router)))
        pending[router].filter = true;
  route_view = std::move(next);
}

Status Coordinator::set_route_approval(DeviceId id, const std::vector<util::IpPrefix>& routes,
                                       bool approve, core::Now now) {
  Impl& m = *impl_;
  m.last_now = now;
  auto c = m.registry->set_route_approval(id, routes, approve);
  if (!c) return c.error();
  if (auto st = m.commit(&*c); !st) return st;
  // Not apply(): the device's identity in the policy did not change, only what it routes.
  m.flush(now);
  return Ok{};
}

std::vector<Coordinator::DeviceRoutes> Coordinator::routes() const {
  const Impl& m = *impl_;
  std::vector<DeviceRoutes> out;
  for (const auto& [id, d] : m.registry->devices()) {
    if (d.state == DeviceState::kRemoved) continue;
    if (d.advertised_routes.empty() && d.approved_routes.empty()) continue;
    DeviceRoutes r;
    r.id = id;
    r.advertised = d.advertised_routes;
    r.approved = d.approved_routes;
    r.auto_approved = m.auto_approved(d);
    for (const auto& [prefix, router] : m.primaries.primaries())
      if (router == id) r.primary.push_back(prefix);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace weft::coord
