// Peer visibility over the edge index: joins, updates and removals recompute one device and patch
// its peers; a policy change recomputes only the devices whose keys or whose keys' rules changed
// (docs/control-plane.md, "Peer visibility").
#include "coord/visibility.h"

#include <algorithm>
#include <array>
#include <iterator>
#include <unordered_map>
#include <utility>

#include "coord/visibility_index.h"
#include "policy/pipeline.h"

namespace weft::coord {

using detail::OutSignature;
using detail::PolicyIndex;
using detail::Slot;

namespace {

bool blank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// The policy in force for `text`, compiled, or the errors as `weft acl check` prints them.
Result<policy::Evaluator> compile(std::string_view text) {
  auto checked = policy::check_policy(blank(text) ? kDefaultPolicyText : text, policy::RunTests::kNo);
  if (checked.evaluator && !policy::has_errors(checked.diagnostics)) return std::move(*checked.evaluator);
  std::string detail;
  for (const auto& d : checked.diagnostics) {
    if (d.severity != policy::Severity::kError) continue;
    if (!detail.empty()) detail += '\n';
    detail += std::to_string(d.at.line) + ":" + std::to_string(d.at.column) + ": error: " + d.message;
  }
  if (detail.empty()) detail = "policy did not compile";
  return make_error("coord.policy_invalid", detail);
}

// Whether two principals of one compile decide alike everywhere.
bool same_principal(const policy::Principal& a, const policy::Principal& b) {
  return a.keys == b.keys && a.owner == b.owner && a.tagged == b.tagged && a.addresses == b.addresses &&
         a.posture_sets == b.posture_sets;
}

void insert_sorted(std::vector<DeviceId>& v, DeviceId id) {
  auto it = std::lower_bound(v.begin(), v.end(), id);
  if (it == v.end() || *it != id) v.insert(it, id);
}

void erase_sorted(std::vector<DeviceId>& v, DeviceId id) {
  auto it = std::lower_bound(v.begin(), v.end(), id);
  if (it != v.end() && *it == id) v.erase(it);
}

const std::vector<DeviceId> kNoPeers;

}  // namespace

bool same_filter(const std::vector<control::FilterRule>& a, const std::vector<control::FilterRule>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const control::FilterRule& x, const control::FilterRule& y) {
                      return x.protocol == y.protocol && x.port_first == y.port_first &&
                             x.port_last == y.port_last && x.sources == y.sources &&
                             x.destinations == y.destinations;
                    });
}

struct Visibility::State {
  struct Node {
    DeviceId id;
    NodeIdentity identity;
    std::vector<DeviceId> peers;  // sorted
  };

  std::unique_ptr<PolicyIndex> index;
  std::vector<std::optional<Node>> nodes;  // per slot
  std::vector<Slot> free_slots;
  std::unordered_map<uint64_t, Slot> slots;  // DeviceId -> slot

  // Collects one call's deltas by device.
  class Deltas {
   public:
    NodeVisibilityDelta& at(DeviceId id) {
      auto [it, inserted] = index_.emplace(id.value, out_.nodes.size());
      if (inserted) {
        out_.nodes.emplace_back();
        out_.nodes.back().node = id;
      }
      return out_.nodes[it->second];
    }
    VisibilityChange finish(uint64_t recomputed) {
      auto& v = out_.nodes;
      v.erase(std::remove_if(v.begin(), v.end(),
                             [](const NodeVisibilityDelta& d) {
                               return d.peers_added.empty() && d.peers_removed.empty() && !d.filter_changed;
                             }),
              v.end());
      for (auto& d : v) {
        std::sort(d.peers_added.begin(), d.peers_added.end());
        std::sort(d.peers_removed.begin(), d.peers_removed.end());
      }
      std::sort(v.begin(), v.end(),
                [](const NodeVisibilityDelta& a, const NodeVisibilityDelta& b) { return a.node < b.node; });
      out_.recomputed = recomputed;
      return std::move(out_);
    }

   private:
    VisibilityChange out_;
    std::unordered_map<uint64_t, std::size_t> index_;
  };

  DeviceId id_of(Slot s) const { return nodes[s]->id; }

