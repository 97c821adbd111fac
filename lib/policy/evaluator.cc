// Compiles a Policy into CompiledPolicy and answers decisions (Tailscale policy semantics:
// default deny, union of `acls` and `grants`, `srcPosture`, autogroups; docs/policy.md).
#include "policy/evaluator.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "policy/compiled_policy.h"
#include "policy/posture.h"
#include "policy/selector.h"

namespace weft::policy {
namespace {

constexpr int kMaxIpSetDepth = 16;

bool in_default_protos(uint8_t proto) {
  return proto == kProtoTcp || proto == kProtoUdp || proto == kProtoIcmp ||
         proto == kProtoIcmpV6;
}

uint64_t owner_hash(const std::string& user) {
  // FNV-1a 64; 0 is reserved for "no owner".
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : user) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h == 0 ? 1 : h;
}

bool contains_sorted(const std::vector<uint32_t>& v, uint32_t key) {
  return std::binary_search(v.begin(), v.end(), key);
}

// Builds the tables from a Policy; one instance per compile() call.
class Compiler {
 public:
  Compiler(const Policy& policy, CompiledPolicy& out) : policy_(policy), out_(out) {}

  Result<Ok> run() {
    for (uint32_t k = 0; k < kFirstNamedKey; ++k) {
      out_.used_as_src_.push_back(0);
      out_.used_as_dst_.push_back(0);
    }
    out_.posture_sets_.emplace_back();  // set 0: no requirement
    posture_set_ids_[{}] = 0;
    for (const auto& g : policy_.groups) {
      uint32_t gk = intern(g.name);
      for (const auto& m : g.members) {
        auto& v = out_.user_groups_[m.name];
        if (std::find(v.begin(), v.end(), gk) == v.end()) v.push_back(gk);
      }
    }
    std::vector<std::pair<uint64_t, RuleEntry>> pairs;
    for (std::size_t i = 0; i < policy_.acls.size(); ++i) {
      auto st = compile_acl(policy_.acls[i], static_cast<uint32_t>(i), pairs);
      if (!st) return st;
    }
    for (std::size_t i = 0; i < policy_.grants.size(); ++i) {
      auto st = compile_grant(policy_.grants[i],
                              static_cast<uint32_t>(policy_.acls.size() + i), pairs);
      if (!st) return st;
    }
    for (const auto& rule : policy_.ssh) {
      auto st = compile_ssh(rule);
      if (!st) return st;
    }
    build_table(pairs);
    return Ok{};
  }

 private:
  uint32_t intern(const std::string& text) {
    auto [it, inserted] = out_.keys_.emplace(text, static_cast<uint32_t>(out_.used_as_src_.size()));
    if (inserted) {
      out_.used_as_src_.push_back(0);
      out_.used_as_dst_.push_back(0);
    }
    return it->second;
  }

  std::optional<util::IpPrefix> host_prefix(const Selector& s) const {
    for (const auto& h : policy_.hosts)
      if (h.name == s.name) return h.prefix;
    if (s.kind == SelectorKind::kHost) return std::nullopt;
    return s.prefix;
  }

  // The address set of a prefix/host selector, shared by every selector naming that prefix.
  uint32_t prefix_set(const util::IpPrefix& p) {
    std::string text = "addr:" + p.to_string();
    auto it = out_.keys_.find(text);
    if (it != out_.keys_.end()) return it->second;
    uint32_t key = intern(text);
    AddressSet set;
    set.key = key;
    set.add.push_back({AddressTerm::Kind::kPrefix, p, 0});
    out_.address_sets_.push_back(std::move(set));
    return key;
  }

