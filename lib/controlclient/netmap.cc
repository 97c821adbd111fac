// Applying full maps and deltas to the control client's model (docs/control-plane.md, "Control
// client"): a full map replaces the model; a delta is applied only on the next seq.
#include "controlclient/netmap.h"

#include <algorithm>
#include <string>
#include <tuple>
#include <utility>

namespace weft::controlclient {
namespace {

// The prefixes leave every rule; rules left without sources go (as the server never lists them).
void remove_sources(std::vector<control::FilterRule>& filter, std::vector<util::IpPrefix> gone) {
  std::sort(gone.begin(), gone.end());
  for (auto& rule : filter) {
    auto& s = rule.sources;
    s.erase(std::remove_if(s.begin(), s.end(),
                           [&](const util::IpPrefix& p) {
                             return std::binary_search(gone.begin(), gone.end(), p);
                           }),
            s.end());
  }
  filter.erase(std::remove_if(filter.begin(), filter.end(),
                              [](const control::FilterRule& r) { return r.sources.empty(); }),
               filter.end());
}

// Rules with at least this many sources get room for more in a full map (see replace_netmap).
constexpr std::size_t kSourcesWithHeadroom = 1024;

// Merges the rule into the one with its protocol, ports and destinations (sources sorted and
// unique, as the server lists them), or inserts it where the server's order puts it.
void add_rule(std::vector<control::FilterRule>& filter, control::FilterRule&& rule) {
  auto key = [](const control::FilterRule& r) {
    return std::make_tuple(r.protocol, r.port_first, r.port_last);
  };
  auto it = std::find_if(filter.begin(), filter.end(), [&](const control::FilterRule& r) {
    return key(r) == key(rule) && r.destinations == rule.destinations;
  });
  if (it == filter.end()) {
    std::sort(rule.sources.begin(), rule.sources.end());
    rule.sources.erase(std::unique(rule.sources.begin(), rule.sources.end()), rule.sources.end());
    auto at = std::find_if(filter.begin(), filter.end(),
                           [&](const control::FilterRule& r) { return key(rule) < key(r); });
    filter.insert(at, std::move(rule));
    return;
  }
  // A join adds one device's addresses to rules that may list the whole tailnet: insert them
  // where they go rather than sort tens of thousands of sources again for each.
  auto& s = it->sources;
  auto& add = rule.sources;
  std::sort(add.begin(), add.end());
  add.erase(std::unique(add.begin(), add.end()), add.end());
  if (add.size() * 16 < s.size()) {
    for (const auto& p : add) {
      auto at = std::lower_bound(s.begin(), s.end(), p);
      if (at == s.end() || !(*at == p)) s.insert(at, p);
    }
    return;
  }
  const auto middle = static_cast<std::ptrdiff_t>(s.size());
  s.insert(s.end(), add.begin(), add.end());
  std::inplace_merge(s.begin(), s.begin() + middle, s.end());
  s.erase(std::unique(s.begin(), s.end()), s.end());
}

}  // namespace

Result<NetMapChange> replace_netmap(NetMap& map, control::MapResponse&& full) {
  std::map<control::NodeId, control::Peer> peers;
  for (auto& p : full.peers) {
    if (p.id == full.self.id) {
      return make_error("controlclient.self_as_peer",
                        "the map lists the node itself (id " + std::to_string(p.id.value) +
                            ") as a peer");
    }
    const control::NodeId id = p.id;
    if (!peers.emplace(id, std::move(p)).second) {
      return make_error("controlclient.duplicate_peer",
                        "the map lists peer " + std::to_string(id.value) + " twice");
    }
  }
  NetMapChange change;
  change.full = true;
  change.upserted = peers.size();
  change.filter_changed = true;
  change.self_changed = true;
  change.policy_changed = !map.complete || map.policy_version != full.policy_version;

  map.complete = true;
  map.seq = full.seq;
  map.self = std::move(full.self);
  map.peers = std::move(peers);
  map.filter = std::move(full.filter);
  // Decoded sources fill their vectors exactly, so the first join would reallocate every large
  // rule (a service node's lists the whole tailnet): fresh pages faulted in on the delta's path.
  // Room for growth is made here instead, while the node takes its full map anyway.
  for (auto& rule : map.filter) {
    if (rule.sources.size() < kSourcesWithHeadroom) continue;
    std::vector<util::IpPrefix> roomy;
    roomy.reserve(rule.sources.size() + rule.sources.size() / 8);
    roomy.assign(rule.sources.begin(), rule.sources.end());
    rule.sources = std::move(roomy);
  }
  map.dns = std::move(full.dns);
  map.relays = std::move(full.relays);
  map.policy_version = full.policy_version;
  change.peers = map.peers.size();
  return change;
}

Result<NetMapChange> apply_delta(NetMap& map, control::MapDelta&& delta) {
  if (!map.complete) {
    return make_error("controlclient.no_map", "a delta arrived before the first full map");
  }
  if (delta.seq != map.seq + 1) {
    return make_error("controlclient.seq_gap", "delta seq " + std::to_string(delta.seq) +
                                                   " after " + std::to_string(map.seq));
  }
  // Checked before anything changes, so a refused delta leaves the model as it was.
  if (delta.filter && (!delta.filter_added.empty() || !delta.filter_sources_removed.empty())) {
    return make_error("controlclient.filter_conflict",
                      "the delta replaces the filter and changes it by sources at once");
  }
  const control::NodeId self = delta.self ? delta.self->id : map.self.id;
  for (const auto& p : delta.upserted) {
    if (p.id == self) {
      return make_error("controlclient.self_as_peer",
                        "the delta upserts the node itself (id " + std::to_string(p.id.value) +
                            ") as a peer");
    }
  }

  NetMapChange change;
  change.upserted = delta.upserted.size();
  for (auto& p : delta.upserted) {
    const control::NodeId id = p.id;
    map.peers[id] = std::move(p);
  }
  for (control::NodeId id : delta.removed) {
    if (map.peers.erase(id) != 0) {
      ++change.removed;
    } else {
      ++change.unknown_removed;
    }
  }
  if (delta.filter) {
    map.filter = std::move(*delta.filter);
    change.filter_changed = true;
  } else if (!delta.filter_added.empty() || !delta.filter_sources_removed.empty()) {
    remove_sources(map.filter, std::move(delta.filter_sources_removed));
    for (auto& rule : delta.filter_added) add_rule(map.filter, std::move(rule));
    change.filter_changed = true;
  }
  if (delta.self) {
    map.self = std::move(*delta.self);
    change.self_changed = true;
  }
  if (delta.policy_version && *delta.policy_version != map.policy_version) {
    map.policy_version = *delta.policy_version;
    change.policy_changed = true;
  }
  if (delta.relays) {
    map.relays = std::move(*delta.relays);
    change.relays_changed = true;
  }
  if (delta.dns) {
    change.dns_changed = *delta.dns != map.dns;
    map.dns = std::move(*delta.dns);
  }
  map.seq = delta.seq;
  change.peers = map.peers.size();
  return change;
}

}  // namespace weft::controlclient
