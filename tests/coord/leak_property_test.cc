// The leak property test (issue 8): random policies and device sets from a seeded generator, a
// random sequence of joins, leaves, tag changes, expiries, removals and policy changes; after
// every step every device's peers, and a model built only from the deltas, equal the policy
// evaluator's brute-force answer, and every inbound filter admits exactly what the evaluator does.
#define BOOST_TEST_MODULE coord_leak_property
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdint>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "coord/visibility.h"
#include "coord/visibility_index.h"
#include "core/random.h"
#include "policy/pipeline.h"
#include "policy/protocol.h"

using namespace weft;
using namespace weft::coord;

namespace {

constexpr int kUsers = 6;
constexpr int kGroups = 3;
constexpr int kTags = 4;
constexpr int kSteps = 150;  // per seed (300 took 160 s of the suite under ASan; see docs)
constexpr int kHosts = 40;        // addresses 100.64.0.1..40, reused after a removal
constexpr std::size_t kMaxLive = 24;

// Every protocol and port the generator writes, and their neighbours.
const std::vector<uint8_t> kProtos = {1, 6, 17, 47, 50, 58, 132};
const std::vector<uint16_t> kPorts = {0,    1,    21,   22,   23,   52,   53,   54,   79,   80,   81,
                                      442,  443,  444,  999,  1000, 1500, 2000, 2001, 7999, 8000, 8050,
                                      8100, 8101, 65535};

struct Probe {
  uint8_t proto;
  uint16_t port;
};

std::vector<Probe> probes() {
  std::vector<Probe> out;
  for (uint8_t p : kProtos) {
    if (!policy::protocol_has_ports(p)) {
      out.push_back({p, 0});
      continue;
    }
    for (uint16_t port : kPorts) out.push_back({p, port});
  }
  return out;
}

class Gen {
 public:
  explicit Gen(uint64_t seed) : rng_(seed) {}

  uint64_t below(uint64_t n) { return rng_.next() % n; }
  bool chance(int percent) { return below(100) < static_cast<uint64_t>(percent); }
  template <class T>
  const T& pick(const std::vector<T>& v) { return v[below(v.size())]; }

  static std::string user(int i) { return "u" + std::to_string(i) + "@example.com"; }
  static std::string tag(int i) { return "tag:t" + std::to_string(i); }

  // A policy as parts, so that a policy change can be a small edit (one rule, one group member,
  // one host) as well as a new policy: small edits are what set_policy's incremental path sees.
  struct PolicyParts {
    std::vector<std::vector<int>> groups;  // members by user number
    std::vector<bool> tag_defined;
    std::vector<bool> tag_owned;  // by group:g0
    bool hosts = false;
    int hosta = 1;
    bool ipset = false;
    int ipset_cut = 0;
    bool default_posture = false;
    std::vector<std::string> acls;
    std::vector<std::string> grants;
  };

  PolicyParts fresh_policy() {
    PolicyParts p;
    p.groups.resize(kGroups);
    for (auto& g : p.groups)
      for (int u = 0; u < kUsers; ++u)
        if (chance(35)) g.push_back(u);
    for (int t = 0; t < kTags; ++t) {
      p.tag_defined.push_back(chance(85));
      p.tag_owned.push_back(chance(50));
    }
    p.hosts = chance(60);
    p.hosta = 1 + static_cast<int>(below(24));
    p.ipset = chance(50);
    p.ipset_cut = static_cast<int>(below(32));
    p.default_posture = chance(10);
    for (uint64_t i = below(5); i > 0; --i) p.acls.push_back(acl(p));
    for (uint64_t i = below(5); i > 0; --i) p.grants.push_back(grant(p));
    return p;
  }