  Result<AddressTerm> ipset_term(const Selector& s, int depth) {
    switch (s.kind) {
      case SelectorKind::kPrefix:
        return AddressTerm{AddressTerm::Kind::kPrefix, s.prefix, 0};
      case SelectorKind::kHost: {
        auto p = host_prefix(s);
        if (!p) return make_error("policy.internal", "unknown host " + s.name);
        return AddressTerm{AddressTerm::Kind::kPrefix, *p, 0};
      }
      case SelectorKind::kAutogroupInternet:
        return AddressTerm{AddressTerm::Kind::kInternet, {}, 0};
      case SelectorKind::kIpSet: {
        auto idx = ipset_index(s.name, depth + 1);
        if (!idx) return idx.error();
        return AddressTerm{AddressTerm::Kind::kSet, {}, *idx};
      }
      default:
        return make_error("policy.internal", "selector " + s.name + " cannot be in an ipset");
    }
  }

  // Index into address_sets_ of the named ipset, compiling it (and what it names) once.
  Result<uint32_t> ipset_index(const std::string& name, int depth) {
    if (depth > kMaxIpSetDepth) return make_error("policy.internal", "ipset nesting too deep: " + name);
    auto done = ipset_indexes_.find(name);
    if (done != ipset_indexes_.end()) return done->second;
    const IpSet* def = nullptr;
    for (const auto& s : policy_.ipsets)
      if (s.name == name) def = &s;
    if (!def) return make_error("policy.internal", "unknown ipset " + name);
    AddressSet set;
    for (const auto& e : def->entries) {
      auto term = ipset_term(e.selector, depth);
      if (!term) return term.error();
      (e.remove ? set.remove : set.add).push_back(*term);
    }
    set.key = intern(name);
    auto index = static_cast<uint32_t>(out_.address_sets_.size());
    out_.address_sets_.push_back(std::move(set));
    ipset_indexes_[name] = index;
    return index;
  }

  // The key a selector matches; nullopt for selectors that name no node (autogroup:nonroot,
  // autogroup:shared).
  Result<std::optional<uint32_t>> key_of(const Selector& s) {
    switch (s.kind) {
      case SelectorKind::kWildcard: return std::optional<uint32_t>(kWildcardKey);
      case SelectorKind::kAutogroupMember: return std::optional<uint32_t>(kMemberKey);
      case SelectorKind::kAutogroupTagged: return std::optional<uint32_t>(kTaggedKey);
      case SelectorKind::kAutogroupSelf: return std::optional<uint32_t>(kSelfKey);
      case SelectorKind::kAutogroupInternet: return std::optional<uint32_t>(kInternetKey);
      case SelectorKind::kAutogroupNonroot:
      case SelectorKind::kAutogroupShared: return std::optional<uint32_t>();
      case SelectorKind::kUser:
      case SelectorKind::kGroup:
      case SelectorKind::kTag:
      case SelectorKind::kAutogroupAdmin:
      case SelectorKind::kService:
        return std::optional<uint32_t>(intern(s.name));
      case SelectorKind::kUserDomain: return std::optional<uint32_t>(intern(user_domain_key(s.name)));
      case SelectorKind::kPrefix: return std::optional<uint32_t>(prefix_set(s.prefix));
      case SelectorKind::kHost: {
        auto p = host_prefix(s);
        if (!p) return make_error("policy.internal", "unknown host " + s.name);
        return std::optional<uint32_t>(prefix_set(*p));
      }
      case SelectorKind::kIpSet: {
        auto idx = ipset_index(s.name, 0);
        if (!idx) return idx.error();
        return std::optional<uint32_t>(out_.address_sets_[*idx].key);
      }
    }
    return std::optional<uint32_t>();
  }

  Result<uint16_t> posture_set(const std::vector<std::string>& rule_postures) {
    const auto& names = rule_postures.empty() ? policy_.default_src_posture : rule_postures;
    auto found = posture_set_ids_.find(names);
    if (found != posture_set_ids_.end()) return found->second;
    std::vector<Posture> alternatives;
    for (const auto& n : names) {
      const Posture* p = nullptr;
      for (const auto& q : policy_.postures)
        if (q.name == n) p = &q;
      if (!p) return make_error("policy.internal", "unknown posture " + n);
      alternatives.push_back(*p);
    }
    if (out_.posture_sets_.size() >= std::numeric_limits<uint16_t>::max())
      return make_error("policy.limit", "too many distinct srcPosture lists");
    auto id = static_cast<uint16_t>(out_.posture_sets_.size());
    out_.posture_sets_.push_back(std::move(alternatives));
    posture_set_ids_[names] = id;
    return id;
  }

