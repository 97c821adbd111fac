// Generates a large synthetic tailnet policy (users in groups, tags, hosts, ACLs and grants)
// with `tests` whose verdicts come from a naive reference evaluation of the generated rules.
// Header-only: each bench/*_bench.cc is built as one translation unit.
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace weft::bench {

struct GenOptions {
  int users = 2000;
  int groups = 200;
  int tags = 500;
  int hosts = 100;
  int rules = 10000;  // acls + grants
  int tests = 1000;
  uint64_t seed = 42;
};

struct GenPortSpec {
  uint8_t proto = 0;  // 0 = ACL default set (tcp, udp, icmp) / grant "*" when all_protos
  bool all_protos = false;
  uint16_t first = 0;
  uint16_t last = 65535;
};

// A selector in parsed form, for the reference evaluation: 'u' user, 'g' group, 't' tag,
// 'h' host alias, 'm' autogroup:member.
struct GenSelector {
  char kind = 'u';
  int index = 0;
};

struct GenRule {
  bool grant = false;
  std::vector<std::string> src;
  std::vector<std::string> dst;      // selectors
  std::vector<GenSelector> src_ids;  // the same, parsed
  std::vector<GenSelector> dst_ids;
  std::vector<GenPortSpec> ports;    // ACL: applied to every dst; grant: the `ip` list
};

struct GenTest {
  std::string src;
  std::string proto;  // "" = tcp
  std::vector<std::string> accept;
  std::vector<std::string> deny;
};

struct GeneratedPolicy {
  std::vector<std::string> users;
  std::vector<std::vector<int>> group_members;  // group i -> user indexes
  std::vector<std::vector<int>> user_groups;    // user i -> group indexes
  int tags = 0;
  int hosts = 0;
  std::vector<GenRule> rules;
  std::vector<GenTest> tests;
  std::string text;  // the HuJSON policy file
};

inline std::string gen_user(int i) { return "user" + std::to_string(i) + "@example.com"; }
inline std::string gen_group(int i) { return "group:g" + std::to_string(i); }
inline std::string gen_tag(int i) { return "tag:t" + std::to_string(i); }
inline std::string gen_host(int i) { return "host" + std::to_string(i); }
// Host alias i is the single address 10.a.b.c (the bench gives users and tags other ranges).
inline std::string gen_host_ip(int i) {
  return "10." + std::to_string(1 + i / 65536) + "." + std::to_string((i / 256) % 256) + "." + std::to_string(i % 256);
}

namespace detail {

// What a test endpoint is, for the reference evaluation.
struct Endpoint {
  enum Kind { kUser, kTag, kHost } kind = kUser;
  int index = 0;
};

inline GenSelector parse_selector(const std::string& s) {
  if (s == "autogroup:member") return {'m', 0};
  if (s.rfind("group:g", 0) == 0) return {'g', std::stoi(s.substr(7))};
  if (s.rfind("tag:t", 0) == 0) return {'t', std::stoi(s.substr(5))};
  if (s.rfind("host", 0) == 0) return {'h', std::stoi(s.substr(4))};
  return {'u', std::stoi(s.substr(4))};
}

inline bool selector_matches(const GeneratedPolicy& g, const GenSelector& s, const Endpoint& e) {
  switch (e.kind) {
    case Endpoint::kUser:
      if (s.kind == 'm') return true;
      if (s.kind == 'u') return s.index == e.index;
      if (s.kind == 'g') {
        for (int gi : g.user_groups[static_cast<std::size_t>(e.index)])
          if (s.index == gi) return true;
      }
      return false;
    case Endpoint::kTag:
      return s.kind == 't' && s.index == e.index;
    case Endpoint::kHost:
      return s.kind == 'h' && s.index == e.index;
  }
  return false;
}

inline bool port_matches(const GenPortSpec& p, bool grant, uint8_t proto, uint16_t port) {
  if (grant && p.all_protos) return true;
  if (p.proto != 0) {
    if (p.proto != proto) return false;
  } else if (!grant && proto != 6 && proto != 17 && proto != 1 && proto != 58) {
    return false;  // an ACL without proto: TCP, UDP, ICMP, ICMPv6
  }
  bool has_ports = proto == 6 || proto == 17 || proto == 132;
  return !has_ports || (port >= p.first && port <= p.last);
}

inline bool reference_accepts(const GeneratedPolicy& g, const Endpoint& src, const Endpoint& dst, uint8_t proto,
                              uint16_t port) {
  for (const auto& r : g.rules) {
    bool s = false;
    for (const auto& sel : r.src_ids) s = s || selector_matches(g, sel, src);
    if (!s) continue;
    bool d = false;
    for (const auto& sel : r.dst_ids) d = d || selector_matches(g, sel, dst);
    if (!d) continue;
    for (const auto& p : r.ports)
      if (port_matches(p, r.grant, proto, port)) return true;
  }
  return false;
}

inline std::string endpoint_text(const Endpoint& e) {
  switch (e.kind) {
    case Endpoint::kUser: return gen_user(e.index);
    case Endpoint::kTag: return gen_tag(e.index);
    case Endpoint::kHost: return gen_host(e.index);
  }
  return {};
}

inline std::string quote(const std::string& s) { return "\"" + s + "\""; }

inline std::string ports_text(const GenPortSpec& p) {
  if (p.first == 0 && p.last == 65535) return "*";
  if (p.first == p.last) return std::to_string(p.first);
  return std::to_string(p.first) + "-" + std::to_string(p.last);
}

}  // namespace detail

inline GeneratedPolicy generate_policy(const GenOptions& o) {
  using detail::Endpoint;
  GeneratedPolicy g;
  std::mt19937_64 rng(o.seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
  auto chance = [&](int percent) { return pick(100) < percent; };
  static constexpr uint16_t kPopular[] = {22, 53, 80, 443, 3306, 5432, 6379, 8080, 8443, 9090};
  auto popular = [&] { return kPopular[pick(10)]; };

  g.tags = o.tags;
  g.hosts = o.hosts;
  g.group_members.resize(static_cast<std::size_t>(o.groups));
  g.user_groups.resize(static_cast<std::size_t>(o.users));
  for (int u = 0; u < o.users; ++u) {
    g.users.push_back(gen_user(u));
    int n = 1 + pick(3);
    std::set<int> mine;
    while (static_cast<int>(mine.size()) < n) mine.insert(pick(o.groups));
    for (int gi : mine) {
      g.group_members[static_cast<std::size_t>(gi)].push_back(u);
      g.user_groups[static_cast<std::size_t>(u)].push_back(gi);
    }
  }

  auto src_selector = [&]() -> std::string {
    int r = pick(100);
    if (r < 70) return gen_group(pick(o.groups));
    if (r < 90) return gen_user(pick(o.users));
    return gen_tag(pick(o.tags));
  };
  auto dst_selector = [&]() -> std::string {
    int r = pick(100);
    if (r < 70) return gen_tag(pick(o.tags));
    if (r < 80) return gen_group(pick(o.groups));
    if (r < 85) return gen_user(pick(o.users));
    return gen_host(pick(o.hosts));
  };
  auto port_spec = [&]() {
    GenPortSpec p;
    int r = pick(100);
    if (r < 55) {
      p.first = p.last = popular();
    } else if (r < 80) {
      p.first = static_cast<uint16_t>(1024 + pick(50000));
      p.last = static_cast<uint16_t>(p.first + pick(100));
    } else if (r < 95) {
      p.first = p.last = static_cast<uint16_t>(1 + pick(65535));
    } else {
      p.first = 0;
      p.last = 65535;
    }
    return p;
  };

  for (int i = 0; i < o.rules; ++i) {
    GenRule r;
    r.grant = i % 2 == 1;
    // A handful of broad rules, as real policies have: every member may reach one port.
    if (i % 2000 == 0) {
      r.src = {"autogroup:member"};
      r.dst = {gen_tag(pick(o.tags))};
      r.ports.push_back(GenPortSpec{0, false, 443, 443});
    } else {
      for (int n = 1 + pick(3); n > 0; --n) r.src.push_back(src_selector());
      for (int n = 1 + pick(3); n > 0; --n) r.dst.push_back(dst_selector());
      for (int n = 1 + (chance(30) ? 1 + pick(2) : 0); n > 0; --n) {
        GenPortSpec p = port_spec();
        if (r.grant) {
          int k = pick(100);
          if (k < 10) p = GenPortSpec{0, true, 0, 65535};
          else if (k < 70) p.proto = 6;
          else if (k < 90) p.proto = 17;
        }
        r.ports.push_back(p);
      }
      // "*" cannot be combined with other ports in one list.
      for (const auto& p : r.ports)
        if (p.first == 0 && p.last == 65535 && !p.all_protos) {
          GenPortSpec all = p;
          r.ports = {all};
          break;
        }
      if (!r.grant && chance(20)) {
        // An ACL `proto` applies to all of its ports.
        uint8_t proto = chance(50) ? 6 : 17;
        for (auto& p : r.ports) p.proto = proto;
      }
    }
    for (const auto& x : r.src) r.src_ids.push_back(detail::parse_selector(x));
    for (const auto& x : r.dst) r.dst_ids.push_back(detail::parse_selector(x));
    g.rules.push_back(std::move(r));
  }

  // Tests: accepts drawn from a rule (so they hold), denies drawn at random and kept only when
  // the reference evaluation of all rules denies them.
  auto endpoint_for = [&](const std::string& sel, bool is_src) -> Endpoint {
    if (sel.rfind("group:g", 0) == 0) {
      const auto& m = g.group_members[static_cast<std::size_t>(std::stoi(sel.substr(7)))];
      if (!m.empty()) return {Endpoint::kUser, m[static_cast<std::size_t>(pick(static_cast<int>(m.size())))]};
      return {Endpoint::kUser, 0};
    }
    if (sel.rfind("user", 0) == 0) return {Endpoint::kUser, std::stoi(sel.substr(4))};
    if (sel.rfind("tag:t", 0) == 0) return {Endpoint::kTag, std::stoi(sel.substr(5))};
    if (sel.rfind("host", 0) == 0) return {Endpoint::kHost, std::stoi(sel.substr(4))};
    (void)is_src;
    return {Endpoint::kUser, pick(o.users)};
  };
  for (int i = 0; i < o.tests; ++i) {
    const GenRule* r = nullptr;
    do {
      r = &g.rules[static_cast<std::size_t>(pick(o.rules))];
    } while (r->src.size() == 1 && r->src[0] == "autogroup:member");
    const GenPortSpec& ps = r->ports[static_cast<std::size_t>(pick(static_cast<int>(r->ports.size())))];
    GenTest t;
    uint8_t proto = ps.proto == 0 ? 6 : ps.proto;
    if (proto == 17) t.proto = "udp";
    std::string src_sel = r->src[static_cast<std::size_t>(pick(static_cast<int>(r->src.size())))];
    Endpoint src = endpoint_for(src_sel, true);
    // Sometimes the test names the group itself: then every member must be accepted, which
    // this rule guarantees.
    t.src = (src_sel.rfind("group:", 0) == 0 && chance(10)) ? src_sel : detail::endpoint_text(src);
    for (int n = 1 + pick(2); n > 0; --n) {
      Endpoint dst = endpoint_for(r->dst[static_cast<std::size_t>(pick(static_cast<int>(r->dst.size())))], false);
      uint16_t port = static_cast<uint16_t>(ps.first + pick(ps.last - ps.first + 1));
      if (port == 0) port = 1;
      t.accept.push_back(detail::endpoint_text(dst) + ":" + std::to_string(port));
    }
    bool group_src = t.src.rfind("group:", 0) == 0;
    for (int tries = 0; tries < 8 && t.deny.empty() && !group_src; ++tries) {
      Endpoint dst = chance(80) ? Endpoint{Endpoint::kTag, pick(o.tags)} : Endpoint{Endpoint::kUser, pick(o.users)};
      uint16_t port = static_cast<uint16_t>(chance(50) ? popular() : 1 + pick(65535));
      if (!detail::reference_accepts(g, src, dst, proto, port))
        t.deny.push_back(detail::endpoint_text(dst) + ":" + std::to_string(port));
    }
    g.tests.push_back(std::move(t));
  }

  using detail::quote;
  std::ostringstream out;
  out << "// Generated by bench/gen_policy.h: " << o.users << " users, " << o.groups << " groups, " << o.tags
      << " tags, " << o.rules << " rules, " << o.tests << " tests.\n{\n  \"groups\": {\n";
  for (int gi = 0; gi < o.groups; ++gi) {
    out << "    " << quote(gen_group(gi)) << ": [";
    const auto& m = g.group_members[static_cast<std::size_t>(gi)];
    for (std::size_t k = 0; k < m.size(); ++k) out << (k ? ", " : "") << quote(gen_user(m[k]));
    out << "],\n";
  }
  out << "  },\n  \"tagOwners\": {\n";
  for (int t = 0; t < o.tags; ++t) out << "    " << quote(gen_tag(t)) << ": [\"autogroup:admin\"],\n";
  out << "  },\n  \"hosts\": {\n";
  for (int h = 0; h < o.hosts; ++h) out << "    " << quote(gen_host(h)) << ": " << quote(gen_host_ip(h)) << ",\n";
  out << "  },\n  \"acls\": [\n";
  auto list = [&](const std::vector<std::string>& v) {
    std::string s = "[";
    for (std::size_t k = 0; k < v.size(); ++k) s += (k ? ", " : "") + quote(v[k]);
    return s + "]";
  };
  for (const auto& r : g.rules) {
    if (r.grant) continue;
    std::string ports;
    for (std::size_t k = 0; k < r.ports.size(); ++k) ports += (k ? "," : "") + detail::ports_text(r.ports[k]);
    std::vector<std::string> dsts;
    for (const auto& d : r.dst) dsts.push_back(d + ":" + ports);
    out << "    {\"action\": \"accept\", \"src\": " << list(r.src);
    if (r.ports[0].proto == 6) out << ", \"proto\": \"tcp\"";
    if (r.ports[0].proto == 17) out << ", \"proto\": \"udp\"";
    out << ", \"dst\": " << list(dsts) << "},\n";
  }
  out << "  ],\n  \"grants\": [\n";
  for (const auto& r : g.rules) {
    if (!r.grant) continue;
    std::vector<std::string> ips;
    for (const auto& p : r.ports) {
      if (p.all_protos) ips.push_back("*");
      else if (p.proto == 6) ips.push_back("tcp:" + detail::ports_text(p));
      else if (p.proto == 17) ips.push_back("udp:" + detail::ports_text(p));
      else ips.push_back(detail::ports_text(p));
    }
    out << "    {\"src\": " << list(r.src) << ", \"dst\": " << list(r.dst) << ", \"ip\": " << list(ips) << "},\n";
  }
  out << "  ],\n  \"tests\": [\n";
  for (const auto& t : g.tests) {
    out << "    {\"src\": " << quote(t.src);
    if (!t.proto.empty()) out << ", \"proto\": " << quote(t.proto);
    out << ", \"accept\": " << list(t.accept);
    if (!t.deny.empty()) out << ", \"deny\": " << list(t.deny);
    out << "},\n";
  }
  out << "  ],\n}\n";
  g.text = out.str();
  return g;
}

}  // namespace weft::bench