  // One small edit; every selector a rule names stays defined.
  void edit(PolicyParts& p) {
    const uint64_t what = below(14);
    if (what < 6) {  // replace, add or drop one ACL (0-2) or one grant (3-5)
      auto& rules = what < 3 ? p.acls : p.grants;
      const std::string fresh = what < 3 ? acl(p) : grant(p);
      if (what % 3 == 1) {
        rules.push_back(fresh);
      } else if (!rules.empty()) {
        const std::size_t i = below(rules.size());
        if (what % 3 == 0) rules[i] = fresh;
        else rules.erase(rules.begin() + static_cast<long>(i));
      }
      return;
    }
    switch (what) {
      case 6:
      case 10:
      case 11:
      case 12: {  // often: it changes who matches a selector, not what a rule says
        auto& g = p.groups[below(kGroups)];
        const int u = static_cast<int>(below(kUsers));
        auto it = std::find(g.begin(), g.end(), u);
        if (it == g.end()) g.push_back(u);
        else g.erase(it);
        break;
      }
      case 7:
        p.hosta = 1 + static_cast<int>(below(24));
        p.ipset_cut = static_cast<int>(below(32));
        break;
      case 8: {
        const std::size_t t = below(kTags);
        bool used = false;
        for (const auto* rules : {&p.acls, &p.grants})
          for (const auto& r : *rules) used = used || r.find(tag(static_cast<int>(t))) != std::string::npos;
        if (!used) p.tag_defined[t] = !p.tag_defined[t];
        p.tag_owned[t] = !p.tag_owned[t];
        break;
      }
      default: p.default_posture = !p.default_posture; break;
    }
  }

  static std::string text(const PolicyParts& p) {
    std::string out = "{\n\"groups\": {";
    for (int g = 0; g < kGroups; ++g) {
      out += "\"group:g" + std::to_string(g) + "\": [";
      for (int u : p.groups[static_cast<std::size_t>(g)]) out += "\"" + user(u) + "\",";
      out += "],";
    }
    out += "},\n\"tagOwners\": {";
    for (int t = 0; t < kTags; ++t)
      if (p.tag_defined[static_cast<std::size_t>(t)])
        out += "\"" + tag(t) + "\": [" + (p.tag_owned[static_cast<std::size_t>(t)] ? "\"group:g0\"" : "") + "],";
    out += "},\n";
    if (p.hosts)
      out += "\"hosts\": {\"hosta\": \"100.64.0." + std::to_string(p.hosta) +
             "\", \"hostb\": \"100.64.0.16/28\", \"hostc\": \"10.1.0.0/16\"},\n";
    if (p.ipset)
      out += "\"ipsets\": {\"ipset:s0\": [\"100.64.0.0/27\", \"remove 100.64.0." + std::to_string(p.ipset_cut) +
             "\", \"remove 100.64.0.8/30\", \"192.0.2.0/24\"" + (p.hosts ? ", \"host:hostc\"" : "") + "]},\n";
    out += "\"postures\": {\"posture:linux\": [\"node:os == 'linux'\"], \"posture:lvl\": [\"custom:level >= 2\"]},\n";
    if (p.default_posture) out += "\"defaultSrcPosture\": [\"posture:lvl\"],\n";
    out += "\"acls\": [\n";
    for (const auto& r : p.acls) out += r + ",\n";
    out += "],\n\"grants\": [\n";
    for (const auto& r : p.grants) out += r + ",\n";
    out += "],\n}\n";
    return out;
  }

  // Selectors: people (who may reach autogroup:self) and the rest.
  std::vector<std::string> people() const {
    std::vector<std::string> out = {"autogroup:member", "autogroup:admin"};
    for (int u = 0; u < kUsers; ++u) out.push_back(user(u));
    for (int g = 0; g < kGroups; ++g) out.push_back("group:g" + std::to_string(g));
    return out;
  }

  std::vector<std::string> things(const PolicyParts& p) {
    std::vector<std::string> out = {"autogroup:tagged", "100.64.0.0/28", "100.64.0." + std::to_string(1 + below(30)),
                                    "fd7a:115c:a1e0::/120", "10.0.0.0/8"};
    for (int t = 0; t < kTags; ++t)
      if (p.tag_defined[static_cast<std::size_t>(t)]) out.push_back(tag(t));
    if (p.hosts) out.insert(out.end(), {"hosta", "hostb", "hostc"});
    if (p.ipset) out.push_back("ipset:s0");
    return out;
  }

  std::vector<std::string> selectors(const PolicyParts& p, bool& only_people, bool star_is_person) {
    std::vector<std::string> s;
    for (uint64_t n = 1 + below(3); n > 0; --n) {
      const uint64_t r = below(10);
      if (r < 5) {
        s.push_back(pick(people()));
      } else if (r < 9) {
        s.push_back(pick(things(p)));
        only_people = false;
      } else {
        s.push_back("*");
        if (!star_is_person) only_people = false;
      }
    }
    return s;
  }