  Result<std::vector<uint32_t>> keys_of(const std::vector<Selector>& selectors) {
    std::vector<uint32_t> keys;
    for (const auto& s : selectors) {
      auto k = key_of(s);
      if (!k) return k.error();
      if (*k) keys.push_back(**k);
    }
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    return keys;
  }

  void add(std::vector<std::pair<uint64_t, RuleEntry>>& pairs, const std::vector<uint32_t>& src,
           uint32_t dst, const RuleEntry& proto_port) {
    for (uint32_t s : src) {
      out_.used_as_src_[s] = 1;
      out_.used_as_dst_[dst] = 1;
      RuleEntry e = proto_port;
      e.self = dst == kSelfKey;
      pairs.emplace_back(CompiledPolicy::pair_of(s, dst), e);
    }
  }

  Result<Ok> compile_acl(const Acl& acl, uint32_t rule,
                         std::vector<std::pair<uint64_t, RuleEntry>>& pairs) {
    out_.rules_.push_back({RuleRef::Kind::kAcl, rule, acl.at});
    auto src = keys_of(acl.src);
    if (!src) return src.error();
    auto ps = posture_set(acl.src_posture);
    if (!ps) return ps.error();
    std::vector<uint16_t> protos;
    for (uint8_t p : acl.protos) protos.push_back(p);
    if (protos.empty()) protos.push_back(kDefaultProtos);
    for (const auto& d : acl.dst) {
      auto dk = key_of(d.target);
      if (!dk) return dk.error();
      if (!*dk) continue;
      std::vector<PortRange> ports = d.ports;
      if (ports.empty()) ports.push_back({});
      for (uint16_t p : protos)
        for (const auto& r : ports) add(pairs, *src, **dk, RuleEntry{rule, r.first, r.last, p, *ps, false});
    }
    return Ok{};
  }

  Result<Ok> compile_grant(const Grant& g, uint32_t rule,
                           std::vector<std::pair<uint64_t, RuleEntry>>& pairs) {
    out_.rules_.push_back({RuleRef::Kind::kGrant, static_cast<uint32_t>(rule - policy_.acls.size()), g.at});
    // A grant with only `app` capabilities gives no network access.
    if (g.ip.empty()) return Ok{};
    auto src = keys_of(g.src);
    if (!src) return src.error();
    auto dst = keys_of(g.dst);
    if (!dst) return dst.error();
    auto ps = posture_set(g.src_posture);
    if (!ps) return ps.error();
    for (const auto& ip : g.ip) {
      std::vector<uint16_t> protos;
      for (uint8_t p : ip.protos) protos.push_back(p);
      if (protos.empty()) protos.push_back(kAnyProto);
      std::vector<PortRange> ports = ip.ports;
      if (ports.empty()) ports.push_back({});
      for (uint32_t d : *dst)
        for (uint16_t p : protos)
          for (const auto& r : ports) add(pairs, *src, d, RuleEntry{rule, r.first, r.last, p, *ps, false});
    }
    return Ok{};
  }

  Result<Ok> compile_ssh(const SshRule& rule) {
    CompiledSshRule c;
    c.check = rule.action == "check";
    auto src = keys_of(rule.src);
    if (!src) return src.error();
    auto dst = keys_of(rule.dst);
    if (!dst) return dst.error();
    auto ps = posture_set(rule.src_posture);
    if (!ps) return ps.error();
    c.src_keys = std::move(*src);
    c.dst_keys = std::move(*dst);
    c.users = rule.users;
    c.posture_set = *ps;
    c.at = rule.at;
    out_.ssh_.push_back(std::move(c));
    return Ok{};
  }

