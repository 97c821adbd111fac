// Live routes, auto-approval and primary election (docs/network-config.md, "Subnet routers").
#include "coord/routes.h"

#include <algorithm>
#include <optional>
#include <string>

namespace weft::coord {
namespace {

void sort_unique(std::vector<util::IpPrefix>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

bool in_group(const policy::Policy& policy, std::string_view group, const User& user) {
  if (std::find(user.groups.begin(), user.groups.end(), group) != user.groups.end()) return true;
  for (const auto& g : policy.groups) {
    if (g.name != group) continue;
    for (const auto& m : g.members)
      if (m.kind == policy::SelectorKind::kUser && m.name == user.email) return true;
  }
  return false;
}

// Whether an autoApprovers entry names the device (Tailscale: tags for tagged devices, the
// owner's identity otherwise).
bool approver_names(const policy::Policy& policy, const policy::Selector& s, const Device& d,
                    const User* owner) {
  using policy::SelectorKind;
  if (d.tagged()) {
    if (s.kind == SelectorKind::kAutogroupTagged) return true;
    return s.kind == SelectorKind::kTag &&
           std::find(d.tags.begin(), d.tags.end(), s.name) != d.tags.end();
  }
  if (owner == nullptr) return false;
  switch (s.kind) {
    case SelectorKind::kUser: return s.name == owner->email;
    case SelectorKind::kAutogroupMember: return true;
    case SelectorKind::kAutogroupAdmin:
      return s.name == std::string("autogroup:") + role_name(owner->role);
    case SelectorKind::kGroup: return in_group(policy, s.name, *owner);
    default: return false;
  }
}

bool any_names(const policy::Policy& policy, const std::vector<policy::Selector>& approvers,
               const Device& d, const User* owner) {
  for (const auto& s : approvers)
    if (approver_names(policy, s, d, owner)) return true;
  return false;
}

const std::vector<control::FilterRule> kNoRules;

}  // namespace

bool is_exit_route(const util::IpPrefix& p) { return p.bits() == 0; }

std::vector<util::IpPrefix> auto_approved_routes(const policy::Policy& policy, const Device& device,
                                                 const User* owner) {
  std::vector<util::IpPrefix> out;
  const auto& aa = policy.auto_approvers;
  for (const auto& route : device.advertised_routes) {
    if (is_exit_route(route)) {
      if (any_names(policy, aa.exit_node, device, owner)) out.push_back(route);
      continue;
    }
    for (const auto& entry : aa.routes)
      if (entry.route.contains(route) && any_names(policy, entry.approvers, device, owner)) {
        out.push_back(route);
        break;
      }
  }
  sort_unique(out);
  return out;
}

std::vector<util::IpPrefix> enabled_routes(const Device& device,
                                           const std::vector<util::IpPrefix>& auto_approved) {
  std::vector<util::IpPrefix> out;
  for (const auto& r : device.advertised_routes) {
    const bool approved =
        std::find(device.approved_routes.begin(), device.approved_routes.end(), r) !=
            device.approved_routes.end() ||
        std::binary_search(auto_approved.begin(), auto_approved.end(), r);
    if (approved) out.push_back(r);
  }
  sort_unique(out);
  return out;
}

std::size_t PrimaryRoutes::update(
    const std::map<util::IpPrefix, std::vector<RouteCandidate>>& candidates) {
  std::size_t changed = 0;
  std::map<util::IpPrefix, DeviceId> next;
  for (const auto& [prefix, list] : candidates) {
    if (list.empty()) continue;
    std::optional<DeviceId> current;
    if (auto it = primary_.find(prefix); it != primary_.end()) current = it->second;
    const RouteCandidate* keep = nullptr;
    const RouteCandidate* online = nullptr;
    const RouteCandidate* lowest = nullptr;
    for (const auto& c : list) {
      if (current && c.router == *current) keep = &c;
      if (c.online && (online == nullptr || c.router < online->router)) online = &c;
      if (lowest == nullptr || c.router < lowest->router) lowest = &c;
    }
    DeviceId chosen = lowest->router;
    if (keep != nullptr && keep->online)
      chosen = keep->router;
    else if (online != nullptr)
      chosen = online->router;
    else if (keep != nullptr)
      chosen = keep->router;
    if (!current || *current != chosen) ++changed;
    next.emplace(prefix, chosen);
  }
  for (const auto& [prefix, router] : primary_)
    if (next.count(prefix) == 0) ++changed;
  primary_ = std::move(next);
  return changed;
}

const std::vector<util::IpPrefix>* RouteView::routes_via(DeviceId viewer, DeviceId router) const {
  auto v = routes.find(viewer);
  if (v == routes.end()) return nullptr;
  auto r = v->second.find(router);
  return r == v->second.end() ? nullptr : &r->second;
}

bool RouteView::is_peer(DeviceId node, DeviceId other) const {
  auto it = peers.find(node);
  return it != peers.end() && it->second.count(other) != 0;
}

std::vector<DeviceId> RouteView::peers_of(DeviceId node) const {
  auto it = peers.find(node);
  if (it == peers.end()) return {};
  return {it->second.begin(), it->second.end()};
}

const std::vector<control::FilterRule>& RouteView::filter_of(DeviceId router) const {
  auto it = filters.find(router);
  return it == filters.end() ? kNoRules : it->second;
}

}  // namespace weft::coord