  std::string posture() {
    if (!chance(20)) return "";
    return std::string(", \"srcPosture\": [\"") + (chance(50) ? "posture:linux" : "posture:lvl") + "\"]";
  }

  static std::string list(const std::vector<std::string>& v) {
    std::string out = "[";
    for (const auto& x : v) out += "\"" + x + "\",";
    return out + "]";
  }

  std::string acl(const PolicyParts& p) {
    bool only_people = true;
    auto src = selectors(p, only_people, true);
    const std::vector<std::string> protos = {"", "", "", "tcp", "udp", "icmp", "sctp", "gre"};
    const std::string proto = pick(protos);
    const bool portless = proto == "icmp" || proto == "gre";
    std::vector<std::string> dst;
    for (uint64_t n = 1 + below(2); n > 0; --n) {
      std::string target;
      const uint64_t r = below(12);
      if (r == 0 && only_people) target = "autogroup:self";
      else if (r == 1) target = "autogroup:internet";
      else if (r < 4) target = "*";
      else if (r < 7) target = pick(people());
      else target = pick(things(p));
      const std::vector<std::string> ports = {"*", "22", "80,443", "1000-2000", "8000-8100", "53"};
      dst.push_back(target + ":" + (portless ? "*" : pick(ports)));
    }
    return "{\"action\": \"accept\", \"src\": " + list(src) + ", \"dst\": " + list(dst) +
           (proto.empty() ? "" : ", \"proto\": \"" + proto + "\"") + posture() + "}";
  }

  std::string grant(const PolicyParts& p) {
    bool only_people = true;
    auto src = selectors(p, only_people, false);
    std::vector<std::string> dst;
    for (uint64_t n = 1 + below(2); n > 0; --n) {
      const uint64_t r = below(12);
      if (r == 0 && only_people) dst.push_back("autogroup:self");
      else if (r < 3) dst.push_back("*");
      else if (r < 7) dst.push_back(pick(people()));
      else dst.push_back(pick(things(p)));
    }
    const std::vector<std::string> ips = {"*", "tcp:22", "udp:53", "icmp:*", "443", "tcp:8000-8100", "80,443",
                                          "sctp:1000-2000", "gre:*"};
    std::vector<std::string> ip = {pick(ips)};
    if (chance(30)) ip.push_back(pick(ips));
    return "{\"src\": " + list(src) + ", \"dst\": " + list(dst) + ", \"ip\": " + list(ip) + posture() + "}";
  }

  // A device on host address `host` (1..kHosts; the policies' address selectors cover them).
  NodeIdentity identity(int host, const std::vector<std::vector<std::string>>& roles) {
    NodeIdentity n;
    const int u = static_cast<int>(below(kUsers));
    n.user = user(u);
    n.roles = roles[static_cast<std::size_t>(u)];
    retag(n);
    n.addresses = {*util::IpAddress::parse("100.64.0." + std::to_string(host)),
                   *util::IpAddress::parse("fd7a:115c:a1e0::" + std::to_string(host))};
    const std::vector<std::string> os = {"linux", "macos", "windows"};
    n.posture_attrs["node:os"] = pick(os);
    if (chance(70)) n.posture_attrs["custom:level"] = std::to_string(below(4));
    return n;
  }

  void retag(NodeIdentity& n) {
    n.tags.clear();
    if (chance(35)) {
      n.tags.push_back(tag(static_cast<int>(below(kTags))));
      if (chance(30)) n.tags.push_back(tag(static_cast<int>(below(kTags))));
      std::sort(n.tags.begin(), n.tags.end());
      n.tags.erase(std::unique(n.tags.begin(), n.tags.end()), n.tags.end());
    }
  }

 private:
  core::SeededRandom rng_;
};

bool admits(const std::vector<control::FilterRule>& filter, const util::IpAddress& a, const Probe& p) {
  for (const auto& r : filter) {
    if (r.protocol != 256 && r.protocol != p.proto) continue;
    if (policy::protocol_has_ports(p.proto) && (p.port < r.port_first || p.port > r.port_last)) continue;
    for (const auto& s : r.sources)
      if (s.contains(a)) return true;
  }
  return false;
}

bool same_filter(const std::vector<control::FilterRule>& a, const std::vector<control::FilterRule>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
    return x.protocol == y.protocol && x.port_first == y.port_first && x.port_last == y.port_last &&
           x.sources == y.sources && x.destinations == y.destinations;
  });
}

