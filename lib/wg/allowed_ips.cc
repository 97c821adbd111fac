// Longest-prefix match for cryptokey routing (whitepaper section 2). The authoritative entries
// live in a map (and by owner); a binary trie (nodes in a vector, indices as links) follows each
// change in place, so a lookup is at most 32 or 128 branch steps and never allocates.
#include "wg/allowed_ips.h"

#include <cstring>

namespace weft::wg {
namespace {

constexpr uint32_t kNil = 0;  // node 0 is the root, so it is never anyone's child

int bit_at(const uint8_t* addr, int i) { return (addr[i / 8] >> (7 - i % 8)) & 1; }

}  // namespace

AllowedIp AllowedIp::v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint8_t cidr) {
  AllowedIp p;
  p.family = 4;
  p.address[0] = a;
  p.address[1] = b;
  p.address[2] = c;
  p.address[3] = d;
  p.cidr = cidr;
  return p.canonical();
}

AllowedIp AllowedIp::v6(const std::array<uint8_t, 16>& addr, uint8_t cidr) {
  AllowedIp p;
  p.family = 6;
  p.address = addr;
  p.cidr = cidr;
  return p.canonical();
}

AllowedIp AllowedIp::canonical() const {
  AllowedIp p = *this;
  int max = family == 6 ? 128 : 32;
  if (p.cidr > max) p.cidr = static_cast<uint8_t>(max);
  for (int i = 0; i < 128; ++i) {
    if (i >= p.cidr || i >= max) p.address[i / 8] &= static_cast<uint8_t>(~(0x80 >> (i % 8)));
  }
  return p;
}

AllowedIps::AllowedIps() { rebuild(); }

AllowedIps::Key AllowedIps::key_of(const AllowedIp& p) {
  Key k{};
  k[0] = p.family;
  k[1] = p.cidr;
  std::memcpy(k.data() + 2, p.address.data(), 16);
  return k;
}

AllowedIp AllowedIps::prefix_of(const Key& k) {
  AllowedIp a;
  a.family = k[0];
  a.cidr = k[1];
  std::memcpy(a.address.data(), k.data() + 2, 16);
  return a;
}

void AllowedIps::insert(const AllowedIp& prefix, PeerId peer) {
  AllowedIp p = prefix.canonical();
  if (p.family != 4 && p.family != 6) return;
  Key k = key_of(p);
  auto [it, added] = entries_.emplace(k, peer);
  if (!added) {
    if (it->second == peer) return;
    // The prefix moves from its previous owner.
    auto owner = by_peer_.find(it->second);
    owner->second.erase(k);
    if (owner->second.empty()) by_peer_.erase(owner);
    it->second = peer;
  }
  by_peer_[peer].insert(k);
  mark(p.family == 4 ? v4_ : v6_, p, peer);
}

void AllowedIps::remove_peer(PeerId peer) {
  auto owned = by_peer_.find(peer);
  if (owned == by_peer_.end()) return;
  for (const Key& k : owned->second) {
    entries_.erase(k);
    AllowedIp p = prefix_of(k);
    mark(p.family == 4 ? v4_ : v6_, p, kNoPeer);
    ++cleared_;
  }
  by_peer_.erase(owned);
  // Unowned nodes only cost memory and a few lookup steps; compact once they could outnumber
  // the live entries, which keeps removals amortized O(log entries + prefix length).
  if (cleared_ > entries_.size() + 64) rebuild();
}

std::vector<AllowedIp> AllowedIps::prefixes_of(PeerId peer) const {
  std::vector<AllowedIp> out;
  auto owned = by_peer_.find(peer);
  if (owned == by_peer_.end()) return out;
  for (const Key& k : owned->second) out.push_back(prefix_of(k));
  return out;
}

void AllowedIps::mark(std::vector<Node>& trie, const AllowedIp& p, PeerId peer) {
  last_v4_.valid = false;
  last_v6_.valid = false;
  uint32_t node = 0;
  for (int i = 0; i < p.cidr; ++i) {
    int b = bit_at(p.address.data(), i);
    if (trie[node].child[b] == kNil) {
      trie[node].child[b] = static_cast<uint32_t>(trie.size());
      trie.push_back(Node{{kNil, kNil}, kNoPeer});
    }
    node = trie[node].child[b];
  }
  trie[node].peer = peer;
}

void AllowedIps::rebuild() {
  last_v4_.valid = false;
  last_v6_.valid = false;
  v4_.assign(1, Node{{kNil, kNil}, kNoPeer});
  v6_.assign(1, Node{{kNil, kNil}, kNoPeer});
  for (const auto& [k, peer] : entries_) {
    AllowedIp a = prefix_of(k);
    mark(a.family == 4 ? v4_ : v6_, a, peer);
  }
  cleared_ = 0;
}

PeerId AllowedIps::lookup(uint8_t family, const uint8_t* address) const {
  if (family != 4 && family != 6) return kNoPeer;
  Remembered& last = family == 4 ? last_v4_ : last_v6_;
  const std::size_t size = family == 4 ? 4 : 16;
  if (last.valid && std::memcmp(last.address.data(), address, size) == 0) return last.peer;
  last.peer = walk(family == 4 ? v4_ : v6_, family == 4 ? 32 : 128, address);
  std::memcpy(last.address.data(), address, size);
  last.valid = true;
  return last.peer;
}

PeerId AllowedIps::walk(const std::vector<Node>& trie, int bits, const uint8_t* address) const {
  const Node* nodes = trie.data();
  uint32_t node = 0;
  PeerId best = nodes[0].peer;
  for (int i = 0; i < bits; ++i) {
    uint32_t next = nodes[node].child[bit_at(address, i)];
    if (next == kNil) break;
    node = next;
    if (nodes[node].peer != kNoPeer) best = nodes[node].peer;
  }
  return best;
}

}  // namespace weft::wg
