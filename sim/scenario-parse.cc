// Scenario files to ScenarioSpec (see scenario-parse.h, docs/scenarios.md): each section checked
// for its keys and types, names cross-checked, every mistake positioned.
#include "scenario-parse.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <set>

#include "hujson/parser.h"
#include "scenario-parse-dns.h"
#include "util/duration.h"
#include "util/ip_prefix.h"

namespace weft::sim {
namespace {

constexpr const char* kInternet = "internet";
/// Simulated runs are bounded: a day of simulated time is far beyond any rehearsal.
constexpr SimTime kMaxDuration = std::chrono::hours(24);

class Reader {
 public:
  explicit Reader(std::vector<SpecError>& errors) : errors_(errors) {}

  void Error(hujson::Position pos, std::string message) {
    errors_.push_back(SpecError{pos, std::move(message)});
  }

  bool Is(const hujson::Value& v, hujson::Kind kind, const std::string& what) {
    if (v.kind == kind) return true;
    Error(v.pos, what + " must be " + article(kind) + ", not " + article(v.kind));
    return false;
  }

  /// Reports members of `obj` whose key is not in `allowed`.
  void OnlyKeys(const hujson::Value& obj, const std::string& what,
                std::initializer_list<const char*> allowed) {
    for (const hujson::Member& m : obj.members) {
      if (std::none_of(allowed.begin(), allowed.end(),
                       [&](const char* k) { return m.key == k; })) {
        std::string list;
        for (const char* k : allowed) list += std::string(list.empty() ? "" : ", ") + "\"" + k + "\"";
        Error(m.key_pos, "unknown key \"" + m.key + "\" in " + what + " (expected one of " +
                             list + ")");
      }
    }
  }

  std::optional<std::string> String(const hujson::Value& v, const std::string& what) {
    if (!Is(v, hujson::Kind::kString, what)) return std::nullopt;
    if (v.text.empty()) {
      Error(v.pos, what + " must not be empty");
      return std::nullopt;
    }
    return v.text;
  }

  std::optional<SimTime> Time(const hujson::Value& v, const std::string& what) {
    if (!Is(v, hujson::Kind::kString, what)) return std::nullopt;
    const std::optional<SimTime> t = parse_time(v.text);
    if (!t) {
      Error(v.pos, what + " \"" + v.text + "\" is not a time (write \"120s\", \"2m\", \"250ms\")");
      return std::nullopt;
    }
    if (*t > kMaxDuration) {
      Error(v.pos, what + " is beyond 24h");
      return std::nullopt;
    }
    return t;
  }

  std::optional<double> Number(const hujson::Value& v, const std::string& what, double lo,
                               double hi) {
    if (!Is(v, hujson::Kind::kNumber, what)) return std::nullopt;
    if (!(v.number >= lo && v.number <= hi)) {
      Error(v.pos, what + " must be between " + hujson_number(lo) + " and " + hujson_number(hi));
      return std::nullopt;
    }
    return v.number;
  }

  void Link(const hujson::Value& v, const std::string& what, LinkConfig& out) {
    if (!Is(v, hujson::Kind::kObject, what)) return;
    OnlyKeys(v, what, {"latency", "bandwidth", "loss", "jitter"});
    if (const hujson::Value* x = v.find("latency")) {
      if (auto t = Time(*x, what + " latency")) out.latency = *t;
    }
    if (const hujson::Value* x = v.find("bandwidth")) {
      if (auto s = String(*x, what + " bandwidth")) {
        if (!valid_rate(*s)) {
          Error(x->pos, what + " bandwidth \"" + *s +
                            "\" is not a data rate (write \"100Mbps\", \"10Mbps\", \"1Gbps\")");
        } else {
          out.bandwidth = *s;
        }
      }
    }
    if (const hujson::Value* x = v.find("loss")) {
      if (auto n = Number(*x, what + " loss", 0, 1)) out.loss = *n;
    }
    if (const hujson::Value* x = v.find("jitter")) {
      if (auto t = Time(*x, what + " jitter")) out.jitter = *t;
    }
  }

 private:
  static std::string article(hujson::Kind k) {
    const std::string name = hujson::kind_name(k);
    return (k == hujson::Kind::kArray || k == hujson::Kind::kObject ? "an " : "a ") + name;
  }
  static std::string hujson_number(double d) {
    std::string s = std::to_string(d);
    while (s.size() > 1 && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  }
  /// ns-3's DataRate units: a number then bps, kbps, Mbps, Gbps (or b/s forms).
  static bool valid_rate(const std::string& s) {
    std::size_t i = 0;
    while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) ++i;
    if (i == 0) return false;
    const std::string unit = s.substr(i);
    for (const char* u : {"bps", "kbps", "Kbps", "Mbps", "Gbps", "b/s", "kb/s", "Mb/s", "Gb/s"}) {
      if (unit == u) return true;
    }
    return false;
  }