struct Counts {
  uint64_t steps = 0;
  uint64_t policies = 0;
  uint64_t peer_pairs = 0;      // ordered pairs compared (view and delta model)
  uint64_t peered = 0;          // of which the brute force makes peers
  uint64_t filter_checks = 0;   // (pair, probe, address) admissions compared
  uint64_t leaked = 0;          // a peer the brute force does not allow (view or model)
  uint64_t missing = 0;         // an allowed peer absent (view or model)
  uint64_t filter_wrong = 0;
  uint64_t unflagged_filter_changes = 0;
  uint64_t contribution_wrong = 0;  // a filter that is not prefix_rules and the contributions
  uint64_t recomputed = 0;
  uint64_t delta_entries = 0;
};

using Triple = std::tuple<util::IpPrefix, uint16_t, uint16_t, uint16_t>;

std::set<Triple> triples(const std::vector<control::FilterRule>& rules) {
  std::set<Triple> out;
  for (const auto& r : rules)
    for (const auto& s : r.sources) out.emplace(s, r.protocol, r.port_first, r.port_last);
  return out;
}

// The world the generator drives: the view under test, the identities it was given, and a
// client-side model of every device's peers built only from the deltas.
struct World {
  std::unique_ptr<Visibility> view;
  std::string policy_text;
  std::map<uint64_t, NodeIdentity> live;
  std::map<uint64_t, NodeIdentity> expired;
  std::map<uint64_t, std::set<uint64_t>> model;
  std::map<uint64_t, std::vector<control::FilterRule>> filters;  // as of the last step
  std::set<uint64_t> flagged;
  Counts* counts = nullptr;

  void apply(const VisibilityChange& change) {
    counts->recomputed += change.recomputed;
    counts->delta_entries += change.nodes.size();
    for (const auto& d : change.nodes) {
      BOOST_TEST_REQUIRE(live.count(d.node.value) == 1u);
      auto& peers = model[d.node.value];
      for (DeviceId p : d.peers_added) BOOST_TEST(peers.insert(p.value).second);
      for (DeviceId p : d.peers_removed) BOOST_TEST(peers.erase(p.value) == 1u);
      if (d.filter_changed) flagged.insert(d.node.value);
    }
  }

  void upsert(uint64_t id, const NodeIdentity& n) {
    const bool fresh = live.count(id) == 0;
    live[id] = n;
    if (fresh) model[id];
    apply(view->upsert(DeviceId{id}, n));
    if (fresh) BOOST_TEST(flagged.count(id) == 1u);
  }

  void remove(uint64_t id) {
    auto change = view->remove(DeviceId{id});
    live.erase(id);
    model.erase(id);
    filters.erase(id);
    apply(change);
  }

