// Netmaps and deltas (docs/control-plane.md, "Netmaps"): a full map when a stream opens, then
// per operation one MapDelta to each streaming node the operation touched — its cost follows the
// visibility edges the change crossed, never the size of the tailnet.
#include <algorithm>

#include "coord/netmap.h"
#include "coord/coordinator_impl.h"

namespace weft::coord {

control::Peer Coordinator::Impl::peer(const Device& d) const {
  const User* owner = registry->find_user(d.user);
  return peer_of(d, owner != nullptr ? std::string_view(owner->email) : std::string_view(),
                 config.dns_domain);
}

control::MapResponse Coordinator::Impl::full_map(const Device& d, uint64_t seq) const {
  control::MapResponse m;
  m.seq = seq;
  m.self = peer(d);
  std::vector<DeviceId> ids = visibility->peers_of(d.id);
  for (DeviceId r : route_view.peers_of(d.id)) ids.push_back(r);  // routers and their users
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  for (DeviceId p : ids) {
    if (const Device* pd = registry->find(p)) m.peers.push_back(peer_for(d.id, *pd));
  }
  m.filter = filter_for(d.id);
  m.dns = dns_config(config.dns_domain, dns);
  m.relays = config.relays;
  m.policy_version = history.empty() ? 0 : history.back().version;
  return m;
}

bool Coordinator::Impl::is_peer(DeviceId node, DeviceId other) const {
  const auto& peers = visibility->peers_of(node);
  return std::binary_search(peers.begin(), peers.end(), other) || route_view.is_peer(node, other);
}

void Coordinator::Impl::owe_peer_update(DeviceId changed) {
  if (!visibility->contains(changed)) return;
  for (DeviceId p : visibility->peers_of(changed)) pending[p].upsert.insert(changed);
  // A router and the nodes that use its routes may be peers through the route alone: they
  // hear of each other's endpoints, home region and state too.
  for (DeviceId p : route_view.peers_of(changed)) pending[p].upsert.insert(changed);
}

void Coordinator::Impl::owe(const VisibilityChange& change, std::optional<DeviceId> joined,
                             const Leaving* left) {
  for (const auto& c : change.nodes) {
    PendingDelta& d = pending[c.node];
    for (DeviceId a : c.peers_added) {
      d.upsert.insert(a);
      // Removed and added back within one operation: the node knew it before, so it stays
      // known and is upserted; otherwise it is new to the node.
      if (d.remove.erase(a) == 0) d.added.insert(a);
    }
    for (DeviceId r : c.peers_removed) {
      d.upsert.erase(r);
      // Added and removed within one operation: the node never learned of it, so the removal
      // must not name it either.
      if (d.added.erase(r) == 0) d.remove.insert(r);
    }
    if (!c.filter_changed) continue;
    // A join or a leave changes another node's filter by the device's own addresses only: that
    // is sent instead of the whole filter, which at a service node lists the whole tailnet.
    if (joined && c.node != *joined) {
      owe_filter_added(d, visibility->contribution(*joined, c.node));
    } else if (left != nullptr) {
      owe_sources_removed(d, c.node, *left);
    } else {
      d.filter = true;
    }
  }
}

void Coordinator::Impl::owe_filter_added(PendingDelta& d, std::vector<control::FilterRule> rules) {
  // filter_changed is conservative: nothing to add is nothing to send.
  if (d.filter || rules.empty()) return;
  if (!d.filter_sources_removed.empty()) {
    d.filter = true;  // the client removes before it adds: the order within the operation is lost
    return;
  }
  for (auto& r : rules) d.filter_added.push_back(std::move(r));
}

Coordinator::Impl::Leaving Coordinator::Impl::leaving(DeviceId id) const {
  Leaving out;
  out.prefixes = visibility->source_prefixes(id);
  // Only a peer can list it; "filter_changed" would also flag filters that list it under a rule
  // open to everyone, where the removal changes nothing.
  for (DeviceId p : visibility->peers_of(id))
    if (!visibility->contribution(id, p).empty()) out.listed_by.insert(p);
  return out;
}

void Coordinator::Impl::owe_sources_removed(PendingDelta& d, DeviceId node, const Leaving& leaving) {
  const auto& left = leaving.prefixes;
  if (d.filter || left.empty() || leaving.listed_by.count(node) == 0) return;
  bool whole = !d.filter_added.empty();
  // A removal takes the prefix out of every rule: where the policy also names it by prefix
  // (an IP set listing the address), it must stay, so the filter goes whole.
  for (const auto& rule : visibility->prefix_rules(node)) {
    for (const auto& p : rule.sources) whole = whole || std::binary_search(left.begin(), left.end(), p);
  }
  if (whole) {
    d.filter = true;
    return;
  }
  d.filter_sources_removed.insert(d.filter_sources_removed.end(), left.begin(), left.end());
}

void Coordinator::Impl::flush(core::Now now) {
  refresh_routes();
  const uint64_t version = history.empty() ? 0 : history.back().version;
  for (auto& [node, owed] : pending) {
    auto st = streams.find(node);
    if (st == streams.end()) continue;
    Session* s = find(st->second);
    // A stream that has not asked for its map yet gets everything in its full map.
    if (s == nullptr || s->phase != Session::Phase::kStreaming) continue;
    const Device* self = registry->find(node);
    if (self == nullptr || !visibility->contains(node)) continue;
    control::MapDelta delta;
    for (DeviceId id : owed.upsert) {
      // Only what the node may know now: a peer that left again in the same operation is not
      // sent (and one it never knew needs no removal).
      if (!is_peer(node, id)) continue;
      if (const Device* d = registry->find(id)) delta.upserted.push_back(peer_for(node, *d));
    }
    for (DeviceId id : owed.remove) {
      // The policy let go of it, but a route still joins the two: it stays, as routes give it.
      const Device* d = is_peer(node, id) ? registry->find(id) : nullptr;
      if (d != nullptr)
        delta.upserted.push_back(peer_for(node, *d));
      else
        delta.removed.push_back(control::NodeId{id.value});
    }
    if (owed.filter) {
      delta.filter = filter_for(node);
    } else {
      delta.filter_sources_removed = std::move(owed.filter_sources_removed);
      delta.filter_added = std::move(owed.filter_added);
    }
    if (owed.self) delta.self = peer(*self);
    if (owed.dns) delta.dns = dns_config(config.dns_domain, dns);
    if (delta.upserted.empty() && delta.removed.empty() && !delta.filter &&
        delta.filter_added.empty() && delta.filter_sources_removed.empty() && !delta.self &&
        !delta.dns)
      continue;
    delta.policy_version = version;
    delta.seq = ++s->seq;
    send(*s, delta, now);
    ++counters.deltas_sent;
  }
  pending.clear();
}

}  // namespace weft::coord