  std::vector<SpecError>& errors_;
};

bool valid_name(const std::string& s) {
  if (s.empty() || s.size() > 63) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return s.front() != '-' && s.back() != '-';
}

std::string folder_of(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash + 1);
}

std::string name_from_path(const std::string& path) {
  std::string base = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
  const std::string ext = ".hujson";
  if (base.size() > ext.size() && base.compare(base.size() - ext.size(), ext.size(), ext) == 0) {
    base.resize(base.size() - ext.size());
  }
  return base;
}

struct Parser {
  Parser(const std::string& p, const FileReader& r, std::vector<SpecError>& e)
      : path(p), read(r), in(e) {}

  const std::string& path;
  const FileReader& read;
  Reader in;
  ScenarioSpec spec;
  std::set<std::string> network_names{kInternet};

  /// A policy given inline (an object) or as the path of a policy file.
  std::optional<std::string> Policy(const hujson::Value& v, const std::string& what) {
    if (v.is_object()) return hujson::to_json(v);
    if (!v.is_string()) {
      in.Error(v.pos, what + " must be an object (the policy itself) or a string (its file)");
      return std::nullopt;
    }
    if (v.text.empty()) {
      in.Error(v.pos, what + " file name must not be empty");
      return std::nullopt;
    }
    const std::string file = v.text.front() == '/' ? v.text : folder_of(path) + v.text;
    std::string error;
    std::optional<std::string> text = read(file, error);
    if (!text) in.Error(v.pos, "cannot read policy file " + file + ": " + error);
    return text;
  }

  /// One member of "networks", "regions" or "nodes", its name and position set: its key a valid
  /// name (and `allowed`, the section's own rule, spelled out by `rule`), its value an object of
  /// `keys`. Empty after an error, which is reported.
  template <typename EntrySpec>
  std::optional<EntrySpec> Entry(const hujson::Member& m, bool allowed, const std::string& label,
                                 const std::string& rule, const std::string& what,
                                 std::initializer_list<const char*> keys) {
    if (!allowed || !valid_name(m.key)) {
      in.Error(m.key_pos, label + " \"" + m.key + "\" must be lower-case letters, digits and '-'" +
                              rule);
      return std::nullopt;
    }
    if (!in.Is(m.value, hujson::Kind::kObject, what)) return std::nullopt;
    in.OnlyKeys(m.value, what, keys);
    EntrySpec e;
    e.name = m.key;
    e.pos = m.key_pos;
    return e;
  }

  void Networks(const hujson::Value& v) {
    if (!in.Is(v, hujson::Kind::kObject, "\"networks\"")) return;
    for (const hujson::Member& m : v.members) {
      const std::string what = "network \"" + m.key + "\"";
      std::optional<NetworkSpec> entry =
          Entry<NetworkSpec>(m, m.key != kInternet, "network name",
                             " (and not \"internet\", which always exists)", what, {"nat", "link"});
      if (!entry) continue;
      NetworkSpec& n = *entry;
      if (const hujson::Value* x = m.value.find("nat")) Nat(*x, what + " nat", n.nat);
      if (const hujson::Value* x = m.value.find("link")) in.Link(*x, what + " link", n.link);
      network_names.insert(n.name);
      spec.networks.push_back(std::move(n));
    }
  }

  /// A preset name ("easy", "hard", "firewall") or an object of RFC 4787 behaviours.
  void Nat(const hujson::Value& v, const std::string& what, NatConfig& out) {
    if (v.is_string()) {
      if (std::optional<NatConfig> preset = nat_preset(v.text)) {
        out = *preset;
      } else {
        in.Error(v.pos, what + " \"" + v.text + "\" is not a preset (easy, hard, firewall)");
      }
      return;
    }
    if (!in.Is(v, hujson::Kind::kObject, what)) return;
    in.OnlyKeys(v, what, {"mapping", "filtering", "timeout", "port_preservation", "hairpinning",
                          "block_udp"});
    for (auto [key, field] : {std::pair{"mapping", &out.mapping},
                              std::pair{"filtering", &out.filtering}}) {
      const hujson::Value* x = v.find(key);
      if (x == nullptr || !in.Is(*x, hujson::Kind::kString, what + " " + key)) continue;
      if (std::optional<NatBehavior> b = nat_behavior_from_name(x->text)) {
        *field = *b;
      } else {
        in.Error(x->pos, what + " " + key + " \"" + x->text + "\" is not endpoint-independent, "
                         "address-dependent or address-and-port-dependent");
      }
    }
    if (const hujson::Value* x = v.find("timeout")) {
      if (auto t = in.Time(*x, what + " timeout")) out.mapping_timeout = *t;
    }
    for (auto [key, field] : {std::pair{"port_preservation", &out.port_preservation},
                              std::pair{"hairpinning", &out.hairpinning},
                              std::pair{"block_udp", &out.block_udp}}) {
      const hujson::Value* x = v.find(key);
      if (x != nullptr && in.Is(*x, hujson::Kind::kBool, what + " " + key)) *field = x->boolean;
    }
  }