  // Groups the entries by (src, dst) pair, each group sorted by rule so decide() can stop at
  // the first (lowest-numbered) rule that matches.
  void build_table(std::vector<std::pair<uint64_t, RuleEntry>>& pairs) {
    std::sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) {
      if (a.first != b.first) return a.first < b.first;
      return a.second.rule < b.second.rule;
    });
    std::size_t distinct = 0;
    for (std::size_t i = 0; i < pairs.size(); ++i)
      if (i == 0 || pairs[i].first != pairs[i - 1].first) ++distinct;
    std::size_t size = 16;
    while (size < distinct * 2) size *= 2;
    out_.slots_.assign(size, CompiledPolicy::Slot{});
    out_.mask_ = size - 1;
    std::size_t bloom_bits = 1024;
    while (bloom_bits < distinct * 16) bloom_bits *= 2;
    out_.bloom_.assign(bloom_bits / 64, 0);
    out_.bloom_mask_ = bloom_bits - 1;
    out_.entries_.reserve(pairs.size());
    for (std::size_t i = 0; i < pairs.size();) {
      std::size_t j = i;
      auto offset = static_cast<uint32_t>(out_.entries_.size());
      while (j < pairs.size() && pairs[j].first == pairs[i].first) out_.entries_.push_back(pairs[j++].second);
      uint64_t pair = pairs[i].first;
      const uint64_t bit = CompiledPolicy::bloom_bit(CompiledPolicy::hash_of(pair)) & out_.bloom_mask_;
      out_.bloom_[bit / 64] |= uint64_t{1} << (bit % 64);
      for (uint64_t h = CompiledPolicy::hash_of(pair) & out_.mask_;; h = (h + 1) & out_.mask_) {
        auto& slot = out_.slots_[h];
        if (slot.pair == CompiledPolicy::kEmptyPair) {
          slot = {pair, offset, static_cast<uint32_t>(j - i)};
          break;
        }
      }
      i = j;
    }
  }

  const Policy& policy_;
  CompiledPolicy& out_;
  std::map<std::vector<std::string>, uint16_t> posture_set_ids_;
  std::unordered_map<std::string, uint32_t> ipset_indexes_;
};

bool term_contains(const CompiledPolicy& c, const AddressTerm& t, const util::IpAddress& a, int depth);

bool set_contains(const CompiledPolicy& c, const AddressSet& s, const util::IpAddress& a, int depth) {
  if (depth > kMaxIpSetDepth) return false;
  bool added = false;
  for (const auto& t : s.add)
    if (term_contains(c, t, a, depth)) {
      added = true;
      break;
    }
  if (!added) return false;
  for (const auto& t : s.remove)
    if (term_contains(c, t, a, depth)) return false;
  return true;
}

bool term_contains(const CompiledPolicy& c, const AddressTerm& t, const util::IpAddress& a, int depth) {
  switch (t.kind) {
    case AddressTerm::Kind::kPrefix: return t.prefix.contains(a);
    case AddressTerm::Kind::kInternet: return is_internet_address(a);
    case AddressTerm::Kind::kSet: return set_contains(c, c.address_sets_[t.set], a, depth + 1);
  }
  return false;
}

bool posture_bit(const Principal& p, uint16_t set) {
  if (set == 0) return true;
  std::size_t word = set / 64;
  return word < p.posture_sets.size() && ((p.posture_sets[word] >> (set % 64)) & 1) != 0;
}

bool ssh_user_allowed(const std::vector<std::string>& users, const Principal& src, std::string_view user) {
  for (const auto& u : users) {
    if (u == user) return true;
    if (u == "autogroup:nonroot" && user != "root") return true;
    // "localpart:*@example.com": the local part of the src user's login, when it is in that
    // domain, as the SSH user name.
    constexpr std::string_view kLocalpart = "localpart:*@";
    if (u.size() > kLocalpart.size() && u.compare(0, kLocalpart.size(), kLocalpart) == 0 &&
        !src.user.empty()) {
      auto at = src.user.rfind('@');
      if (at == std::string::npos) continue;
      std::string_view domain(u);
      domain.remove_prefix(kLocalpart.size());
      if (std::string_view(src.user).substr(at + 1) == domain &&
          std::string_view(src.user).substr(0, at) == user)
        return true;
    }
  }
  return false;
}

}  // namespace

