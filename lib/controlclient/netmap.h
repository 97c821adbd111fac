// The control client's local model of its netmap (docs/control-plane.md, "Control client"): the
// last full MapResponse with every MapDelta since applied in order. C++17-clean.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

#include "control/messages.h"
#include "util/result.h"

namespace weft::controlclient {

/// What the node knows of its tailnet: itself, its peers, its inbound filter, DNS, relays.
struct NetMap {
  /// False until the first full map arrived (everything else is then empty).
  bool complete = false;
  /// The sequence number of the last map or delta applied.
  uint64_t seq = 0;
  control::Peer self;
  std::map<control::NodeId, control::Peer> peers;
  std::vector<control::FilterRule> filter;
  control::DnsConfig dns;
  std::vector<control::RelayRegion> relays;
  /// The policy version this map reflects; reported back in the next MapRequest.
  uint64_t policy_version = 0;
};

/// What one full map or delta changed, for the netmap-changed event.
struct NetMapChange {
  bool full = false;
  std::size_t peers = 0;     // peers after the change
  std::size_t upserted = 0;  // full: every peer of the map
  std::size_t removed = 0;   // removals of peers the model held
  std::size_t unknown_removed = 0;  // removals naming a peer the model did not hold (ignored)
  bool filter_changed = false;
  bool self_changed = false;
  bool policy_changed = false;
  bool relays_changed = false;  // a delta replaced the relay map (a full map: see `full`)
  bool dns_changed = false;     // a delta replaced the DNS settings (a full map: see `full`)
};

/// Replaces `map` with a full map. Refuses a map that names one peer twice or itself as a peer
/// (the server never does; such a map would make the model ambiguous), leaving `map` unchanged.
/// Errors: "controlclient.duplicate_peer", "controlclient.self_as_peer".
Result<NetMapChange> replace_netmap(NetMap& map, control::MapResponse&& full);

/// Applies a delta whose seq is map.seq + 1: upserts replace whole peers, then removals, then
/// filter (replaced, or filter_sources_removed then filter_added merged), self, policy
/// version, relays and DNS where set. A removal of an unknown peer is counted in the change and otherwise
/// ignored. On error `map` is unchanged.
/// Errors: "controlclient.no_map" (no full map yet), "controlclient.seq_gap" (seq is not
/// map.seq + 1: the caller reconnects for a full map), "controlclient.self_as_peer",
/// "controlclient.filter_conflict" (a whole filter with incremental changes).
Result<NetMapChange> apply_delta(NetMap& map, control::MapDelta&& delta);

}  // namespace weft::controlclient