  std::string NetworkRef(const hujson::Value& v, const std::string& what) {
    std::optional<std::string> s = in.String(v, what);
    if (!s) return kInternet;
    if (network_names.count(*s) == 0) {
      in.Error(v.pos, what + " \"" + *s + "\" is not a network (\"internet\" or one of "
                             "\"networks\")");
      return kInternet;
    }
    return *s;
  }

  void Regions(const hujson::Value& v) {
    if (!in.Is(v, hujson::Kind::kObject, "\"regions\"")) return;
    std::set<uint16_t> ids;
    for (const hujson::Member& m : v.members) {
      const std::string what = "region \"" + m.key + "\"";
      std::optional<RegionSpec> entry =
          Entry<RegionSpec>(m, true, "region code", "", what, {"id", "link", "network"});
      if (!entry) continue;
      RegionSpec& r = *entry;
      r.id = static_cast<uint16_t>(spec.regions.size() + 1);
      if (const hujson::Value* x = m.value.find("id")) {
        if (auto n = in.Number(*x, what + " id", 1, 65535)) {
          if (std::floor(*n) != *n) {
            in.Error(x->pos, what + " id must be a whole number");
          } else {
            r.id = static_cast<uint16_t>(*n);
          }
        }
      }
      if (!ids.insert(r.id).second) {
        in.Error(m.key_pos, what + " has the id " + std::to_string(r.id) +
                                " of another region");
      }
      if (const hujson::Value* x = m.value.find("link")) in.Link(*x, what + " link", r.link);
      if (const hujson::Value* x = m.value.find("network")) {
        r.network = NetworkRef(*x, what + " network");
      }
      spec.regions.push_back(std::move(r));
    }
  }

  /// "whole", "split-inline", "split", or {"path": one of them, "worker_delay": T}.
  void Crypto(const hujson::Value& v) {
    const hujson::Value* path = &v;
    if (v.kind == hujson::Kind::kObject) {
      in.OnlyKeys(v, "\"crypto\"", {"path", "worker_delay"});
      if (const hujson::Value* x = v.find("worker_delay")) {
        if (auto t = in.Time(*x, "crypto worker_delay")) spec.crypto.worker_delay = *t;
      }
      path = v.find("path");
      if (path == nullptr) {
        in.Error(v.pos, "\"crypto\" needs \"path\"");
        return;
      }
    }
    auto s = in.String(*path, "crypto path");
    if (!s) return;
    for (CryptoPath c : {CryptoPath::kWhole, CryptoPath::kSplitInline, CryptoPath::kSplit}) {
      if (*s == to_string(c)) {
        spec.crypto.path = c;
        return;
      }
    }
    in.Error(path->pos, "crypto path \"" + *s + "\" is not one of \"whole\", \"split-inline\", "
                        "\"split\"");
  }

  void Oidc(const hujson::Value& v) {
    if (!in.Is(v, hujson::Kind::kObject, "\"oidc\"")) return;
    in.OnlyKeys(v, "\"oidc\"", {"allowed_domains", "rotate_key_at"});
    if (const hujson::Value* x = v.find("rotate_key_at")) {
      spec.oidc.rotate_key_at = in.Time(*x, "oidc rotate_key_at");
    }
    if (const hujson::Value* x = v.find("allowed_domains")) {
      if (!in.Is(*x, hujson::Kind::kArray, "oidc allowed_domains")) return;
      for (const hujson::Value& d : x->items) {
        if (auto s = in.String(d, "an allowed domain")) spec.oidc.allowed_domains.push_back(*s);
      }
    }
  }