  // Every device against the brute force of a separately compiled evaluator.
  void check(const std::vector<Probe>& all) {
    auto checked = policy::check_policy(policy_text, policy::RunTests::kNo);
    BOOST_TEST_REQUIRE(checked.evaluator.has_value());
    const policy::Evaluator& ev = *checked.evaluator;
    std::vector<uint64_t> ids;
    std::vector<policy::Principal> principals;
    for (const auto& [id, n] : live) {
      ids.push_back(id);
      principals.push_back(ev.resolve(detail::policy_identity(n)));
    }
    const std::size_t n = ids.size();
    // accept[a * n + b][probe]: a may send b that probe.
    std::vector<std::vector<uint8_t>> accept(n * n, std::vector<uint8_t>(all.size(), 0));
    std::vector<uint8_t> any(n * n, 0);
    for (std::size_t a = 0; a < n; ++a)
      for (std::size_t b = 0; b < n; ++b) {
        if (a == b) continue;
        for (std::size_t p = 0; p < all.size(); ++p)
          if (ev.decide(principals[a], principals[b], all[p].proto, all[p].port).accept) {
            accept[a * n + b][p] = 1;
            any[a * n + b] = 1;
          }
      }
    BOOST_TEST(view->size() == n);
    BOOST_TEST(model.size() == n);
    for (std::size_t a = 0; a < n; ++a) {
      const auto& got = view->peers_of(DeviceId{ids[a]});
      std::set<uint64_t> got_set;
      for (DeviceId d : got) got_set.insert(d.value);
      BOOST_TEST(std::is_sorted(got.begin(), got.end()));
      BOOST_TEST(got_set.size() == got.size());
      const std::set<uint64_t>& modelled = model[ids[a]];
      const std::set<uint64_t>& view_set = got_set;
      for (std::size_t b = 0; b < n; ++b) {
        if (a == b) continue;
        ++counts->peer_pairs;
        const bool want = any[a * n + b] || any[b * n + a];
        if (want) ++counts->peered;
        for (const std::set<uint64_t>* s : {&view_set, &modelled}) {
          const bool has = s->count(ids[b]) != 0;
          if (has && !want) ++counts->leaked;
          if (!has && want) ++counts->missing;
        }
      }
      // Neither may name a device outside the view (or itself).
      for (const std::set<uint64_t>* s : {&view_set, &modelled})
        for (uint64_t p : *s)
          if (p == ids[a] || live.count(p) == 0) ++counts->leaked;
    }
    for (std::size_t b = 0; b < n; ++b) {
      auto filter = view->inbound_filter(DeviceId{ids[b]});
      std::vector<util::IpPrefix> self;
      for (const auto& addr : live[ids[b]].addresses) self.emplace_back(addr, addr.bit_length());
      std::sort(self.begin(), self.end());
      for (const auto& r : filter) BOOST_TEST((r.destinations == self));
      for (std::size_t a = 0; a < n; ++a) {
        if (a == b) continue;
        for (std::size_t p = 0; p < all.size(); ++p)
          for (const auto& addr : live[ids[a]].addresses) {
            ++counts->filter_checks;
            if (admits(filter, addr, all[p]) != (accept[a * n + b][p] != 0)) ++counts->filter_wrong;
          }
      }
      // The filter, rebuilt as a join-and-leave delta stream sees it: the policy's prefix rules
      // and every other device's contribution, as (source, protocol, ports) triples.
      std::set<Triple> whole = triples(filter);
      std::set<Triple> parts = triples(view->prefix_rules(DeviceId{ids[b]}));
      for (std::size_t a = 0; a < n; ++a)
        for (const Triple& t : triples(view->contribution(DeviceId{ids[a]}, DeviceId{ids[b]}))) parts.insert(t);
      if (parts != whole) ++counts->contribution_wrong;
      auto prev = filters.find(ids[b]);
      if (prev != filters.end() && flagged.count(ids[b]) == 0 && !same_filter(prev->second, filter))
        ++counts->unflagged_filter_changes;
      filters[ids[b]] = std::move(filter);
    }
    flagged.clear();
  }
};