  std::vector<DeviceId> ids_of(const std::vector<Slot>& slots_in) const {
    std::vector<DeviceId> out;
    out.reserve(slots_in.size());
    for (Slot s : slots_in) out.push_back(id_of(s));
    std::sort(out.begin(), out.end());
    return out;
  }

  // Replaces the slot's peer set with `fresh` (sorted ids), patching the other side of every
  // changed relation unless `recomputed` says that device gets its own fresh set.
  void apply_peers(Slot slot, std::vector<DeviceId> fresh, const std::vector<uint8_t>* recomputed,
                   Deltas& deltas) {
    Node& n = *nodes[slot];
    std::vector<DeviceId> added;
    std::vector<DeviceId> removed;
    std::set_difference(fresh.begin(), fresh.end(), n.peers.begin(), n.peers.end(), std::back_inserter(added));
    std::set_difference(n.peers.begin(), n.peers.end(), fresh.begin(), fresh.end(), std::back_inserter(removed));
    for (DeviceId b : added) {
      const Slot bs = slots.find(b.value)->second;  // a peer is always in the view
      if (!recomputed || !(*recomputed)[bs]) {
        insert_sorted(nodes[bs]->peers, n.id);
        deltas.at(b).peers_added.push_back(n.id);
      }
    }
    for (DeviceId b : removed) {
      const Slot bs = slots.find(b.value)->second;  // a peer is always in the view
      if (!recomputed || !(*recomputed)[bs]) {
        erase_sorted(nodes[bs]->peers, n.id);
        deltas.at(b).peers_removed.push_back(n.id);
      }
    }
    auto& mine = deltas.at(n.id);
    mine.peers_added.insert(mine.peers_added.end(), added.begin(), added.end());
    mine.peers_removed.insert(mine.peers_removed.end(), removed.begin(), removed.end());
    n.peers = std::move(fresh);
  }

  // Flags the filters that list the source differently in `after` than in `before`, or that list
  // it at all when its addresses changed.
  void flag_listings(const OutSignature& before, const OutSignature& after, bool addresses_changed,
                     Deltas& deltas) const {
    auto b = before.begin();
    auto a = after.begin();
    while (b != before.end() || a != after.end()) {
      if (a == after.end() || (b != before.end() && b->first < a->first)) {
        deltas.at(id_of(b->first)).filter_changed = true;
        ++b;
      } else if (b == before.end() || a->first < b->first) {
        deltas.at(id_of(a->first)).filter_changed = true;
        ++a;
      } else {
        if (addresses_changed || a->second != b->second) deltas.at(id_of(a->first)).filter_changed = true;
        ++a;
        ++b;
      }
    }
  }
};

Visibility::Visibility(std::unique_ptr<State> state) : state_(std::move(state)) {}
Visibility::~Visibility() = default;

Result<std::unique_ptr<Visibility>> Visibility::create(std::string_view policy_text) {
  auto evaluator = compile(policy_text);
  if (!evaluator) return evaluator.error();
  auto state = std::make_unique<State>();
  state->index = std::make_unique<PolicyIndex>(std::move(*evaluator));
  return std::unique_ptr<Visibility>(new Visibility(std::move(state)));
}

VisibilityChange Visibility::upsert(DeviceId id, const NodeIdentity& identity) {
  State& st = *state_;
  PolicyIndex& index = *st.index;
  State::Deltas deltas;
  policy::Principal fresh = index.evaluator().resolve(detail::policy_identity(identity));
  auto found = st.slots.find(id.value);
  const bool known = found != st.slots.end();
  Slot slot = 0;
  OutSignature before;
  std::vector<control::FilterRule> old_filter;
  bool addresses_changed = true;
  if (known) {
    slot = found->second;
    State::Node& n = *st.nodes[slot];
    if (n.identity == identity) return {};
    const policy::Principal& old = index.principal(slot);
    if (same_principal(old, fresh)) {
      // Same decisions everywhere (e.g. a posture attribute no rule reads): nothing to tell.
      n.identity = identity;
      return {};
    }
    addresses_changed = old.addresses != fresh.addresses;
    before = index.out_signature(slot);
    old_filter = index.filter(slot);
    index.erase(slot);
    n.identity = identity;
  } else {
    if (st.free_slots.empty()) {
      slot = static_cast<Slot>(st.nodes.size());
      st.nodes.emplace_back();
    } else {
      slot = st.free_slots.back();
      st.free_slots.pop_back();
    }
    st.nodes[slot] = State::Node{id, identity, {}};
    st.slots.emplace(id.value, slot);
  }
  index.insert(slot, std::move(fresh));
  st.apply_peers(slot, st.ids_of(index.peers(slot)), nullptr, deltas);
  st.flag_listings(before, index.out_signature(slot), addresses_changed, deltas);
  if (!known || !same_filter(index.filter(slot), old_filter)) deltas.at(id).filter_changed = true;
  return deltas.finish(1);
}