  void Server(const hujson::Value& v) {
    if (!in.Is(v, hujson::Kind::kObject, "\"server\"")) return;
    in.OnlyKeys(v, "\"server\"", {"link", "network", "embedded_relay"});
    if (const hujson::Value* x = v.find("link")) in.Link(*x, "server link", spec.server.link);
    if (const hujson::Value* x = v.find("network")) {
      spec.server.network = NetworkRef(*x, "server network");
    }
    if (const hujson::Value* x = v.find("embedded_relay")) {
      if (auto s = in.String(*x, "server embedded_relay")) {
        if (!FindRegion(*s)) {
          in.Error(x->pos, "server embedded_relay \"" + *s + "\" is not a region");
        } else {
          spec.server.embedded_relay = *s;
        }
      }
    }
  }

  const RegionSpec* FindRegion(const std::string& name) const {
    for (const RegionSpec& r : spec.regions) {
      if (r.name == name) return &r;
    }
    return nullptr;
  }

  void Nodes(const hujson::Value& v) {
    if (!in.Is(v, hujson::Kind::kObject, "\"nodes\"")) return;
    for (const hujson::Member& m : v.members) {
      const std::string what = "node \"" + m.key + "\"";
      std::optional<NodeSpec> entry =
          Entry<NodeSpec>(m, m.key != "server" && m.key.rfind("relay-", 0) != 0, "node name",
                          " (a host name), neither \"server\" nor \"relay-...\"", what,
                          {"tag", "user", "network", "link", "joins", "login",
                           "advertise_routes"});
      if (!entry) continue;
      NodeSpec& n = *entry;
      if (const hujson::Value* x = m.value.find("tag")) {
        if (auto s = in.String(*x, what + " tag")) {
          if (s->rfind("tag:", 0) != 0 || s->size() == 4) {
            in.Error(x->pos, what + " tag \"" + *s + "\" must be \"tag:NAME\"");
          } else {
            n.tag = *s;
          }
        }
      }
      if (const hujson::Value* x = m.value.find("user")) {
        if (auto s = in.String(*x, what + " user")) {
          if (s->find('@') == std::string::npos) {
            in.Error(x->pos, what + " user \"" + *s + "\" must be an e-mail address");
          } else {
            n.user = *s;
          }
        }
      }
      if (const hujson::Value* x = m.value.find("network")) {
        n.network = NetworkRef(*x, what + " network");
      }
      if (const hujson::Value* x = m.value.find("link")) in.Link(*x, what + " link", n.link);
      if (const hujson::Value* x = m.value.find("joins")) n.joins = in.Time(*x, what + " joins");
      if (const hujson::Value* x = m.value.find("login")) {
        if (auto s = in.String(*x, what + " login")) {
          if (s->find('@') == std::string::npos) {
            in.Error(x->pos, what + " login \"" + *s + "\" must be an e-mail address");
          } else if (!n.tag.empty()) {
            in.Error(x->pos, what + " logs in as a person or registers with a tag, not both");
          } else {
            n.login = *s;
          }
        }
      }
      if (const hujson::Value* x = m.value.find("advertise_routes")) {
        if (auto routes = Prefixes(*x, what + " advertise_routes")) n.advertise_routes = *routes;
      }
      spec.nodes.push_back(std::move(n));
    }
  }

  /// A non-empty list of IP prefixes in text (host bits zero, as `weft up --advertise-routes`
  /// takes them); nullopt after an error.
  std::optional<std::vector<std::string>> Prefixes(const hujson::Value& v, const std::string& what) {
    if (!in.Is(v, hujson::Kind::kArray, what)) return std::nullopt;
    std::vector<std::string> out;
    for (const hujson::Value& item : v.items) {
      std::optional<std::string> s = in.String(item, what + " entry");
      if (!s) return std::nullopt;
      if (!util::IpPrefix::parse(*s, true)) {
        in.Error(item.pos, what + ": \"" + *s + "\" is not an IP prefix (write \"10.9.0.0/24\")");
        return std::nullopt;
      }
      out.push_back(*s);
    }
    if (out.empty()) {
      in.Error(v.pos, what + " names no prefix");
      return std::nullopt;
    }
    return out;
  }

  /// A node name where one is required; empty after an error.
  std::string NodeRef(const hujson::Value* v, const std::string& what, hujson::Position at) {
    if (v == nullptr) {
      in.Error(at, what + " needs \"node\"");
      return {};
    }
    std::optional<std::string> s = in.String(*v, what + " node");
    if (!s) return {};
    if (spec.FindNode(*s) == nullptr) {
      in.Error(v->pos, what + ": \"" + *s + "\" is not a node");
      return {};
    }
    return *s;
  }

