// The edge index of one compiled policy: pairs as edges between policy keys, devices as members of
// keys, and the walks over them that give a device's peers, its inbound filter and where it is
// listed in others' filters (docs/control-plane.md, "Peer visibility").
#include "coord/visibility_index.h"

#include <algorithm>
#include <array>
#include <map>

#include "policy/compiled_policy.h"
#include "policy/protocol.h"

namespace weft::coord::detail {
namespace {

using policy::CompiledPolicy;
using policy::Principal;
using policy::RuleEntry;

constexpr int kMaxSetDepth = 16;  // as the evaluator's ipset nesting limit

util::IpPrefix parse_prefix(const char* text) { return *util::IpPrefix::parse(text); }

// The address with bit `bit` (0 = most significant) set.
util::IpAddress with_bit(const util::IpAddress& a, int bit) {
  auto b = a.bytes();
  b[static_cast<std::size_t>(bit / 8)] |= static_cast<uint8_t>(0x80u >> (bit % 8));
  if (a.is_v4()) return util::IpAddress::v4({b[0], b[1], b[2], b[3]});
  return util::IpAddress::v6(b);
}

// `from` minus `cut`, as prefixes: a prefix strictly containing `cut` is split in halves down to
// `cut`'s length, keeping the halves that miss it.
std::vector<util::IpPrefix> subtract(const std::vector<util::IpPrefix>& from, const util::IpPrefix& cut) {
  std::vector<util::IpPrefix> out;
  for (const auto& p : from) {
    if (!p.overlaps(cut)) {
      out.push_back(p);
      continue;
    }
    if (cut.contains(p)) continue;
    util::IpPrefix cur = p;
    while (cur.bits() < cut.bits()) {
      util::IpPrefix lo(cur.address(), cur.bits() + 1);
      util::IpPrefix hi(with_bit(cur.address(), cur.bits()), cur.bits() + 1);
      if (lo.contains(cut)) {
        out.push_back(hi);
        cur = lo;
      } else {
        out.push_back(lo);
        cur = hi;
      }
    }
  }
  return out;
}

// Sorted, without prefixes another one contains.
void normalize(std::vector<util::IpPrefix>& v) {
  std::sort(v.begin(), v.end(), [](const util::IpPrefix& a, const util::IpPrefix& b) {
    if (a.address().family() != b.address().family()) return a.address().family() < b.address().family();
    if (a.bits() != b.bits()) return a.bits() < b.bits();
    return a.address() < b.address();
  });
  std::vector<util::IpPrefix> out;
  for (const auto& p : v) {
    bool covered = false;
    for (const auto& q : out)
      if (q.contains(p)) {
        covered = true;
        break;
      }
    if (!covered) out.push_back(p);
  }
  std::sort(out.begin(), out.end());
  v = std::move(out);
}

// autogroup:internet as prefixes: what policy::is_internet_address accepts.
std::vector<util::IpPrefix> internet_prefixes() {
  std::vector<util::IpPrefix> v4{parse_prefix("0.0.0.0/0")};
  for (const char* cut : {"0.0.0.0/8", "10.0.0.0/8", "127.0.0.0/8", "224.0.0.0/3", "100.64.0.0/10",
                          "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16"})
    v4 = subtract(v4, parse_prefix(cut));
  v4.push_back(parse_prefix("2000::/3"));
  return v4;
}

std::vector<util::IpPrefix> set_prefixes(const CompiledPolicy& c, const policy::AddressSet& s, int depth);

std::vector<util::IpPrefix> term_prefixes(const CompiledPolicy& c, const policy::AddressTerm& t, int depth) {
  switch (t.kind) {
    case policy::AddressTerm::Kind::kPrefix: return {t.prefix};
    case policy::AddressTerm::Kind::kInternet: return internet_prefixes();
    case policy::AddressTerm::Kind::kSet: return set_prefixes(c, c.address_sets_[t.set], depth + 1);
  }
  return {};
}

// The addresses an address set matches, as policy's set_contains decides them: the additions'
// union minus the removals'.
std::vector<util::IpPrefix> set_prefixes(const CompiledPolicy& c, const policy::AddressSet& s, int depth) {
  if (depth > kMaxSetDepth) return {};
  std::vector<util::IpPrefix> out;
  for (const auto& t : s.add) {
    auto more = term_prefixes(c, t, depth);
    out.insert(out.end(), more.begin(), more.end());
  }
  for (const auto& t : s.remove)
    for (const auto& cut : term_prefixes(c, t, depth)) out = subtract(out, cut);
  normalize(out);
  return out;
}

std::string posture_text(const std::vector<policy::Posture>& alternatives) {
  std::string out;
  for (const auto& p : alternatives) {
    out += '{';
    for (const auto& cond : p.conditions) {
      out += cond.attribute;
      out += ' ';
      out += std::to_string(static_cast<int>(cond.op));
      out += cond.numeric ? " n" : " s";
      for (const auto& v : cond.values) {
        out += ' ';
        out += std::to_string(v.size());
        out += ':';
        out += v;
      }
      out += ';';
    }
    out += '}';
  }
  return out;
}

FilterTuple tuple(uint16_t proto, uint16_t first, uint16_t last) {
  return (uint64_t{proto} << 32) | (uint64_t{first} << 16) | last;
}

// The filter tuples an entry admits: the default protocols spelled out, port ranges only on
// protocols that carry ports.
void tuples_of(const RuleEntry& e, std::vector<FilterTuple>& out) {
  auto add = [&](uint16_t proto) {
    if (proto == policy::kAnyProto || policy::protocol_has_ports(static_cast<uint8_t>(proto)))
      out.push_back(tuple(proto, e.port_first, e.port_last));
    else
      out.push_back(tuple(proto, 0, 65535));
  };
  if (e.proto == policy::kDefaultProtos) {
    for (uint8_t p : {policy::kProtoTcp, policy::kProtoUdp, policy::kProtoIcmp, policy::kProtoIcmpV6}) add(p);
  } else {
    add(e.proto);
  }
}

bool posture_bit(const Principal& p, uint16_t set) {
  if (set == 0) return true;
  const std::size_t word = set / 64;
  return word < p.posture_sets.size() && ((p.posture_sets[word] >> (set % 64)) & 1) != 0;
}

// An entry whose source the filter names by prefixes alone (its key's addresses); entries under
// autogroup:self or a posture must name each admitted device instead.
bool by_prefix(const RuleEntry& e) { return !e.self && e.posture_set == 0; }

void swap_remove(std::vector<Slot>& members, uint32_t pos) {
  members[pos] = members.back();
  members.pop_back();
}

}  // namespace

policy::Identity policy_identity(const NodeIdentity& node) {
  policy::Identity id;
  id.user = node.user;
  id.tags = node.tags;
  id.roles = node.roles;
  id.addresses = node.addresses;
  id.posture_attrs = node.posture_attrs;
  id.groups = node.groups;
  return id;
}

PolicyIndex::PolicyIndex(policy::Evaluator evaluator) : evaluator_(std::move(evaluator)) {
  index_keys();
  index_pairs();
}

void PolicyIndex::index_keys() {
  const CompiledPolicy& c = evaluator_.compiled();
  const std::size_t keys = c.used_as_src_.size();
  key_text_.assign(keys, std::string());
  key_text_[policy::kWildcardKey] = "*";
  key_text_[policy::kMemberKey] = "autogroup:member";
  key_text_[policy::kTaggedKey] = "autogroup:tagged";
  key_text_[policy::kSelfKey] = "autogroup:self";
  key_text_[policy::kInternetKey] = "autogroup:internet";
  for (const auto& [text, key] : c.keys_) key_text_[key] = text;
  key_prefixes_.assign(keys, {});
  key_prefixes_[policy::kWildcardKey] = {parse_prefix("0.0.0.0/0"), parse_prefix("::/0")};
  key_prefixes_[policy::kInternetKey] = internet_prefixes();
  // An ipset keeps its name when its contents change: its text carries the contents, so a
  // changed set is a different key to set_policy.
  for (const auto& s : c.address_sets_) {
    key_prefixes_[s.key] = set_prefixes(c, s, 0);
    key_text_[s.key] += '=';
    for (const auto& p : key_prefixes_[s.key]) key_text_[s.key] += p.to_string() + ",";
  }
  for (uint32_t k = 0; k < keys; ++k) key_of_text_.emplace(key_text_[k], k);
  for (const auto& set : c.posture_sets_) posture_text_.push_back(posture_text(set));
  by_src_.assign(keys, {});
  by_dst_.assign(keys, {});
  src_members_.assign(keys, {});
  dst_members_.assign(keys, {});
}

void PolicyIndex::index_pairs() {
  const CompiledPolicy& c = evaluator_.compiled();
  for (const auto& slot : c.slots_) {
    if (slot.pair == CompiledPolicy::kEmptyPair) continue;
    PairEdge e;
    e.src = static_cast<uint32_t>(slot.pair >> 32);
    e.dst = static_cast<uint32_t>(slot.pair);
    e.first_entry = slot.offset;
    e.entry_count = slot.count;
    for (uint32_t i = 0; i < slot.count; ++i)
      if (c.entries_[slot.offset + i].posture_set == 0) e.unconditional = true;
    pairs_.push_back(e);
  }
  std::sort(pairs_.begin(), pairs_.end(), [](const PairEdge& a, const PairEdge& b) {
    return a.src != b.src ? a.src < b.src : a.dst < b.dst;
  });
  for (uint32_t i = 0; i < pairs_.size(); ++i) {
    const PairEdge& e = pairs_[i];
    by_src_[e.src].push_back(i);
    by_dst_[e.dst].push_back(i);
    std::vector<std::string> items;
    for (const RuleEntry* r = entries(e); r != entries(e) + e.entry_count; ++r)
      items.push_back(std::to_string(r->proto) + " " + std::to_string(r->port_first) + "-" +
                      std::to_string(r->port_last) + (r->self ? " self " : " any ") +
                      posture_text_[r->posture_set]);
    std::sort(items.begin(), items.end());
    items.erase(std::unique(items.begin(), items.end()), items.end());
    PairSignature sig{e.src, e.dst, {}};
    for (const auto& item : items) sig.entries += item + "\n";
    signatures_.emplace(key_text_[e.src] + "\x1f" + key_text_[e.dst], std::move(sig));
  }
}

const RuleEntry* PolicyIndex::entries(const PairEdge& e) const {
  return evaluator_.compiled().entries_.data() + e.first_entry;
}

bool PolicyIndex::usable_by(const PairEdge& e, const Principal& src) const {
  if (e.unconditional) return true;
  const RuleEntry* r = entries(e);
  for (uint32_t i = 0; i < e.entry_count; ++i)
    if (posture_bit(src, r[i].posture_set)) return true;
  return false;
}

PolicyIndex::Span PolicyIndex::out_candidates(const PairEdge& e, const Principal& src) const {
  const std::vector<Slot>* v = &dst_members_[e.dst];
  if (e.dst == policy::kSelfKey) {
    // Every device of the source's owner carries autogroup:self on the dst side.
    auto it = src.owner == 0 ? owned_.end() : owned_.find(src.owner);
    if (it == owned_.end()) return {};
    v = &it->second;
  }
  return {v->data(), v->data() + v->size()};
}

PolicyIndex::Span PolicyIndex::in_candidates(const PairEdge& e, const Principal& dst,
                                             std::vector<Slot>& buffer) const {
  if (e.dst != policy::kSelfKey) {
    const auto& v = src_members_[e.src];
    return {v.data(), v.data() + v.size()};
  }
  buffer.clear();
  auto it = dst.owner == 0 ? owned_.end() : owned_.find(dst.owner);
  if (it == owned_.end()) return {};
  for (Slot x : it->second) {
    const auto& keys = principal(x).src_keys;
    if (std::binary_search(keys.begin(), keys.end(), e.src)) buffer.push_back(x);
  }
  return {buffer.data(), buffer.data() + buffer.size()};
}

void PolicyIndex::insert(Slot slot, Principal p) {
  if (principals_.size() <= slot) {
    principals_.resize(slot + 1);
    src_pos_.resize(slot + 1);
    dst_pos_.resize(slot + 1);
  }
  src_pos_[slot].clear();
  for (uint32_t k : p.src_keys) {
    src_pos_[slot].push_back(static_cast<uint32_t>(src_members_[k].size()));
    src_members_[k].push_back(slot);
  }
  dst_pos_[slot].clear();
  for (uint32_t k : p.dst_keys) {
    dst_pos_[slot].push_back(static_cast<uint32_t>(dst_members_[k].size()));
    dst_members_[k].push_back(slot);
  }
  if (p.owner != 0) owned_[p.owner].push_back(slot);
  principals_[slot] = std::move(p);
}

void PolicyIndex::erase(Slot slot) {
  const Principal& p = principal(slot);
  // Swap-remove from each member list, then tell the moved device its new position.
  auto unlink = [&](const std::vector<uint32_t>& keys, std::vector<std::vector<Slot>>& members,
                    std::vector<std::vector<uint32_t>>& positions, bool dst_side) {
    for (std::size_t i = 0; i < keys.size(); ++i) {
      auto& list = members[keys[i]];
      const uint32_t pos = positions[slot][i];
      const Slot moved = list.back();
      swap_remove(list, pos);
      if (moved == slot) continue;
      const auto& moved_keys = dst_side ? principal(moved).dst_keys : principal(moved).src_keys;
      auto at = std::lower_bound(moved_keys.begin(), moved_keys.end(), keys[i]) - moved_keys.begin();
      positions[moved][static_cast<std::size_t>(at)] = pos;
    }
    positions[slot].clear();
  };
  unlink(p.src_keys, src_members_, src_pos_, false);
  unlink(p.dst_keys, dst_members_, dst_pos_, true);
  if (p.owner != 0) {
    auto it = owned_.find(p.owner);
    auto& list = it->second;
    list.erase(std::find(list.begin(), list.end(), slot));
    if (list.empty()) owned_.erase(it);
  }
  principals_[slot].reset();
}

std::vector<Slot> PolicyIndex::peers(Slot slot) const {
  const Principal& p = principal(slot);
  std::vector<Slot> out = sources(p);
  for (uint32_t s : p.src_keys)
    for (uint32_t i : by_src_[s]) {
      const PairEdge& e = pairs_[i];
      if (!usable_by(e, p)) continue;
      for (Slot b : out_candidates(e, p)) out.push_back(b);
    }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  auto self = std::lower_bound(out.begin(), out.end(), slot);
  if (self != out.end() && *self == slot) out.erase(self);
  return out;
}

std::vector<Slot> PolicyIndex::sources(const Principal& p) const {
  std::vector<Slot> out;
  std::vector<Slot> buffer;
  for (uint32_t d : p.dst_keys)
    for (uint32_t i : by_dst_[d]) {
      const PairEdge& e = pairs_[i];
      for (Slot x : in_candidates(e, p, buffer))
        if (e.unconditional || usable_by(e, principal(x))) out.push_back(x);
    }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

OutSignature PolicyIndex::out_signature(Slot slot) const {
  const Principal& p = principal(slot);
  std::vector<std::pair<Slot, FilterTuple>> items;
  std::vector<FilterTuple> tuples;
  for (uint32_t s : p.src_keys)
    for (uint32_t i : by_src_[s]) {
      const PairEdge& e = pairs_[i];
      tuples.clear();
      const RuleEntry* r = entries(e);
      for (uint32_t j = 0; j < e.entry_count; ++j) {
        if (!posture_bit(p, r[j].posture_set)) continue;
        // The filter admits every source of a "*" entry by 0.0.0.0/0 and ::/0, not by address.
        if (e.src == policy::kWildcardKey && by_prefix(r[j])) continue;
        tuples_of(r[j], tuples);
      }
      if (tuples.empty()) continue;
      for (Slot b : out_candidates(e, p))
        if (b != slot)
          for (FilterTuple t : tuples) items.emplace_back(b, t);
    }
  std::sort(items.begin(), items.end());
  items.erase(std::unique(items.begin(), items.end()), items.end());
  OutSignature out;
  for (const auto& [b, t] : items) {
    if (out.empty() || out.back().first != b) out.emplace_back(b, std::vector<FilterTuple>{});
    out.back().second.push_back(t);
  }
  return out;
}

std::vector<control::FilterRule> PolicyIndex::filter(Slot slot) const {
  return filter_of(principal(slot), slot);
}

std::vector<control::FilterRule> PolicyIndex::filter_for(const Principal& dst) const {
  return filter_of(dst, kNoSlot);
}

std::vector<control::FilterRule> PolicyIndex::filter_of(const Principal& p, Slot slot) const {
  std::map<FilterTuple, std::vector<util::IpPrefix>> groups;
  std::vector<FilterTuple> tuples;
  std::vector<Slot> buffer;
  for (uint32_t d : p.dst_keys)
    for (uint32_t i : by_dst_[d]) {
      const PairEdge& e = pairs_[i];
      const RuleEntry* r = entries(e);
      for (uint32_t j = 0; j < e.entry_count; ++j) {
        tuples.clear();
        tuples_of(r[j], tuples);
        if (by_prefix(r[j])) {
          for (FilterTuple t : tuples) {
            auto& g = groups[t];
            g.insert(g.end(), key_prefixes_[e.src].begin(), key_prefixes_[e.src].end());
          }
          if (e.src == policy::kWildcardKey) continue;
        }
        for (Slot x : in_candidates(e, p, buffer)) {
          if (x == slot) continue;
          const Principal& src = principal(x);
          if (!posture_bit(src, r[j].posture_set)) continue;
          for (FilterTuple t : tuples)
            for (const auto& a : src.addresses) groups[t].emplace_back(a, a.bit_length());
        }
      }
    }
  return rules_of(std::move(groups), p);
}

std::vector<control::FilterRule> PolicyIndex::rules_of(std::map<FilterTuple, std::vector<util::IpPrefix>> groups,
                                                       const Principal& dst) const {
  std::vector<util::IpPrefix> self;
  for (const auto& a : dst.addresses) self.emplace_back(a, a.bit_length());
  std::sort(self.begin(), self.end());
  self.erase(std::unique(self.begin(), self.end()), self.end());
  const util::IpPrefix any4 = parse_prefix("0.0.0.0/0");
  const util::IpPrefix any6 = parse_prefix("::/0");
  std::vector<control::FilterRule> out;
  for (auto& [t, sources] : groups) {
    if (sources.empty()) continue;
    std::sort(sources.begin(), sources.end());
    sources.erase(std::unique(sources.begin(), sources.end()), sources.end());
    if (std::binary_search(sources.begin(), sources.end(), any4) &&
        std::binary_search(sources.begin(), sources.end(), any6))
      sources = {any4, any6};
    control::FilterRule rule;
    rule.sources = std::move(sources);
    rule.destinations = self;
    rule.protocol = static_cast<uint16_t>(t >> 32);
    rule.port_first = static_cast<uint16_t>(t >> 16);
    rule.port_last = static_cast<uint16_t>(t);
    out.push_back(std::move(rule));
  }
  return out;
}

std::map<FilterTuple, std::vector<util::IpPrefix>> PolicyIndex::prefix_groups(const Principal& dst) const {
  std::map<FilterTuple, std::vector<util::IpPrefix>> groups;
  std::vector<FilterTuple> tuples;
  for (uint32_t d : dst.dst_keys)
    for (uint32_t i : by_dst_[d]) {
      const PairEdge& e = pairs_[i];
      if (key_prefixes_[e.src].empty()) continue;
      const RuleEntry* r = entries(e);
      for (uint32_t j = 0; j < e.entry_count; ++j) {
        if (!by_prefix(r[j])) continue;
        tuples.clear();
        tuples_of(r[j], tuples);
        for (FilterTuple t : tuples) {
          auto& g = groups[t];
          g.insert(g.end(), key_prefixes_[e.src].begin(), key_prefixes_[e.src].end());
        }
      }
    }
  // rules_of's normal form, so that callers can look prefixes up in it.
  for (auto& rule : rules_of(groups, dst)) {
    const FilterTuple t = tuple(rule.protocol, rule.port_first, rule.port_last);
    groups[t] = std::move(rule.sources);
  }
  return groups;
}

std::vector<control::FilterRule> PolicyIndex::prefix_rules(Slot dst) const {
  const Principal& p = principal(dst);
  return rules_of(prefix_groups(p), p);
}

std::vector<control::FilterRule> PolicyIndex::contribution(Slot src, Slot dst) const {
  if (src == dst) return {};
  const Principal& s = principal(src);
  const Principal& d = principal(dst);
  // The entries filter() would list `src` under for `dst`: the same tests, walked from the side
  // with fewer pairs (a group node has a few, a service node one per group reaching it).
  std::vector<FilterTuple> tuples;
  auto visit = [&](const PairEdge& e) {
    if (e.dst == policy::kSelfKey && (d.owner == 0 || s.owner != d.owner)) return;
    const RuleEntry* r = entries(e);
    for (uint32_t j = 0; j < e.entry_count; ++j) {
      if (!posture_bit(s, r[j].posture_set)) continue;
      if (e.src == policy::kWildcardKey && by_prefix(r[j])) continue;
      tuples_of(r[j], tuples);
    }
  };
  std::size_t from_src = 0;
  std::size_t from_dst = 0;
  for (uint32_t k : s.src_keys) from_src += by_src_[k].size();
  for (uint32_t k : d.dst_keys) from_dst += by_dst_[k].size();
  if (from_src <= from_dst) {
    for (uint32_t k : s.src_keys)
      for (uint32_t i : by_src_[k])
        if (std::binary_search(d.dst_keys.begin(), d.dst_keys.end(), pairs_[i].dst)) visit(pairs_[i]);
  } else {
    for (uint32_t k : d.dst_keys)
      for (uint32_t i : by_dst_[k])
        if (std::binary_search(s.src_keys.begin(), s.src_keys.end(), pairs_[i].src)) visit(pairs_[i]);
  }
  if (tuples.empty()) return {};
  std::sort(tuples.begin(), tuples.end());
  tuples.erase(std::unique(tuples.begin(), tuples.end()), tuples.end());
  const auto listed = prefix_groups(d);
  const util::IpPrefix any4 = parse_prefix("0.0.0.0/0");
  const util::IpPrefix any6 = parse_prefix("::/0");
  std::map<FilterTuple, std::vector<util::IpPrefix>> groups;
  for (FilterTuple t : tuples) {
    auto it = listed.find(t);
    const std::vector<util::IpPrefix>* named = it == listed.end() ? nullptr : &it->second;
    // A rule open to everyone stays 0.0.0.0/0 with ::/0 alone; a source the policy already
    // names by prefix is there without the device.
    if (named != nullptr && std::binary_search(named->begin(), named->end(), any4) &&
        std::binary_search(named->begin(), named->end(), any6))
      continue;
    auto& g = groups[t];
    for (const auto& a : s.addresses) {
      const util::IpPrefix host(a, a.bit_length());
      if (named == nullptr || !std::binary_search(named->begin(), named->end(), host)) g.push_back(host);
    }
  }
  return rules_of(std::move(groups), d);
}

std::vector<std::pair<bool, std::string_view>> PolicyIndex::key_texts(Slot slot) const {
  const Principal& p = principal(slot);
  std::vector<std::pair<bool, std::string_view>> out;
  for (uint32_t k : p.src_keys) out.emplace_back(false, key_text_[k]);
  for (uint32_t k : p.dst_keys) out.emplace_back(true, key_text_[k]);
  std::sort(out.begin(), out.end());
  return out;
}

const std::vector<Slot>* PolicyIndex::members(std::string_view text, bool dst_side) const {
  auto it = key_of_text_.find(std::string(text));
  if (it == key_of_text_.end()) return nullptr;
  return dst_side ? &dst_members_[it->second] : &src_members_[it->second];
}

}  // namespace weft::coord::detail
