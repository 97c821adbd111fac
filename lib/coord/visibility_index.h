// Internal to visibility.cc: the edge index of one compiled policy (its (src key, dst key) pairs
// with adjacency per key both ways, and the devices carrying each key) and the enumerations that
// peers, filters and deltas are computed from. Includes lib/policy, so it is not C++17-clean and
// not for drivers; docs/control-plane.md, "Peer visibility".
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "control/messages.h"
#include "coord/visibility.h"
#include "policy/compiled_policy.h"
#include "policy/evaluator.h"
#include "util/ip_prefix.h"

namespace weft::coord::detail {

/// The device as the policy evaluator sees it. Never fails.
policy::Identity policy_identity(const NodeIdentity& node);

/// A device's dense index inside the view; stable while the device stays, reused after.
using Slot = uint32_t;
inline constexpr Slot kNoSlot = ~Slot{0};

/// A filter rule's (protocol, first port, last port) packed as (proto << 32 | first << 16 |
/// last): the unit inbound filters are grouped by.
using FilterTuple = uint64_t;

/// For one source device: each destination whose inbound filter lists the source's addresses,
/// with the tuples it lists them under (sorted, unique). Sorted by destination slot.
using OutSignature = std::vector<std::pair<Slot, std::vector<FilterTuple>>>;

/// One (src key, dst key) pair of the compiled policy, as an edge of the index.
struct PairEdge {
  uint32_t src = 0;
  uint32_t dst = 0;
  uint32_t first_entry = 0;  // into CompiledPolicy::entries_
  uint32_t entry_count = 0;
  bool unconditional = false;  // some entry has no posture requirement
};

/// What a pair does, comparable across two compiles of two policies (key numbers are per
/// compile, texts are not).
struct PairSignature {
  uint32_t src = 0;
  uint32_t dst = 0;
  std::string entries;  // canonical text of the pair's entries, rule numbers left out
};

class PolicyIndex {
 public:
  /// Indexes the pairs of `evaluator`'s compiled policy. Cost: O(keys + pairs + entries).
  explicit PolicyIndex(policy::Evaluator evaluator);
  PolicyIndex(const PolicyIndex&) = delete;
  PolicyIndex& operator=(const PolicyIndex&) = delete;

  const policy::Evaluator& evaluator() const { return evaluator_; }

  /// Adds a device with its principal (resolved by evaluator()). O(its keys).
  void insert(Slot slot, policy::Principal principal);
  /// Removes a device. O(its keys + devices of its owner).
  void erase(Slot slot);
  bool has(Slot slot) const { return slot < principals_.size() && principals_[slot].has_value(); }
  /// The device's principal; the slot must be present.
  const policy::Principal& principal(Slot slot) const { return *principals_[slot]; }

  /// Devices other than `slot` that it may send something to or that may send it something,
  /// sorted. O(candidates through its keys' pairs).
  std::vector<Slot> peers(Slot slot) const;
  /// Where the device's addresses are listed in other devices' inbound filters.
  OutSignature out_signature(Slot slot) const;
  /// The device's inbound filter (see Visibility::inbound_filter).
  std::vector<control::FilterRule> filter(Slot slot) const;
  /// The rules of `dst`'s filter that list `src`'s addresses (see Visibility::contribution).
  /// O(the pairs on the smaller side + the prefix rules of `dst`).
  std::vector<control::FilterRule> contribution(Slot src, Slot dst) const;
  /// The rules of `dst`'s filter whose sources the policy names by prefix, not by device.
  std::vector<control::FilterRule> prefix_rules(Slot dst) const;

  /// For a destination that is no device (a routed prefix as a principal of its own, see
  /// Visibility::routed_access): the devices that may send it something, sorted, and the rules
  /// of its filter (destinations: `dst`'s addresses, which the caller replaces).
  std::vector<Slot> sources(const policy::Principal& dst) const;
  std::vector<control::FilterRule> filter_for(const policy::Principal& dst) const;
  /// The addresses a key names (its prefixes; "*" is 0.0.0.0/0 and ::/0); empty for keys that
  /// name devices.
  const std::vector<util::IpPrefix>& key_prefixes(uint32_t key) const { return key_prefixes_[key]; }

  /// The canonical texts of the keys the device carries on each side (false = src, true =
  /// dst), sorted: equal across two compiles iff the device matches the same selectors.
  std::vector<std::pair<bool, std::string_view>> key_texts(Slot slot) const;
  /// Every pair by "SRC TEXT \x1f DST TEXT".
  const std::unordered_map<std::string, PairSignature>& pair_signatures() const { return signatures_; }
  const std::string& key_text(uint32_t key) const { return key_text_[key]; }
  /// Devices carrying the key with that canonical text on the src (dst) side; nullptr when this
  /// compile has no such key.
  const std::vector<Slot>* members(std::string_view text, bool dst_side) const;

 private:
  struct Span {
    const Slot* begin_ = nullptr;
    const Slot* end_ = nullptr;
    const Slot* begin() const { return begin_; }
    const Slot* end() const { return end_; }
    std::size_t size() const { return static_cast<std::size_t>(end_ - begin_); }
  };
  void index_keys();
  void index_pairs();
  const policy::RuleEntry* entries(const PairEdge& e) const;
  /// Per tuple, the sources `dst`'s filter names by prefix: sorted, unique, and 0.0.0.0/0 with
  /// ::/0 alone when both are there.
  std::map<FilterTuple, std::vector<util::IpPrefix>> prefix_groups(const policy::Principal& dst) const;
  /// The filter rules of `dst` from grouped sources (empty groups left out).
  std::vector<control::FilterRule> rules_of(std::map<FilterTuple, std::vector<util::IpPrefix>> groups,
                                            const policy::Principal& dst) const;
  bool usable_by(const PairEdge& e, const policy::Principal& src) const;
  /// filter() of a principal; `self` (a slot or kNoSlot) is never its own source.
  std::vector<control::FilterRule> filter_of(const policy::Principal& p, Slot self) const;
  /// The devices on the dst side of `e` for source `src`: the dst key's members, or the
  /// source's own devices when the dst key is autogroup:self.
  Span out_candidates(const PairEdge& e, const policy::Principal& src) const;
  /// The devices on the src side of `e` for destination `dst` (for autogroup:self, the
  /// destination's own devices carrying the src key), using `buffer` when it must filter.
  Span in_candidates(const PairEdge& e, const policy::Principal& dst, std::vector<Slot>& buffer) const;

  policy::Evaluator evaluator_;
  std::vector<std::string> key_text_;                      // per key
  std::unordered_map<std::string, uint32_t> key_of_text_;  // canonical text -> key
  std::vector<std::vector<util::IpPrefix>> key_prefixes_;  // per key: the addresses it names
  std::vector<std::string> posture_text_;                  // per posture set
  std::vector<PairEdge> pairs_;
  std::vector<std::vector<uint32_t>> by_src_;  // key -> pairs with that src key
  std::vector<std::vector<uint32_t>> by_dst_;  // key -> pairs with that dst key
  std::unordered_map<std::string, PairSignature> signatures_;

  std::vector<std::optional<policy::Principal>> principals_;  // per slot
  std::vector<std::vector<Slot>> src_members_;  // per key
  std::vector<std::vector<Slot>> dst_members_;
  std::vector<std::vector<uint32_t>> src_pos_;  // per slot, parallel to src_keys: index in src_members_
  std::vector<std::vector<uint32_t>> dst_pos_;
  std::unordered_map<uint64_t, std::vector<Slot>> owned_;  // owner hash -> user-owned devices
};

}  // namespace weft::coord::detail