void run(uint64_t seed, Counts& counts) {
  Gen gen(seed);
  const auto all = probes();
  std::vector<std::vector<std::string>> roles(kUsers);
  for (auto& r : roles)
    if (gen.chance(30)) r.push_back("admin");
  World w;
  w.counts = &counts;
  Gen::PolicyParts parts = gen.fresh_policy();
  w.policy_text = Gen::text(parts);
  auto view = Visibility::create(w.policy_text);
  BOOST_TEST_REQUIRE(view.ok(), (view.ok() ? "" : view.error().detail + "\n" + w.policy_text));
  w.view = std::move(*view);
  ++counts.policies;
  uint64_t next_id = 1;
  // A new device takes a free address; an expired one keeps its own.
  auto join = [&] {
    std::vector<int> free;
    for (int h = 1; h <= kHosts; ++h) {
      const std::string a = "100.64.0." + std::to_string(h);
      bool used = false;
      for (const auto* m : {&w.live, &w.expired})
        for (const auto& [id, n] : *m) used = used || n.addresses[0].to_string() == a;
      if (!used) free.push_back(h);
    }
    if (free.empty()) return;
    w.upsert(next_id, gen.identity(gen.pick(free), roles));
    ++next_id;
  };
  for (int i = 0; i < 8; ++i) join();
  w.check(all);

  for (int step = 0; step < kSteps; ++step) {
    const uint64_t r = gen.below(100);
    std::vector<uint64_t> ids;
    for (const auto& [id, n] : w.live) ids.push_back(id);
    if (r < 25 || ids.size() < 3) {  // join
      if (ids.size() < kMaxLive) join();
    } else if (r < 35) {  // leave: an ephemeral node goes, or the operator removes a device
      w.remove(gen.pick(ids));
    } else if (r < 45) {  // expiry: out of the view until it re-registers
      const uint64_t id = gen.pick(ids);
      w.expired[id] = w.live[id];
      w.remove(id);
    } else if (r < 52) {  // an expired device re-registers, keeping its addresses
      if (!w.expired.empty()) {
        auto it = w.expired.begin();
        std::advance(it, static_cast<long>(gen.below(w.expired.size())));
        NodeIdentity n = it->second;
        if (gen.chance(50)) gen.retag(n);
        const uint64_t id = it->first;
        w.expired.erase(it);
        w.upsert(id, n);
      }
    } else if (r < 70) {  // tag change
      const uint64_t id = gen.pick(ids);
      NodeIdentity n = w.live[id];
      gen.retag(n);
      w.upsert(id, n);
    } else if (r < 76) {  // posture report
      const uint64_t id = gen.pick(ids);
      NodeIdentity n = w.live[id];
      n.posture_attrs["node:os"] = gen.chance(50) ? "linux" : "macos";
      if (gen.chance(50)) n.posture_attrs["custom:level"] = std::to_string(gen.below(4));
      w.upsert(id, n);
    } else if (r < 82) {  // a user's role changes: all its devices are updated
      const int u = static_cast<int>(gen.below(kUsers));
      auto& role = roles[static_cast<std::size_t>(u)];
      if (role.empty()) role.push_back("admin");
      else role.clear();
      for (uint64_t id : ids) {
        NodeIdentity n = w.live[id];
        if (n.user != Gen::user(u)) continue;
        n.roles = role;
        w.upsert(id, n);
      }
    } else if (r < 84) {  // the same policy again: nothing to do
      auto change = w.view->set_policy(w.policy_text);
      BOOST_TEST_REQUIRE(change.ok());
      BOOST_TEST(change->empty());
      BOOST_TEST(change->recomputed == 0u);
    } else {  // policy change: mostly a small edit, sometimes a new policy
      if (gen.chance(20)) parts = gen.fresh_policy();
      else gen.edit(parts);
      std::string text = Gen::text(parts);
      auto change = w.view->set_policy(text);
      BOOST_TEST_REQUIRE(change.ok(), (change.ok() ? "" : change.error().detail + "\n" + text));
      w.policy_text = text;
      ++counts.policies;
      w.apply(*change);
    }
    ++counts.steps;
    w.check(all);
    if (counts.leaked + counts.missing + counts.filter_wrong + counts.unflagged_filter_changes +
            counts.contribution_wrong !=
        0) {
      BOOST_TEST_MESSAGE("first failure at seed " << seed << " step " << step << "\n" << w.policy_text);
      break;
    }
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(leak_property)

BOOST_AUTO_TEST_CASE(peers_deltas_and_filters_equal_the_brute_force_after_every_step) {
  Counts counts;
  for (uint64_t seed : {1u, 2u, 3u, 4u, 5u}) run(seed, counts);
  std::cout << "leak property: " << counts.steps << " steps, " << counts.policies << " policies, "
            << counts.peer_pairs << " ordered pairs checked (view and delta model; " << counts.peered
            << " of them peers), " << counts.filter_checks
            << " filter admissions checked, " << counts.delta_entries << " delta entries, " << counts.recomputed
            << " devices recomputed; leaked " << counts.leaked << ", missing " << counts.missing
            << ", wrong filter admissions " << counts.filter_wrong << ", unflagged filter changes "
            << counts.unflagged_filter_changes << ", filters unlike their contributions "
            << counts.contribution_wrong << "\n";
  BOOST_TEST(counts.leaked == 0u);
  BOOST_TEST(counts.missing == 0u);
  BOOST_TEST(counts.filter_wrong == 0u);
  BOOST_TEST(counts.unflagged_filter_changes == 0u);
  BOOST_TEST(counts.contribution_wrong == 0u);
  BOOST_TEST(counts.steps == 5u * kSteps);
}

BOOST_AUTO_TEST_SUITE_END()
