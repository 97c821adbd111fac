// Cryptokey routing table (whitepaper section 2): longest-prefix match of IPv4/IPv6 addresses to
// peers, used to route outgoing packets and to check the source of decrypted ones.
// C++17-clean: the prefix type is part of the driver-facing peer configuration.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <vector>

namespace weft::wg {

using PeerId = uint32_t;
inline constexpr PeerId kNoPeer = 0xffffffffu;

/// One allowed-IPs entry: an IPv4 (family 4, first 4 bytes) or IPv6 (family 6) prefix.
struct AllowedIp {
  uint8_t family = 4;
  std::array<uint8_t, 16> address{};
  uint8_t cidr = 0;

  static AllowedIp v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint8_t cidr);
  static AllowedIp v6(const std::array<uint8_t, 16>& addr, uint8_t cidr);
  /// The same prefix with host bits cleared and cidr clamped to the family's length.
  AllowedIp canonical() const;
};

/// Longest-prefix-match table. Mutations change a binary trie in place, O(log entries + prefix
/// length) each, so configuring N peers costs O(N log N), not O(N^2); lookups walk it without
/// allocating (hot path: every packet).
class AllowedIps {
 public:
  AllowedIps();
  AllowedIps(const AllowedIps&) = delete;
  AllowedIps& operator=(const AllowedIps&) = delete;

  /// Maps `prefix` to `peer`, replacing any previous owner of the exact same prefix.
  void insert(const AllowedIp& prefix, PeerId peer);
  /// Removes every prefix owned by `peer`. O(its prefixes), not O(all entries).
  void remove_peer(PeerId peer);
  /// Prefixes owned by `peer`, in ascending order.
  std::vector<AllowedIp> prefixes_of(PeerId peer) const;
  /// The peer owning the longest prefix containing the address (4 or 16 bytes per family),
  /// or kNoPeer. The last answer per family is remembered until the table changes, so the
  /// segments of one flow (and its replies' source checks) walk the trie once. Not safe for
  /// concurrent calls, like every other member (the device is single-threaded).
  PeerId lookup(uint8_t family, const uint8_t* address) const;
  std::size_t size() const { return entries_.size(); }

 private:
  struct Node {
    uint32_t child[2];
    PeerId peer;
  };
  using Key = std::array<uint8_t, 18>;  // family, cidr, address
  static Key key_of(const AllowedIp& p);
  static AllowedIp prefix_of(const Key& k);
  /// Rebuilds both tries from entries_, dropping the nodes that removals left behind.
  void rebuild();
  /// Sets the owner of the prefix's node (kNoPeer clears it), creating the path if needed.
  void mark(std::vector<Node>& trie, const AllowedIp& p, PeerId peer);
  PeerId walk(const std::vector<Node>& trie, int bits, const uint8_t* address) const;

  /// The last lookup of a family and its answer; forgotten by every change of the tries.
  struct Remembered {
    bool valid = false;
    std::array<uint8_t, 16> address{};
    PeerId peer = kNoPeer;
  };

  std::map<Key, PeerId> entries_;
  std::map<PeerId, std::set<Key>> by_peer_;
  std::vector<Node> v4_;
  std::vector<Node> v6_;
  std::size_t cleared_ = 0;  // trie nodes unowned by removals since the last rebuild
  mutable Remembered last_v4_;
  mutable Remembered last_v6_;
};

}  // namespace weft::wg