bool is_internet_address(const util::IpAddress& a) {
  const auto& b = a.bytes();
  if (a.is_v4()) {
    if (b[0] == 0 || b[0] == 10 || b[0] == 127 || b[0] >= 224) return false;  // this-net, RFC 1918, loopback, multicast, reserved
    if (b[0] == 100 && (b[1] & 0xc0) == 64) return false;                    // 100.64.0.0/10 CGNAT, tailnet
    if (b[0] == 169 && b[1] == 254) return false;                            // link-local
    if (b[0] == 172 && (b[1] & 0xf0) == 16) return false;                    // 172.16.0.0/12
    if (b[0] == 192 && b[1] == 168) return false;                            // 192.168.0.0/16
    return true;
  }
  // IPv6: only global unicast 2000::/3 (so not ULA fc00::/7 with the tailnet's fd7a:115c:a1e0::/48,
  // link-local, multicast, loopback or IPv4-mapped).
  return (b[0] & 0xe0) == 0x20;
}

Result<Evaluator> Evaluator::compile(const Policy& policy) {
  auto impl = std::make_unique<CompiledPolicy>();
  Compiler compiler(policy, *impl);
  auto st = compiler.run();
  if (!st) return st.error();
  return Evaluator(std::move(impl));
}

Evaluator::Evaluator(std::unique_ptr<CompiledPolicy> impl) : impl_(std::move(impl)) {}
Evaluator::Evaluator(Evaluator&&) noexcept = default;
Evaluator& Evaluator::operator=(Evaluator&&) noexcept = default;
Evaluator::~Evaluator() = default;

Principal Evaluator::resolve(const Identity& id) const {
  const CompiledPolicy& c = *impl_;
  Principal p;
  // A Tailscale Service is reached only through rules that name it, not through "*".
  const bool service_only = !id.services.empty() && !id.user && id.tags.empty() && id.addresses.empty();
  if (!service_only) p.keys.push_back(kWildcardKey);
  if (!id.tags.empty()) {
    // A tagged node has no owner for access control, even if a user registered it.
    p.tagged = true;
    p.keys.push_back(kTaggedKey);
    for (const auto& t : id.tags)
      if (auto k = c.key_of(t)) p.keys.push_back(*k);
  } else if (id.user) {
    p.user = *id.user;
    p.owner = owner_hash(*id.user);
    p.keys.push_back(kMemberKey);
    p.keys.push_back(kSelfKey);
    if (auto k = c.key_of(*id.user)) {
      p.user_key = *k;
      p.keys.push_back(*k);
    }
    if (auto k = c.key_of(user_domain_key(*id.user))) p.keys.push_back(*k);
    auto groups = c.user_groups_.find(*id.user);
    if (groups != c.user_groups_.end())
      p.keys.insert(p.keys.end(), groups->second.begin(), groups->second.end());
    for (const auto& role : id.roles)
      if (auto k = c.key_of("autogroup:" + role)) p.keys.push_back(*k);
  }
  for (const auto& g : id.groups)
    if (auto k = c.key_of(g)) p.keys.push_back(*k);
  for (const auto& s : id.services)
    if (auto k = c.key_of(s)) p.keys.push_back(*k);
  for (const auto& a : id.addresses) {
    if (is_internet_address(a)) p.keys.push_back(kInternetKey);
    for (const auto& s : c.address_sets_)
      if (set_contains(c, s, a, 0)) p.keys.push_back(s.key);
  }
  std::sort(p.keys.begin(), p.keys.end());
  p.keys.erase(std::unique(p.keys.begin(), p.keys.end()), p.keys.end());
  for (uint32_t k : p.keys) {
    if (c.used_as_src_[k]) p.src_keys.push_back(k);
    if (c.used_as_dst_[k]) p.dst_keys.push_back(k);
  }
  p.addresses = id.addresses;
  p.posture_attrs = id.posture_attrs;
  p.posture_sets.assign((c.posture_sets_.size() + 63) / 64, 0);
  for (std::size_t i = 0; i < c.posture_sets_.size(); ++i) {
    bool ok = c.posture_sets_[i].empty();
    for (const auto& alt : c.posture_sets_[i])
      if (posture_holds(alt, id.posture_attrs)) {
        ok = true;
        break;
      }
    if (ok) p.posture_sets[i / 64] |= uint64_t{1} << (i % 64);
  }
  return p;
}