  /// ["a", "b"]: two distinct nodes.
  bool Pair(const hujson::Value* v, const std::string& what, hujson::Position at,
            std::string& a, std::string& b) {
    if (v == nullptr) {
      in.Error(at, what + " needs \"between\": [\"NODE\", \"NODE\"]");
      return false;
    }
    if (!in.Is(*v, hujson::Kind::kArray, what + " between")) return false;
    if (v->items.size() != 2) {
      in.Error(v->pos, what + " between must name two nodes");
      return false;
    }
    std::string names[2];
    for (int i = 0; i < 2; ++i) {
      std::optional<std::string> s = in.String(v->items[i], what + " between");
      if (!s) return false;
      if (spec.FindNode(*s) == nullptr) {
        in.Error(v->items[i].pos, what + ": \"" + *s + "\" is not a node");
        return false;
      }
      names[i] = *s;
    }
    if (names[0] == names[1]) {
      in.Error(v->pos, what + " between must name two different nodes");
      return false;
    }
    a = names[0];
    b = names[1];
    return true;
  }

  void Firewall(const hujson::Value& v) {
    if (!in.Is(v, hujson::Kind::kArray, "\"firewall\"")) return;
    for (const hujson::Value& r : v.items) {
      if (!in.Is(r, hujson::Kind::kObject, "a firewall rule")) continue;
      in.OnlyKeys(r, "a firewall rule", {"block", "between"});
      const hujson::Value* block = r.find("block");
      if (block == nullptr || !block->is_string() || block->text != "udp") {
        in.Error(block ? block->pos : r.pos, "a firewall rule needs \"block\": \"udp\"");
        continue;
      }
      FirewallRule rule;
      rule.pos = r.pos;
      if (Pair(r.find("between"), "a firewall rule", r.pos, rule.a, rule.b)) {
        spec.firewall.push_back(rule);
      }
    }
  }

  void Traffic(const hujson::Value& v) {
    if (!in.Is(v, hujson::Kind::kArray, "\"traffic\"")) return;
    for (const hujson::Value& f : v.items) {
      const std::string what = "a traffic flow";
      if (!in.Is(f, hujson::Kind::kObject, what)) continue;
      in.OnlyKeys(f, what, {"from", "to", "every", "start", "end"});
      TrafficSpec t;
      t.pos = f.pos;
      const hujson::Value* from = f.find("from");
      const hujson::Value* to = f.find("to");
      if (from == nullptr || to == nullptr) {
        in.Error(f.pos, what + " needs \"from\" and \"to\"");
        continue;
      }
      for (auto [value, out] : {std::pair{from, &t.from}, std::pair{to, &t.to}}) {
        if (auto s = in.String(*value, what + " end")) {
          if (spec.FindNode(*s) == nullptr) {
            in.Error(value->pos, what + ": \"" + *s + "\" is not a node");
          } else {
            *out = *s;
          }
        }
      }
      if (!t.from.empty() && t.from == t.to) in.Error(to->pos, what + " goes to itself");
      if (const hujson::Value* x = f.find("every")) {
        if (auto d = in.Time(*x, what + " every")) {
          if (*d < std::chrono::milliseconds(1)) {
            in.Error(x->pos, what + " every must be at least 1ms");
          } else {
            t.every = *d;
          }
        }
      }
      if (const hujson::Value* x = f.find("start")) {
        if (auto d = in.Time(*x, what + " start")) t.start = *d;
      }
      if (const hujson::Value* x = f.find("end")) t.end = in.Time(*x, what + " end");
      if (!t.from.empty() && !t.to.empty()) spec.traffic.push_back(t);
    }
  }

