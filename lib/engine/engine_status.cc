// The node engine's status (docs/control-plane.md, "Node engine"): what `weft status --json`
// prints — self, peers with WireGuard's counters, the control state, the outage and the cache.
#include "engine/engine.h"
#include "engine/engine_impl.h"

namespace weft::engine {
namespace {

// A netmap peer as `weft status` shows it: its map entry, discovery's path, WireGuard's counters.
PeerStatus peer_status_of(const Engine::Impl& m, control::NodeId id,
                          const control::Peer& peer, core::Now now) {
  PeerStatus p;
  p.id = id;
  p.name = peer.name;
  p.dns_name = peer.dns_name;
  p.user = peer.user;
  p.os = peer.os;
  p.tags = peer.tags;
  p.node_key = peer.node_key;
  p.addresses = peer.addresses;
  p.online = peer.online;
  p.home_region = peer.home_region;
  const disco::PathStatus path = m.disco.status(peer.node_key, now);
  p.path = path.state;
  p.direct = path.direct;
  p.direct_latency = path.latency;
  p.candidates = path.candidates;
  const wg::PeerId wg_peer = m.peers.peer_of(id);
  if (wg_peer != wg::kNoPeer) {
    const wg::PeerStats w = m.device.peer_stats(wg_peer);
    p.endpoint = w.endpoint;
    if (auto way = m.disco.peek_path(peer.node_key, now)) p.endpoint = *way;
    if (p.endpoint.is_relay()) {
      if (const control::RelayRegion* r =
              m.relays.region(static_cast<uint16_t>(p.endpoint.relay.relay)))
        p.relay_code = r->code;
    }
    p.last_handshake = w.last_handshake;
    p.rx_bytes = w.rx_bytes;
    p.tx_bytes = w.tx_bytes;
  }
  return p;
}

}  // namespace

std::optional<PeerStatus> Engine::peer_status(const core::NodePublicKey& key,
                                              core::Now now) const {
  const Impl& m = *impl_;
  const controlclient::NetMap* map = m.netmap();
  if (map == nullptr) return std::nullopt;
  for (const auto& [id, peer] : map->peers) {
    if (peer.node_key == key) return peer_status_of(m, id, peer, now);
  }
  return std::nullopt;
}

EngineStatus Engine::status(core::Now now) const {
  const Impl& m = *impl_;
  EngineStatus s;
  s.control_state = m.client->state();
  if (s.control_state == controlclient::ClientState::kStopped) s.stop_code = m.client->stop_code();
  if (s.control_state != controlclient::ClientState::kStreaming) s.offline_since = m.offline_since;
  s.filter = m.filter.stats();
  s.engine = m.stats;
  s.device = m.device.stats();
  s.home_region = m.relays.home();
  if (const control::RelayRegion* r = m.relays.region(s.home_region)) s.home_region_code = r->code;
  s.relays = m.relays.status();
  s.relay_stats = m.relays.stats();
  s.netcheck = m.last_report;
  s.disco = m.disco.stats();
  s.endpoints = m.all_endpoints;
  const controlclient::NetMap* map = m.netmap();
  if (map == nullptr) return s;
  s.has_netmap = true;
  s.self = map->self;
  s.netmap_time = m.netmap_time;
  s.from_cache = m.cached.has_value() && map == &m.cached->netmap;
  s.policy_version = map->policy_version;
  s.peers.reserve(map->peers.size());
  for (const auto& [id, peer] : map->peers) s.peers.push_back(peer_status_of(m, id, peer, now));
  return s;
}

}  // namespace weft::engine
