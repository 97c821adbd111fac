// Applying full maps and deltas to the control client's model (docs/control-plane.md, "Control
// client"): a full map replaces the model; a delta is applied only on the next seq.
#include "controlclient/netmap.h"

#include <string>
#include <utility>

namespace weft::controlclient {

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
  }
  if (delta.self) {
    map.self = std::move(*delta.self);
    change.self_changed = true;
  }
  if (delta.policy_version && *delta.policy_version != map.policy_version) {
    map.policy_version = *delta.policy_version;
    change.policy_changed = true;
  }
  map.seq = delta.seq;
  change.peers = map.peers.size();
  return change;
}

}  // namespace weft::controlclient