  void Timeline(const hujson::Value& v) {
    if (!in.Is(v, hujson::Kind::kArray, "\"timeline\"")) return;
    for (const hujson::Value& e : v.items) {
      if (!in.Is(e, hujson::Kind::kObject, "a timeline event")) continue;
      const hujson::Value* at = e.find("at");
      const hujson::Value* kind = e.find("event");
      if (at == nullptr || kind == nullptr || !kind->is_string()) {
        in.Error(e.pos, "a timeline event needs \"at\" (a time) and \"event\" (a name)");
        continue;
      }
      TimelineEvent ev;
      ev.pos = e.pos;
      const std::optional<SimTime> t = in.Time(*at, "\"at\"");
      if (!t) continue;
      ev.at = *t;
      const std::string& name = kind->text;
      const std::string what = "event \"" + name + "\"";
      bool ok = true;
      if (name == "server-down" || name == "server-up") {
        ev.kind = name == "server-down" ? EventKind::kServerDown : EventKind::kServerUp;
        in.OnlyKeys(e, what, {"at", "event"});
      } else if (name == "relay-down" || name == "relay-up") {
        ev.kind = name == "relay-down" ? EventKind::kRelayDown : EventKind::kRelayUp;
        in.OnlyKeys(e, what, {"at", "event", "region"});
        const hujson::Value* r = e.find("region");
        std::optional<std::string> s = r ? in.String(*r, what + " region") : std::nullopt;
        if (r == nullptr) in.Error(e.pos, what + " needs \"region\"");
        if (s && !FindRegion(*s)) in.Error(r->pos, what + ": \"" + *s + "\" is not a region");
        ok = s && FindRegion(*s);
        if (ok) ev.region = *s;
      } else if (name == "link-down" || name == "link-up" || name == "restart" ||
                 name == "rotate-key" || name == "key-expiry" || name == "join" ||
                 name == "leave" || name == "login") {
        ev.kind = name == "link-down"    ? EventKind::kLinkDown
                  : name == "link-up"    ? EventKind::kLinkUp
                  : name == "restart"    ? EventKind::kRestart
                  : name == "rotate-key" ? EventKind::kRotateKey
                  : name == "key-expiry" ? EventKind::kKeyExpiry
                  : name == "join"       ? EventKind::kJoin
                  : name == "login"      ? EventKind::kLogin
                                         : EventKind::kLeave;
        if (ev.kind == EventKind::kRestart) {
          in.OnlyKeys(e, what, {"at", "event", "node", "downtime"});
          if (const hujson::Value* x = e.find("downtime")) {
            if (auto d = in.Time(*x, what + " downtime")) ev.downtime = *d;
          }
        } else {
          in.OnlyKeys(e, what, {"at", "event", "node"});
        }
        ev.node = NodeRef(e.find("node"), what, e.pos);
        ok = !ev.node.empty();
        if (ok && ev.kind == EventKind::kLogin && spec.FindNode(ev.node)->login.empty()) {
          in.Error(e.pos, what + ": node \"" + ev.node +
                              "\" has no \"login\" (the person to sign in)");
          ok = false;
        }
      } else if (name == "link-degraded") {
        ev.kind = EventKind::kLinkDegraded;
        in.OnlyKeys(e, what, {"at", "event", "node", "link"});
        ev.node = NodeRef(e.find("node"), what, e.pos);
        const hujson::Value* l = e.find("link");
        if (l == nullptr) in.Error(e.pos, what + " needs \"link\"");
        if (l != nullptr) in.Link(*l, what + " link", ev.link);
        ok = !ev.node.empty() && l != nullptr;
      } else if (name == "move") {
        ev.kind = EventKind::kMove;
        in.OnlyKeys(e, what, {"at", "event", "node", "network"});
        ev.node = NodeRef(e.find("node"), what, e.pos);
        const hujson::Value* n = e.find("network");
        if (n == nullptr) in.Error(e.pos, what + " needs \"network\"");
        if (n != nullptr) ev.network = NetworkRef(*n, what + " network");
        ok = !ev.node.empty() && n != nullptr;
      } else if (name == "policy") {
        ev.kind = EventKind::kPolicy;
        in.OnlyKeys(e, what, {"at", "event", "policy"});
        const hujson::Value* p = e.find("policy");
        if (p == nullptr) in.Error(e.pos, what + " needs \"policy\" (inline, or a file)");
        std::optional<std::string> text = p ? Policy(*p, what) : std::nullopt;
        ok = text.has_value();
        if (ok) ev.policy_text = *text;
      } else if (name == "dns") {
        ev.kind = EventKind::kDns;
        in.OnlyKeys(e, what, {"at", "event", "dns"});
        const hujson::Value* d = e.find("dns");
        if (d == nullptr) in.Error(e.pos, what + " needs \"dns\" (the new DNS settings)");
        std::vector<SpecError> found;
        std::optional<DnsSettingsSpec> settings =
            d ? parse_dns_settings(*d, what + " dns", spec, found) : std::nullopt;
        for (SpecError& f : found) in.Error(f.pos, std::move(f.message));
        ok = settings.has_value();
        if (ok) ev.dns = *settings;
      } else if (name == "set-attr" || name == "unset-attr") {
        ev.kind = name == "set-attr" ? EventKind::kSetAttr : EventKind::kUnsetAttr;
        in.OnlyKeys(e, what, {"at", "event", "node", "attrs"});
        ev.node = NodeRef(e.find("node"), what, e.pos);
        const hujson::Value* a = e.find("attrs");
        ok = !ev.node.empty() && a != nullptr;
        if (a == nullptr) {
          in.Error(e.pos, what + " needs \"attrs\"" +
                              (ev.kind == EventKind::kSetAttr ? " ({\"custom:NAME\": \"VALUE\"})"
                                                              : " ([\"custom:NAME\"])"));
        } else if (ev.kind == EventKind::kSetAttr && in.Is(*a, hujson::Kind::kObject, what + " attrs")) {
          for (const hujson::Member& m : a->members) {
            if (auto v = in.String(m.value, what + " attribute value")) ev.attrs.emplace_back(m.key, *v);
          }
        } else if (ev.kind == EventKind::kUnsetAttr && in.Is(*a, hujson::Kind::kArray, what + " attrs")) {
          for (const hujson::Value& item : a->items) {
            if (auto v = in.String(item, what + " attribute name")) ev.names.push_back(*v);
          }
        } else {
          ok = false;
        }
      } else if (name == "approve-routes" || name == "reject-routes") {
        ev.kind = name == "approve-routes" ? EventKind::kApproveRoutes : EventKind::kRejectRoutes;
        in.OnlyKeys(e, what, {"at", "event", "node", "routes"});
        ev.node = NodeRef(e.find("node"), what, e.pos);
        const hujson::Value* r = e.find("routes");
        if (r == nullptr) in.Error(e.pos, what + " needs \"routes\" ([\"10.9.0.0/24\"])");
        std::optional<std::vector<std::string>> routes =
            r ? Prefixes(*r, what + " routes") : std::nullopt;
        ok = !ev.node.empty() && routes.has_value();
        if (routes) ev.names = *routes;
      } else if (name == "exit-node") {
        ev.kind = EventKind::kExitNode;
        in.OnlyKeys(e, what, {"at", "event", "node", "exit"});
        ev.node = NodeRef(e.find("node"), what, e.pos);
        const hujson::Value* x = e.find("exit");
        ok = !ev.node.empty() && x != nullptr && in.Is(*x, hujson::Kind::kString, what + " exit");
        if (x == nullptr) in.Error(e.pos, what + " needs \"exit\" (a node, or \"\" for none)");
        if (ok && !x->text.empty() && (spec.FindNode(x->text) == nullptr || x->text == ev.node)) {
          in.Error(x->pos, what + ": \"" + x->text + "\" is not another node");
          ok = false;
        }
        if (ok) ev.other = x->text;
      } else if (name == "udp-block" || name == "udp-open") {
        ev.kind = name == "udp-block" ? EventKind::kUdpBlock : EventKind::kUdpOpen;
        in.OnlyKeys(e, what, {"at", "event", "between"});
        ok = Pair(e.find("between"), what, e.pos, ev.node, ev.other);
      } else {
        in.Error(kind->pos, "unknown event \"" + name + "\" (server-down, server-up, relay-down, "
                            "relay-up, link-down, link-up, link-degraded, restart, move, policy, "
                            "rotate-key, key-expiry, join, leave, udp-block, udp-open, dns, set-attr, "
                            "unset-attr, approve-routes, reject-routes, exit-node)");
        ok = false;
      }
      if (ok) spec.timeline.push_back(std::move(ev));
    }
    std::stable_sort(spec.timeline.begin(), spec.timeline.end(),
                     [](const TimelineEvent& a, const TimelineEvent& b) { return a.at < b.at; });
  }