Decision Evaluator::decide(const Principal& src, const Principal& dst, uint8_t proto,
                           uint16_t port) const {
  const CompiledPolicy& c = *impl_;
  const bool check_port = protocol_has_ports(proto);
  const bool default_proto = in_default_protos(proto);
  const bool same_owner = src.owner != 0 && src.owner == dst.owner && !src.tagged && !dst.tagged;
  uint32_t best = std::numeric_limits<uint32_t>::max();
  for (uint32_t s : src.src_keys) {
    for (uint32_t d : dst.dst_keys) {
      const CompiledPolicy::Slot* slot = c.find(CompiledPolicy::pair_of(s, d));
      if (!slot) continue;
      const RuleEntry* e = c.entries_.data() + slot->offset;
      const RuleEntry* end = e + slot->count;
      for (; e != end && e->rule < best; ++e) {
        if (e->proto != proto && e->proto != kAnyProto && !(e->proto == kDefaultProtos && default_proto))
          continue;
        if (check_port && (port < e->port_first || port > e->port_last)) continue;
        if (e->self && !same_owner) continue;
        if (!posture_bit(src, e->posture_set)) continue;
        best = e->rule;
        break;
      }
    }
  }
  Decision out;
  if (best != std::numeric_limits<uint32_t>::max()) {
    out.accept = true;
    out.rule = c.rules_[best];
  }
  return out;
}

const CompiledPolicy& Evaluator::compiled() const { return *impl_; }

Decision Evaluator::decide(const Identity& src, const Identity& dst, uint8_t proto,
                           uint16_t port) const {
  return decide(resolve(src), resolve(dst), proto, port);
}

SshDecision Evaluator::decide_ssh(const Principal& src, const Principal& dst,
                                  std::string_view user) const {
  const CompiledPolicy& c = *impl_;
  const bool same_owner = src.owner != 0 && src.owner == dst.owner && !src.tagged && !dst.tagged;
  // Check rules come first, then accept rules, each in file order: Tailscale's control server
  // emits the SSH policy in that order and the node takes the first rule that matches.
  for (std::size_t n = 0; n < 2 * c.ssh_.size(); ++n) {
    const std::size_t i = n % c.ssh_.size();
    const CompiledSshRule& r = c.ssh_[i];
    if (r.check != (n < c.ssh_.size())) continue;
    bool src_ok = false;
    for (uint32_t k : r.src_keys)
      if (contains_sorted(src.keys, k)) {
        src_ok = true;
        break;
      }
    if (!src_ok) continue;
    bool dst_ok = false;
    for (uint32_t k : r.dst_keys)
      if (contains_sorted(dst.keys, k) && (k != kSelfKey || same_owner)) {
        dst_ok = true;
        break;
      }
    if (!dst_ok || !posture_bit(src, r.posture_set)) continue;
    if (!ssh_user_allowed(r.users, src, user)) continue;
    SshDecision out;
    out.action = r.check ? SshAction::kCheck : SshAction::kAccept;
    out.rule = static_cast<uint32_t>(i);
    out.at = r.at;
    return out;
  }
  return SshDecision{};
}

}  // namespace weft::policy
