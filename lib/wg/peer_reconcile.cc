// Peer-set changes on the WireGuard core (see peer_reconcile.h).
#include "wg/peer_reconcile.h"

#include <map>

namespace weft::wg {

PeerChangeSummary apply_peer_changes(Device& device, Now now, const PeerChanges& changes) {
  PeerChangeSummary summary;
  if (changes.replace_peers) {
    for (PeerId id : device.peers()) {
      device.remove_peer(id);
      ++summary.removed;
    }
  }
  const PublicKey own = device.public_key();
  for (const PeerUpdate& u : changes.peers) {
    if (u.public_key == own) continue;  // wireguard-go treats our own key as a no-op peer
    PeerId id = device.find_peer(u.public_key);
    if (u.remove) {
      if (id != kNoPeer) {
        device.remove_peer(id);
        ++summary.removed;
      }
      continue;
    }
    if (id == kNoPeer) {
      if (u.update_only) continue;
      PeerConfig pc;
      pc.public_key = u.public_key;
      id = device.add_peer(pc);
      if (id == kNoPeer) continue;
      ++summary.added;
    } else {
      ++summary.updated;
    }
    if (u.preshared_key) device.set_preshared_key(id, *u.preshared_key);
    if (u.endpoint) device.set_endpoint(id, *u.endpoint);
    if (u.replace_allowed_ips || !u.allowed_ips.empty()) {
      std::vector<AllowedIp> ips;
      if (!u.replace_allowed_ips) ips = device.allowed_ips(id);
      ips.insert(ips.end(), u.allowed_ips.begin(), u.allowed_ips.end());
      device.set_allowed_ips(id, ips);
    }
    if (u.persistent_keepalive &&
        *u.persistent_keepalive != device.peer_stats(id).persistent_keepalive) {
      device.set_persistent_keepalive(now, id, *u.persistent_keepalive);
    }
  }
  return summary;
}

PeerChanges changes_to_reach(const Device& device, const std::vector<PeerConfig>& desired) {
  std::map<PublicKey, const PeerConfig*> wanted;
  for (const PeerConfig& p : desired) wanted[p.public_key] = &p;
  PeerChanges changes;
  for (PeerId id : device.peers()) {
    PublicKey key = device.peer_stats(id).public_key;
    if (wanted.count(key) == 0) {
      PeerUpdate u;
      u.public_key = key;
      u.remove = true;
      changes.peers.push_back(u);
    }
  }
  for (const auto& [key, p] : wanted) {
    PeerUpdate u;
    u.public_key = key;
    u.preshared_key = p->preshared_key;
    if (p->endpoint.is_set()) u.endpoint = p->endpoint;
    u.persistent_keepalive = p->persistent_keepalive;
    u.replace_allowed_ips = true;
    u.allowed_ips = p->allowed_ips;
    changes.peers.push_back(u);
  }
  return changes;
}

}  // namespace weft::wg