  void Expectations(const hujson::Value& v, std::vector<SpecError>& errors) {
    if (!in.Is(v, hujson::Kind::kArray, "\"expect\"")) return;
    for (const hujson::Value& e : v.items) {
      if (!in.Is(e, hujson::Kind::kString, "an expectation")) continue;
      if (std::optional<ExpectSpec> x = parse_expectation(e.text, e.pos, spec, errors)) {
        spec.expect.push_back(std::move(*x));
      }
    }
  }

  /// Cross-checks that need every section: times inside the run, a firewall pair once.
  void Check(const hujson::Value& root) {
    for (const TimelineEvent& e : spec.timeline) {
      if (e.at > spec.duration) {
        in.Error(e.pos, "event at " + time_text(e.at) + " is after the end of the run (" +
                            time_text(spec.duration) + ")");
      }
    }
    for (const ExpectSpec& x : spec.expect) {
      if (x.JudgedAt() > spec.duration) {
        in.Error(x.pos, "expectation judged at " + time_text(x.JudgedAt()) +
                            ", after the end of the run (" + time_text(spec.duration) + ")");
      }
    }
    const hujson::Value* expect = root.find("expect");
    if (expect != nullptr && expect->is_array() && expect->items.empty()) {
      in.Error(root.find("expect")->pos, "\"expect\" holds no expectation");
    }
  }
};

}  // namespace

