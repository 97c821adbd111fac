// Reconciling the WireGuard device's peers with a netmap (docs/control-plane.md, "Node engine":
// add/remove by node key, allowed IPs, endpoint = first reported endpoint, else the peer's home
// relay region).
#include "engine/peer_sync.h"

#include <string>
#include <utility>

namespace weft::engine {
namespace {

std::optional<core::SocketAddress> first_endpoint(const control::Peer& p) {
  if (p.endpoints.empty()) return std::nullopt;
  return p.endpoints.front();
}

std::vector<wg::AllowedIp> allowed_of(const std::vector<util::IpPrefix>& prefixes) {
  std::vector<wg::AllowedIp> out;
  out.reserve(prefixes.size());
  for (const auto& p : prefixes) out.push_back(to_allowed_ip(p));
  return out;
}

bool names(const control::Peer& p, const std::string& selector) {
  if (selector.empty()) return false;
  if (p.name == selector || p.dns_name == selector || p.dns_name + "." == selector) return true;
  for (const auto& a : p.addresses)
    if (a.to_string() == selector) return true;
  return false;
}

// The peer's allowed IPs as this node uses them: default routes only from the exit node.
std::vector<util::IpPrefix> used_allowed_ips(const control::Peer& p, bool exit_node) {
  std::vector<util::IpPrefix> out;
  for (const auto& a : p.allowed_ips)
    if (exit_node || a.bits() != 0) out.push_back(a);
  return out;
}

}  // namespace

wg::AllowedIp to_allowed_ip(const util::IpPrefix& prefix) {
  wg::AllowedIp a;
  a.family = prefix.address().is_v4() ? 4 : 6;
  a.address = prefix.address().bytes();
  a.cidr = static_cast<uint8_t>(prefix.bits());
  return a;
}

SyncCounts PeerSync::sync(wg::Device& device,
                          const std::map<control::NodeId, control::Peer>& peers) {
  SyncCounts counts;
  exit_node_.reset();
  exit_offered_ = false;
  for (const auto& [node, peer] : peers) {
    if (!names(peer, exit_selector_)) continue;
    exit_node_ = node;
    for (const auto& a : peer.allowed_ips) exit_offered_ = exit_offered_ || a.bits() == 0;
    break;
  }
  for (auto it = configured_.begin(); it != configured_.end();) {
    auto found = peers.find(it->first);
    if (found != peers.end() && found->second.node_key == it->second.key) {
      ++it;
      continue;
    }
    device.remove_peer(it->second.id);
    nodes_.erase(it->second.id);
    ++counts.removed;
    it = configured_.erase(it);
  }
  for (const auto& [node, peer] : peers) {
    const std::vector<util::IpPrefix> allowed_ips = used_allowed_ips(peer, exit_node_ == node);
    auto it = configured_.find(node);
    if (it == configured_.end()) {
      wg::PeerConfig config;
      config.public_key = peer.node_key;
      config.allowed_ips = allowed_of(allowed_ips);
      const auto endpoint = first_endpoint(peer);
      if (endpoint) {
        config.endpoint = core::Path::to_udp(*endpoint);
      } else if (peer.home_region != 0) {
        config.endpoint = core::Path::via_relay(peer.home_region, peer.node_key);
      }
      const wg::PeerId id = device.add_peer(config);
      if (id == wg::kNoPeer) {
        ++counts.refused;
        continue;
      }
      configured_.emplace(node, Configured{id, peer.node_key, allowed_ips, endpoint,
                                           peer.endpoints, peer.home_region});
      nodes_[id] = node;
      ++counts.added;
      continue;
    }
    Configured& c = it->second;
    if (c.allowed_ips != allowed_ips) {
      device.set_allowed_ips(c.id, allowed_of(allowed_ips));
      c.allowed_ips = allowed_ips;
    }
    // Only a changed report moves the endpoint: WireGuard's roaming may have found a better
    // one since, and the server's copy of an unchanged report is older than that.
    const auto endpoint = first_endpoint(peer);
    if (endpoint != c.endpoint) {
      if (endpoint) device.set_endpoint(c.id, core::Path::to_udp(*endpoint));
      c.endpoint = endpoint;
    }
    c.endpoints = peer.endpoints;
    if (peer.home_region != c.home_region) {
      const core::Path now_at = device.peer_stats(c.id).endpoint;
      const bool through_old = now_at.is_relay() && now_at.relay.relay == c.home_region;
      if (peer.home_region != 0 && (through_old || (!now_at.is_set() && !endpoint)))
        device.set_endpoint(c.id, core::Path::via_relay(peer.home_region, peer.node_key));
      c.home_region = peer.home_region;
    }
  }
  return counts;
}

const PeerSync::Configured* PeerSync::by_peer(wg::PeerId peer) const {
  auto it = nodes_.find(peer);
  if (it == nodes_.end()) return nullptr;
  auto c = configured_.find(it->second);
  return c == configured_.end() ? nullptr : &c->second;
}

std::size_t PeerSync::clear(wg::Device& device) {
  const std::size_t n = configured_.size();
  for (const auto& entry : configured_) device.remove_peer(entry.second.id);
  configured_.clear();
  nodes_.clear();
  return n;
}

wg::PeerId PeerSync::peer_of(control::NodeId node) const {
  auto it = configured_.find(node);
  return it == configured_.end() ? wg::kNoPeer : it->second.id;
}

}  // namespace weft::engine
