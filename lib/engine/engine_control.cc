// The node engine's control side (docs/control-plane.md, "Node engine" and "Netmap cache"): the
// control client's events become WireGuard peers, filter rules and driver events; a cached map
// stands in for the client's while the server is away.
#include <utility>

#include "engine/engine.h"
#include "crypto/crypto.h"
#include "engine/engine_impl.h"

namespace weft::engine {

using controlclient::ClientState;

const controlclient::NetMap* Engine::Impl::netmap() const {
  if (dropped) return nullptr;
  if (client->netmap().complete) return &client->netmap();
  if (cached) return &cached->netmap;
  return nullptr;
}

void Engine::Impl::after_client(core::Now now) {
  saw(now);
  bool changed = false, filter_changed = false, full = false;
  bool stopped = false, rotated = false;
  std::string stop_code, stop_message;
  controlclient::Event e;
  while (client->poll_event(e)) {
    switch (e.kind) {
      case controlclient::EventKind::kRegistered:
      case controlclient::EventKind::kPendingApproval: {
        Event out;
        out.kind = e.kind == controlclient::EventKind::kRegistered ? EventKind::kRegistered
                                                                   : EventKind::kPendingApproval;
        out.node = e.node;
        events.push_back(std::move(out));
        break;
      }
      case controlclient::EventKind::kLoginRequired: {
        Event out;
        out.kind = EventKind::kLoginRequired;
        out.url = e.url;
        events.push_back(std::move(out));
        break;
      }
      case controlclient::EventKind::kNetmapChanged:
        changed = true;
        full = full || e.change.full;
        filter_changed = filter_changed || e.change.full || e.change.filter_changed;
        break;
      case controlclient::EventKind::kKeyRotated: {
        // The server knows the node by the new key now; sessions under the old one end.
        device.set_private_key(e.node_key);
        relays.set_node_key(e.node_key, now);
        // Pings name the sender's node key, which peers check against their netmaps.
        disco.set_node_key(core::NodePublicKey(crypto::x25519_public(e.node_key.bytes)));
        ++stats.key_rotations;
        rotated = true;
        Event out;
        out.kind = EventKind::kKeyRotated;
        out.node_key = e.node_key;
        events.push_back(std::move(out));
        break;
      }
      case controlclient::EventKind::kRefused:
      case controlclient::EventKind::kError:
        // A transient refusal (the client backs off and retries) changes nothing here: the node
        // keeps its map, as during any outage.
        if (e.stopped) {
          stopped = true;
          stop_code = e.code;
          stop_message = e.message;
        }
        break;
    }
  }
  if (stopped) {
    stop(stop_code, stop_message);
    on_relay_map(now);  // no map now: relay connections close, netchecks stop
  } else if (changed && (full || !dropped) && client->netmap().complete) {
    // The client's map replaces a cached one (its first full map) and ends a stop.
    if (full) {
      cached.reset();
      dropped = false;
    }
    netmap_time = now.wall;
    apply(client->netmap(), filter_changed, /*from_cache=*/false, now);
  } else if (rotated) {
    rewrite_cache_for_new_key(now);
  }

  const ClientState state = client->state();
  if (state == ClientState::kStreaming) {
    offline_since.reset();
  } else if (last_state == ClientState::kStreaming) {
    offline_since = now.wall;
  }
  last_state = state;
}

void Engine::Impl::apply(const controlclient::NetMap& map, bool filter_changed, bool from_cache,
                         core::Now now) {
  const SyncCounts counts = peers.sync(device, map.peers);
  stats.peers_added += counts.added;
  stats.peers_removed += counts.removed;
  stats.peers_refused += counts.refused;
  if (filter_changed) filter.set_rules(map.filter);
  ++stats.netmaps_applied;
  on_relay_map(now);
  sync_disco(now);

  Event applied;
  applied.kind = EventKind::kNetmapApplied;
  applied.node = map.self.id;
  applied.addresses = map.self.addresses;
  applied.dns = map.dns;
  applied.peers = map.peers.size();
  applied.from_cache = from_cache;
  events.push_back(std::move(applied));

  if (from_cache) return;
  write_cache(map, now.wall);
}

void Engine::Impl::write_cache(const controlclient::NetMap& map, core::WallTime cached_at) {
  CachedNetmap cache;
  cache.netmap = map;
  cache.node = client->node_id().value_or(map.self.id);
  cache.server_key = server_key;
  cache.cached_at = cached_at;
  Event write;
  write.kind = EventKind::kCacheWrite;
  write.node = cache.node;
  write.cache = encode_cache(cache);
  events.push_back(std::move(write));
}

// The server sends the new self in a later delta; until it does, the cache on disk names the old
// key, which load_cache would refuse after a restart in that window. So the map in force is
// written again at once under the key the device now uses (its time unchanged: nothing new was
// learned from the server).
void Engine::Impl::rewrite_cache_for_new_key(core::Now now) {
  (void)now;
  const controlclient::NetMap* map = netmap();
  if (!map || !map->complete) return;
  controlclient::NetMap copy = *map;
  copy.self.node_key = device.public_key();
  if (cached) cached->netmap.self.node_key = copy.self.node_key;
  write_cache(copy, netmap_time.value_or(now.wall));
}

void Engine::Impl::stop(const std::string& code, const std::string& message) {
  stats.peers_removed += peers.clear(device);
  disco.set_peers({}, core::Now{});
  // Nothing may reach a node that is out of the tailnet; the flows it opened end with it.
  filter.set_rules({});
  filter.clear_flows();
  cached.reset();
  dropped = true;
  Event out;
  out.kind = EventKind::kStopped;
  out.code = code;
  out.message = message;
  events.push_back(std::move(out));
}

bool Engine::wants_control_connection(core::Now now) const {
  return impl_->client->wants_connection(now);
}

Status Engine::control_connected(core::Now now, core::Random& rng) {
  Status s = impl_->client->connected(now, rng);
  impl_->after_client(now);
  return s;
}

void Engine::control_bytes(core::ByteView data, core::Now now, core::Random& rng) {
  impl_->client->bytes(data, now, rng);
  impl_->after_client(now);
}

void Engine::control_disconnected(core::Now now) {
  impl_->client->disconnected(now);
  impl_->after_client(now);
}

bool Engine::poll_control_transmit(controlclient::Transmit& out) {
  return impl_->client->poll_transmit(out);
}

Status Engine::set_auth_key(const std::string& auth_key, core::Now now) {
  Status s = impl_->client->set_auth_key(auth_key, now);
  impl_->after_client(now);
  return s;
}


Status Engine::load_cache(core::ByteView bytes, core::Now now) {
  Impl& m = *impl_;
  m.saw(now);
  if (m.client->netmap().complete || m.client->state() == ClientState::kStopped || m.dropped) {
    ++m.stats.caches_refused;
    return make_error("engine.wrong_state",
                      "load_cache: the node already follows the server or has stopped");
  }
  auto decoded = decode_cache(bytes);
  if (!decoded.ok()) {
    ++m.stats.caches_refused;
    return decoded.error();
  }
  CachedNetmap& cache = decoded.value();
  if (cache.node != cache.netmap.self.id) {
    ++m.stats.caches_refused;
    return make_error("engine.cache_mismatch",
                      "netmap cache: its node id is not the id of the map's own device");
  }
  if (cache.server_key != m.server_key) {
    ++m.stats.caches_refused;
    return make_error("engine.cache_mismatch",
                      "netmap cache: written for another coordination server");
  }
  if (cache.netmap.self.node_key != m.device.public_key()) {
    ++m.stats.caches_refused;
    return make_error("engine.cache_mismatch",
                      "netmap cache: written for another node key (rotated since?)");
  }
  m.cached = std::move(cache);
  m.netmap_time = m.cached->cached_at;
  ++m.stats.caches_loaded;
  if (m.client->state() != ClientState::kStreaming && !m.offline_since) m.offline_since = now.wall;
  m.apply(m.cached->netmap, /*filter_changed=*/true, /*from_cache=*/true, now);
  return Ok{};
}

bool Engine::poll_event(Event& out) {
  Impl& m = *impl_;
  if (m.events.empty()) return false;
  out = std::move(m.events.front());
  m.events.pop_front();
  return true;
}

}  // namespace weft::engine
