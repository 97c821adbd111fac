// The netmap's peers as WireGuard peers (docs/control-plane.md, "Node engine"): which device peer
// stands for which node, and the smallest set of device changes that makes the device agree with
// a netmap. Internal to lib/engine.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "control/messages.h"
#include "core/path.h"
#include "util/ip_prefix.h"
#include "wg/device.h"

namespace weft::engine {

/// What one sync changed.
struct SyncCounts {
  std::size_t added = 0;
  std::size_t removed = 0;
  std::size_t refused = 0;  ///< peers the device would not take (our own key, a key twice)
};

/// The device peers configured from netmaps, by node id.
class PeerSync {
 public:
  /// One configured peer: what was last handed to the device, so that an unchanged netmap
  /// entry costs no device call (and a roamed endpoint is not overwritten by a stale report).
  struct Configured {
    wg::PeerId id = wg::kNoPeer;
    core::NodePublicKey key{};
    std::vector<util::IpPrefix> allowed_ips;
    std::optional<core::SocketAddress> endpoint;  ///< the first endpoint the server reported
    std::vector<core::SocketAddress> endpoints;  ///< every endpoint the server reported
    uint16_t home_region = 0;                   ///< the peer's home relay region (0: none)
  };

  /// Makes the device's peers those of `peers`: removes the nodes that left or changed their
  /// key (first, so a key moving between nodes is free again), then adds new ones and updates
  /// allowed IPs and reported endpoints of the rest. A peer's endpoint is its first reported
  /// endpoint; without one, its home relay region (docs/connectivity.md, "Relays in the
  /// node"); neither leaves WireGuard to learn it when the peer initiates. A peer that moved
  /// its home region while WireGuard sends to it through the old one is moved along.
  SyncCounts sync(wg::Device& device, const std::map<control::NodeId, control::Peer>& peers);
  /// Removes every configured peer (a stopped node).
  std::size_t clear(wg::Device& device);
  /// The exit node (`weft up --exit-node`; docs/network-config.md, "Exit nodes"): a peer's
  /// name, DNS name or tailnet address; empty: none. Only that peer keeps 0.0.0.0/0 and ::/0
  /// in its allowed IPs (WireGuard routes a prefix to one peer); applied at the next sync.
  void set_exit_node(std::string selector) { exit_selector_ = std::move(selector); }
  /// At the last sync: the peer the selector named (nullopt: none), and whether the server
  /// offered it default routes (an approved exit node the policy lets this node use).
  std::optional<control::NodeId> exit_node() const { return exit_node_; }
  bool exit_offered() const { return exit_offered_; }

  /// The device peer of a node, or kNoPeer.
  wg::PeerId peer_of(control::NodeId node) const;
  /// The configured entry of a device peer, or null.
  const Configured* by_peer(wg::PeerId peer) const;
  const std::map<control::NodeId, Configured>& configured() const { return configured_; }

 private:
  std::map<control::NodeId, Configured> configured_;
  std::map<wg::PeerId, control::NodeId> nodes_;  // the reverse of configured_
  std::string exit_selector_;
  std::optional<control::NodeId> exit_node_;
  bool exit_offered_ = false;
};

/// A netmap prefix as a WireGuard allowed-IPs entry.
wg::AllowedIp to_allowed_ip(const util::IpPrefix& prefix);

}  // namespace weft::engine