VisibilityChange Visibility::remove(DeviceId id) {
  State& st = *state_;
  auto found = st.slots.find(id.value);
  if (found == st.slots.end()) return {};
  const Slot slot = found->second;
  State::Deltas deltas;
  st.flag_listings(st.index->out_signature(slot), {}, false, deltas);
  st.apply_peers(slot, {}, nullptr, deltas);
  st.index->erase(slot);
  st.nodes[slot].reset();
  st.slots.erase(found);
  st.free_slots.push_back(slot);
  auto change = deltas.finish(0);
  auto& v = change.nodes;
  v.erase(std::remove_if(v.begin(), v.end(), [&](const NodeVisibilityDelta& d) { return d.node == id; }), v.end());
  return change;
}

Result<VisibilityChange> Visibility::set_policy(std::string_view policy_text) {
  auto evaluator = compile(policy_text);
  if (!evaluator) return evaluator.error();
  State& st = *state_;
  const PolicyIndex& old_index = *st.index;
  auto next = std::make_unique<PolicyIndex>(std::move(*evaluator));
  const std::size_t slot_count = st.nodes.size();
  std::vector<Slot> live;
  for (Slot s = 0; s < slot_count; ++s)
    if (st.nodes[s]) {
      live.push_back(s);
      next->insert(s, next->evaluator().resolve(detail::policy_identity(st.nodes[s]->identity)));
    }

  // Devices that match other selectors now: their relations and listings may all change.
  std::vector<uint8_t> rekeyed(slot_count, 0);
  std::vector<uint8_t> recompute(slot_count, 0);
  for (Slot s : live)
    if (old_index.key_texts(s) != next->key_texts(s)) rekeyed[s] = recompute[s] = 1;

  State::Deltas deltas;
  // Pairs whose rules changed: every relation through one involves a device on each side, so
  // recomputing the smaller side covers them; the dst side's filters may change.
  auto members_of = [&](const std::string& text, bool dst_side) {
    std::vector<Slot> out;
    for (const PolicyIndex* ix : std::array<const PolicyIndex*, 2>{&old_index, next.get()})
      if (const auto* m = ix->members(text, dst_side)) out.insert(out.end(), m->begin(), m->end());
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  };
  auto changed_pair = [&](const PolicyIndex& ix, const detail::PairSignature& sig) {
    auto src = members_of(ix.key_text(sig.src), false);
    auto dst = members_of(ix.key_text(sig.dst), true);
    for (Slot s : src.size() <= dst.size() ? src : dst) recompute[s] = 1;
    for (Slot s : dst) deltas.at(st.id_of(s)).filter_changed = true;
  };
  for (const auto& [text, sig] : old_index.pair_signatures()) {
    auto it = next->pair_signatures().find(text);
    if (it == next->pair_signatures().end() || it->second.entries != sig.entries) changed_pair(old_index, sig);
  }
  for (const auto& [text, sig] : next->pair_signatures())
    if (old_index.pair_signatures().count(text) == 0) changed_pair(*next, sig);

  // Everything below reads the old index before the new one replaces it.
  std::vector<std::pair<Slot, std::vector<DeviceId>>> fresh;
  uint64_t recomputed = 0;
  for (Slot s : live) {
    if (rekeyed[s]) {
      st.flag_listings(old_index.out_signature(s), next->out_signature(s), false, deltas);
      if (!same_filter(old_index.filter(s), next->filter(s))) deltas.at(st.id_of(s)).filter_changed = true;
    }
    if (recompute[s]) {
      fresh.emplace_back(s, st.ids_of(next->peers(s)));
      ++recomputed;
    }
  }
  for (auto& [s, peers] : fresh) st.apply_peers(s, std::move(peers), &recompute, deltas);
  st.index = std::move(next);
  return deltas.finish(recomputed);
}

