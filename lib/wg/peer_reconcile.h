// Peer-set changes applied to the WireGuard core in one place: the UAPI's set semantics
// (wireguard.com/xplatform) and "make the peers exactly these" for config files and netmaps.
// No OS calls; C++17-clean.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "wg/device.h"

namespace weft::wg {

/// One peer's change. Unset fields are left as they are.
struct PeerUpdate {
  PublicKey public_key{};
  bool remove = false;       ///< delete the peer; the other fields are moot
  bool update_only = false;  ///< do not create the peer if it is absent
  std::optional<PresharedKey> preshared_key;  ///< all zero clears it
  std::optional<Path> endpoint;
  std::optional<Duration> persistent_keepalive;
  bool replace_allowed_ips = false;  ///< drop the existing allowed IPs before adding these
  std::vector<AllowedIp> allowed_ips;
};

struct PeerChanges {
  bool replace_peers = false;  ///< remove every peer first (the UAPI's replace_peers=true)
  std::vector<PeerUpdate> peers;
};

struct PeerChangeSummary {
  std::size_t added = 0;
  std::size_t removed = 0;
  std::size_t updated = 0;
};

/// Applies `changes` in order with wireguard-go's semantics: a peer with our own public key is
/// ignored, removing an absent peer is a no-op, allowed IPs are appended unless replaced, and a
/// changed persistent keepalive takes effect at `now`. Never fails.
PeerChangeSummary apply_peer_changes(Device& device, Now now, const PeerChanges& changes);

/// The changes that make the device's peer set exactly `desired` (a config file, a netmap):
/// peers not in it are removed, new ones added, kept ones updated in place with their allowed
/// IPs replaced, so their sessions survive (unlike replace_peers). A desired peer without an
/// endpoint keeps the one the device learned by roaming. Later duplicates of a key win.
PeerChanges changes_to_reach(const Device& device, const std::vector<PeerConfig>& desired);

}  // namespace weft::wg