std::optional<SimTime> parse_time(std::string_view text) {
  if (text.rfind("t=", 0) == 0) text.remove_prefix(2);
  const auto d = util::parse_duration(text);
  // A year of simulated time is far beyond any scenario, and well inside SimTime's range (a
  // larger value would overflow the conversion to nanoseconds: scenario_parse_fuzz found it).
  constexpr double kMaxSeconds = 365.0 * 86400;
  if (!d || !(d->count() <= kMaxSeconds)) return std::nullopt;
  return std::chrono::duration_cast<SimTime>(*d);
}

std::string format_error(const std::string& path, const SpecError& error) {
  return path + ":" + std::to_string(error.pos.line) + ":" + std::to_string(error.pos.column) +
         ": " + error.message;
}

ParsedScenario parse_scenario(std::string_view text, const std::string& path,
                              const FileReader& read_file) {
  ParsedScenario out;
  hujson::ParseOutcome doc = hujson::parse(text);
  for (const hujson::ParseError& e : doc.errors) out.errors.push_back(SpecError{e.pos, e.message});
  if (!doc.value) return out;
  const hujson::Value& root = *doc.value;
  Parser p(path, read_file, out.errors);
  p.spec.path = path;
  p.spec.name = name_from_path(path);
  if (!p.in.Is(root, hujson::Kind::kObject, "a scenario file")) return out;
  p.in.OnlyKeys(root, "a scenario file",
                {"name", "duration", "seed", "policy", "crypto", "server", "regions", "networks",
                 "nodes", "firewall", "traffic", "timeline", "expect", "oidc", "resolvers", "dns"});
  if (const hujson::Value* x = root.find("name")) {
    if (auto s = p.in.String(*x, "\"name\"")) p.spec.name = *s;
  }
  if (const hujson::Value* x = root.find("duration")) {
    if (auto t = p.in.Time(*x, "\"duration\"")) p.spec.duration = *t;
  } else {
    p.in.Error(root.pos, "a scenario file needs \"duration\" (the simulated time to run)");
  }
  if (const hujson::Value* x = root.find("seed")) {
    if (auto n = p.in.Number(*x, "\"seed\"", 0, 4294967295.0)) {
      p.spec.seed = static_cast<uint64_t>(*n);
    }
  }
  if (const hujson::Value* x = root.find("policy")) {
    if (auto t = p.Policy(*x, "\"policy\"")) p.spec.policy_text = *t;
  } else {
    p.in.Error(root.pos, "a scenario file needs \"policy\" (inline, or the path of a policy file)");
  }
  if (const hujson::Value* x = root.find("crypto")) p.Crypto(*x);
  if (const hujson::Value* x = root.find("oidc")) p.Oidc(*x);
  // Sections that others refer to come first, whatever the file's order.
  if (const hujson::Value* x = root.find("networks")) p.Networks(*x);
  if (const hujson::Value* x = root.find("regions")) p.Regions(*x);
  if (const hujson::Value* x = root.find("server")) p.Server(*x);
  if (const hujson::Value* x = root.find("nodes")) {
    p.Nodes(*x);
  } else {
    p.in.Error(root.pos, "a scenario file needs \"nodes\"");
  }
  if (const hujson::Value* x = root.find("resolvers")) {
    parse_resolvers(*x, p.spec, out.errors);
  }
  if (const hujson::Value* x = root.find("dns")) {
    p.spec.dns = parse_dns_settings(*x, "\"dns\"", p.spec, out.errors);
  }
  if (const hujson::Value* x = root.find("firewall")) p.Firewall(*x);
  if (const hujson::Value* x = root.find("traffic")) p.Traffic(*x);
  if (const hujson::Value* x = root.find("timeline")) p.Timeline(*x);
  if (const hujson::Value* x = root.find("expect")) p.Expectations(*x, out.errors);
  p.Check(root);
  std::stable_sort(out.errors.begin(), out.errors.end(), [](const SpecError& a, const SpecError& b) {
    return a.pos.offset < b.pos.offset;
  });
  if (out.errors.empty()) out.spec = std::move(p.spec);
  return out;
}

}  // namespace weft::sim
