// Internal: the compiled form of a Policy behind Evaluator — interned identity keys, address
// sets, posture requirement sets and a flat (src key, dst key) -> rule entries hash table.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "policy/evaluator.h"
#include "policy/model.h"
#include "util/ip_prefix.h"

namespace weft::policy {

// Keys every compiled policy has, whether or not a rule names them.
inline constexpr uint32_t kWildcardKey = 0;
inline constexpr uint32_t kMemberKey = 1;
inline constexpr uint32_t kTaggedKey = 2;
inline constexpr uint32_t kSelfKey = 3;
inline constexpr uint32_t kInternetKey = 4;
inline constexpr uint32_t kFirstNamedKey = 5;

// RuleEntry::proto values beyond the 0..255 protocol numbers.
inline constexpr uint16_t kAnyProto = 256;      // grant "*" or a port-only grant ip
inline constexpr uint16_t kDefaultProtos = 257;  // ACL without proto: TCP, UDP, ICMP, ICMPv6

/// One (rule, protocol, port range) reachable through one (src key, dst key) pair.
struct RuleEntry {
  uint32_t rule = 0;  // acls first, then grants: index into CompiledPolicy::rules_
  uint16_t port_first = 0;
  uint16_t port_last = 65535;
  uint16_t proto = kDefaultProtos;
  uint16_t posture_set = 0;  // 0 = no posture requirement
  bool self = false;         // dst was autogroup:self: src and dst must have the same owner
};

/// One term of an address set: a prefix, autogroup:internet, or another (ip)set.
struct AddressTerm {
  enum class Kind : uint8_t { kPrefix, kInternet, kSet } kind = Kind::kPrefix;
  util::IpPrefix prefix;
  uint32_t set = 0;  // kSet: index into CompiledPolicy::address_sets_
};

/// A hosts / prefix / ipset selector: addresses matching some `add` term and no `remove` term
/// (Tailscale IP sets: additions are unioned, then removals subtracted, order-independent).
struct AddressSet {
  uint32_t key = 0;
  std::vector<AddressTerm> add;
  std::vector<AddressTerm> remove;
};

struct CompiledSshRule {
  bool check = false;
  std::vector<uint32_t> src_keys;  // sorted
  std::vector<uint32_t> dst_keys;  // sorted; kSelfKey needs the same owner
  std::vector<std::string> users;
  uint16_t posture_set = 0;
  SourceRef at;
};

class CompiledPolicy {
 public:
  std::unordered_map<std::string, uint32_t> keys_;  // selector text -> key
  std::vector<uint8_t> used_as_src_;                 // per key
  std::vector<uint8_t> used_as_dst_;
  std::unordered_map<std::string, std::vector<uint32_t>> user_groups_;  // user -> group keys
  std::vector<AddressSet> address_sets_;
  std::vector<std::vector<Posture>> posture_sets_;  // alternatives; [0] is empty = always
  std::vector<RuleRef> rules_;
  std::vector<CompiledSshRule> ssh_;

  // Open addressing, linear probing; a power-of-two table at most half full.
  struct Slot {
    uint64_t pair = kEmptyPair;
    uint32_t offset = 0;
    uint32_t count = 0;
  };
  static constexpr uint64_t kEmptyPair = ~uint64_t{0};
  std::vector<Slot> slots_;
  uint64_t mask_ = 0;
  std::vector<RuleEntry> entries_;

  static uint64_t pair_of(uint32_t src, uint32_t dst) { return (uint64_t{src} << 32) | dst; }
  static uint64_t hash_of(uint64_t pair) {  // splitmix64's finalizer
    pair ^= pair >> 30;
    pair *= 0xbf58476d1ce4e5b9ULL;
    pair ^= pair >> 27;
    pair *= 0x94d049bb133111ebULL;
    pair ^= pair >> 31;
    return pair;
  }
  // A one-hash Bloom filter over the pairs present (~16 bits per pair, so a few percent false
  // positives): small enough to stay in L2 cache, it answers most absent pairs without touching
  // the larger slot table.
  std::vector<uint64_t> bloom_;
  uint64_t bloom_mask_ = 0;  // in bits
  static uint64_t bloom_bit(uint64_t hash) { return hash >> 32; }

  const Slot* find(uint64_t pair) const {
    const uint64_t h = hash_of(pair);
    const uint64_t bit = bloom_bit(h) & bloom_mask_;
    if (((bloom_[bit / 64] >> (bit % 64)) & 1) == 0) return nullptr;
    for (uint64_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.pair == pair) return &s;
      if (s.pair == kEmptyPair) return nullptr;
    }
  }

  std::optional<uint32_t> key_of(const std::string& text) const {
    auto it = keys_.find(text);
    if (it == keys_.end()) return std::nullopt;
    return it->second;
  }
};

/// The ranges autogroup:internet excludes (see docs/policy.md): true when `a` is a public
/// unicast address.
bool is_internet_address(const util::IpAddress& a);

}  // namespace weft::policy
