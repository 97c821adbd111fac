// The node engine's discovery (docs/connectivity.md, "Discovery" and "Path selection"): the
// netmap's peers and this node's endpoints handed to the discovery core, its messages sent
// directly or through the relay links, and disco_ping() for `weft ping`.
#include <algorithm>

#include "engine/engine.h"
#include "engine/engine_impl.h"

namespace weft::engine {

void Engine::Impl::sync_disco(core::Now now) {
  const controlclient::NetMap* map = netmap();
  std::vector<disco::PeerInfo> infos;
  if (map != nullptr && !dropped) {
    infos.reserve(map->peers.size());
    for (const auto& [id, peer] : map->peers) {
      (void)id;
      disco::PeerInfo i;
      i.node_key = peer.node_key;
      i.disco_key = peer.disco_key;
      i.endpoints = peer.endpoints;
      i.home_region = peer.home_region;
      infos.push_back(std::move(i));
    }
  }
  disco.set_peers(infos, now);
}

std::vector<core::SocketAddress> Engine::Impl::merged_endpoints() const {
  std::vector<core::SocketAddress> all;
  if (last_report && last_report->udp) {
    // What the relays' STUN servers saw: the NAT's mapping of our socket, the address peers
    // outside our network can reach (when the NAT maps independently of the destination).
    // First, so that a host with many interfaces never pushes it out of the report.
    for (const auto& g : {last_report->global_v4, last_report->global_v6})
      if (g) all.push_back(*g);
  }
  for (const auto& e : endpoints) {
    if (all.size() >= control::kMaxEndpoints) break;
    if (std::find(all.begin(), all.end(), e) == all.end()) all.push_back(e);
  }
  return all;
}

void Engine::Impl::drain_disco(core::Now now) {
  disco::Transmit t;
  while (disco.poll_transmit(t)) {
    if (t.to.is_relay()) {
      (void)relays.send(static_cast<uint16_t>(t.to.relay.relay), t.to.relay.node,
                        core::ByteView{t.bytes.data(), t.bytes.size()}, now);
      continue;
    }
    PendingDatagram d;
    d.out.action = wg::Action::kSendDatagram;
    d.out.size = t.bytes.size();
    d.out.endpoint = t.to;
    d.bytes = std::move(t.bytes);
    pending.push_back(std::move(d));
  }
  disco::PingResult r;
  while (disco.poll_ping_result(r)) {
    const controlclient::NetMap* map = netmap();
    Event e;
    e.kind = EventKind::kDiscoPong;
    e.ping_seq = static_cast<uint16_t>(r.id);
    e.ping_rtt = r.rtt;
    e.ping_via = r.via;
    if (r.via.is_relay()) {
      if (const control::RelayRegion* region =
              relays.region(static_cast<uint16_t>(r.via.relay.relay)))
        e.ping_relay_code = region->code;
    }
    if (map != nullptr) {
      for (const auto& [id, peer] : map->peers) {
        (void)id;
        if (peer.node_key != r.peer || peer.addresses.empty()) continue;
        e.ping_peer = peer.addresses.front();
        e.node = peer.id;
      }
    }
    events.push_back(std::move(e));
  }
}

Status Engine::disco_ping(core::Now now, const util::IpAddress& peer_address, uint16_t seq) {
  Impl& m = *impl_;
  m.saw(now);
  const controlclient::NetMap* map = m.netmap();
  if (map == nullptr) {
    return make_error("engine.no_netmap", "this node has no netmap yet: it has no peers to ping");
  }
  if (const control::Peer* peer = m.peer_with_address(peer_address)) {
    Status s = m.disco.ping(peer->node_key, seq, now);
    m.drain_disco(now);
    return s;
  }
  return make_error("engine.no_peer", peer_address.to_string() +
                                          " is not the address of a peer of this node (the "
                                          "policy may not let the two see each other)");
}

}  // namespace weft::engine