const std::vector<DeviceId>& Visibility::peers_of(DeviceId id) const {
  auto it = state_->slots.find(id.value);
  if (it == state_->slots.end()) return kNoPeers;
  return state_->nodes[it->second]->peers;
}

std::vector<control::FilterRule> Visibility::inbound_filter(DeviceId id) const {
  auto it = state_->slots.find(id.value);
  if (it == state_->slots.end()) return {};
  return state_->index->filter(it->second);
}

std::vector<control::FilterRule> Visibility::contribution(DeviceId src, DeviceId dst) const {
  auto s = state_->slots.find(src.value);
  auto d = state_->slots.find(dst.value);
  if (s == state_->slots.end() || d == state_->slots.end()) return {};
  return state_->index->contribution(s->second, d->second);
}

std::vector<control::FilterRule> Visibility::prefix_rules(DeviceId dst) const {
  auto it = state_->slots.find(dst.value);
  if (it == state_->slots.end()) return {};
  return state_->index->prefix_rules(it->second);
}

std::vector<util::IpPrefix> Visibility::source_prefixes(DeviceId id) const {
  auto it = state_->slots.find(id.value);
  if (it == state_->slots.end()) return {};
  std::vector<util::IpPrefix> out;
  for (const auto& a : state_->index->principal(it->second).addresses) out.emplace_back(a, a.bit_length());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Visibility::RoutedAccess Visibility::routed_access(const util::IpPrefix& route) const {
  const PolicyIndex& index = *state_->index;
  const policy::CompiledPolicy& compiled = index.evaluator().compiled();
  // The parts of the route some destination key names: the route itself, and each prefix of an
  // address key that lies inside it. Each part is a principal of its own that carries the keys
  // naming the whole part, so that a rule for 10.9.0.5 does not open 10.9.0.0/24.
  std::vector<util::IpPrefix> parts{route};
  if (route.bits() != 0)
    for (uint32_t k = 0; k < compiled.used_as_dst_.size(); ++k) {
      if (!compiled.used_as_dst_[k] || k == policy::kWildcardKey) continue;
      for (const auto& p : index.key_prefixes(k))
        if (!(p == route) && route.contains(p)) parts.push_back(p);
    }
  std::sort(parts.begin(), parts.end());
  parts.erase(std::unique(parts.begin(), parts.end()), parts.end());
  RoutedAccess out;
  std::vector<Slot> sources;
  for (const auto& part : parts) {
    policy::Identity id;
    id.addresses = {part.address()};
    policy::Principal dst = index.evaluator().resolve(id);
    if (route.bits() == 0) {
      // The internet through an exit node: "*" and autogroup:internet, nothing narrower.
      dst.keys = {policy::kWildcardKey, policy::kInternetKey};
    } else {
      std::vector<uint32_t> covering;
      for (uint32_t k : dst.keys) {
        bool covers = k == policy::kWildcardKey;
        for (const auto& p : index.key_prefixes(k)) covers = covers || p.contains(part);
        if (covers) covering.push_back(k);
      }
      dst.keys = std::move(covering);
    }
    dst.dst_keys.clear();
    for (uint32_t k : dst.keys)
      if (compiled.used_as_dst_[k]) dst.dst_keys.push_back(k);
    dst.src_keys.clear();
    auto more = index.sources(dst);
    sources.insert(sources.end(), more.begin(), more.end());
    for (auto& rule : index.filter_for(dst)) {
      rule.destinations = {part};
      out.rules.push_back(std::move(rule));
    }
  }
  std::sort(sources.begin(), sources.end());
  sources.erase(std::unique(sources.begin(), sources.end()), sources.end());
  out.sources = state_->ids_of(sources);
  return out;
}

bool Visibility::contains(DeviceId id) const { return state_->slots.count(id.value) != 0; }

std::size_t Visibility::size() const { return state_->slots.size(); }

}  // namespace weft::coord
