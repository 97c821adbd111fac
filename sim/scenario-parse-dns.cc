// The DNS sections of a scenario file (scenario-parse-dns.h).
#include "scenario-parse-dns.h"

#include <algorithm>

#include "util/ip_prefix.h"

namespace weft::sim {
namespace {

struct In {
  std::vector<SpecError>& errors;

  bool Fail(hujson::Position pos, const std::string& message) {
    errors.push_back(SpecError{pos, message});
    return false;
  }
  bool Is(const hujson::Value& v, hujson::Kind kind, const std::string& what) {
    if (v.kind == kind) return true;
    return Fail(v.pos, what + " must be " + (kind == hujson::Kind::kObject ? "an object"
                                             : kind == hujson::Kind::kArray ? "an array"
                                                                             : "a string"));
  }
  bool Keys(const hujson::Value& obj, const std::string& what,
            std::initializer_list<const char*> allowed) {
    bool ok = true;
    for (const hujson::Member& m : obj.members) {
      if (std::none_of(allowed.begin(), allowed.end(), [&](const char* k) { return m.key == k; })) {
        std::string list;
        for (const char* k : allowed) list += std::string(list.empty() ? "" : ", ") + "\"" + k + "\"";
        ok = Fail(m.key_pos, "unknown key \"" + m.key + "\" in " + what + " (expected one of " +
                                 list + ")");
      }
    }
    return ok;
  }
  /// A list of resolver names, at least one.
  std::optional<std::vector<std::string>> Resolvers(const hujson::Value& v, const std::string& what,
                                                    const ScenarioSpec& spec) {
    if (!Is(v, hujson::Kind::kArray, what)) return std::nullopt;
    std::vector<std::string> out;
    for (const hujson::Value& item : v.items) {
      if (!Is(item, hujson::Kind::kString, what + " entry")) return std::nullopt;
      if (spec.FindResolver(item.text) == nullptr) {
        Fail(item.pos, what + ": \"" + item.text + "\" is not a resolver (declare it in "
                       "\"resolvers\")");
        return std::nullopt;
      }
      out.push_back(item.text);
    }
    if (out.empty()) {
      Fail(v.pos, what + " names no resolver");
      return std::nullopt;
    }
    return out;
  }
  std::optional<std::string> Domain(const std::string& text, hujson::Position pos,
                                    const std::string& what) {
    std::optional<std::string> d = normalized_dns_name(text);
    if (!d) Fail(pos, what + " \"" + text + "\" is not a DNS name");
    return d;
  }
};

bool host_name(const std::string& s) {
  if (s.empty() || s.size() > 63 || s.front() == '-' || s.back() == '-') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

}  // namespace

std::optional<std::string> normalized_dns_name(const std::string& text) {
  std::string t = text;
  if (t.size() > 1 && t.back() == '.') t.pop_back();
  if (t.empty() || t.size() > 253) return std::nullopt;
  std::size_t label = 0;
  for (char& c : t) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c == '.') {
      if (label == 0) return std::nullopt;
      label = 0;
      continue;
    }
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
      return std::nullopt;
    }
    if (++label > 63) return std::nullopt;
  }
  if (label == 0) return std::nullopt;
  return t;
}

void parse_resolvers(const hujson::Value& v, ScenarioSpec& spec, std::vector<SpecError>& errors) {
  In in{errors};
  if (!in.Is(v, hujson::Kind::kObject, "\"resolvers\"")) return;
  for (const hujson::Member& m : v.members) {
    const std::string what = "resolver \"" + m.key + "\"";
    if (!host_name(m.key) || m.key == "server" || m.key.rfind("relay-", 0) == 0 ||
        spec.FindNode(m.key) != nullptr || spec.FindResolver(m.key) != nullptr) {
      in.Fail(m.key_pos, "resolver name \"" + m.key + "\" must be lower-case letters, digits and "
                         "'-' (a host name), and not a node's, \"server\" or \"relay-...\"");
      continue;
    }
    if (!in.Is(m.value, hujson::Kind::kObject, what)) continue;
    in.Keys(m.value, what, {"records", "silent"});
    ResolverSpec r;
    r.name = m.key;
    r.pos = m.key_pos;
    if (const hujson::Value* records = m.value.find("records")) {
      if (in.Is(*records, hujson::Kind::kObject, what + " records")) {
        for (const hujson::Member& rec : records->members) {
          std::optional<std::string> name = in.Domain(rec.key, rec.key_pos, what + " record");
          if (!name || !in.Is(rec.value, hujson::Kind::kString, what + " record's address")) {
            continue;
          }
          const std::optional<util::IpAddress> a = util::IpAddress::parse(rec.value.text);
          if (!a || !a->is_v4()) {
            in.Fail(rec.value.pos, what + " record's address \"" + rec.value.text +
                                       "\" is not an IPv4 address");
            continue;
          }
          r.records.emplace_back(*name, a->to_string());
        }
      }
    }
    if (const hujson::Value* silent = m.value.find("silent")) {
      if (silent->kind != hujson::Kind::kBool) {
        in.Fail(silent->pos, what + " silent must be true or false");
      } else {
        r.silent = silent->boolean;
      }
    }
    spec.resolvers.push_back(std::move(r));
  }
}

std::optional<DnsSettingsSpec> parse_dns_settings(const hujson::Value& v, const std::string& what,
                                                  const ScenarioSpec& spec,
                                                  std::vector<SpecError>& errors) {
  In in{errors};
  if (!in.Is(v, hujson::Kind::kObject, what)) return std::nullopt;
  bool ok = in.Keys(v, what, {"nameservers", "search_domains", "split"});
  DnsSettingsSpec s;
  s.pos = v.pos;
  if (const hujson::Value* x = v.find("nameservers")) {
    auto names = in.Resolvers(*x, what + " nameservers", spec);
    ok = ok && names.has_value();
    if (names) s.nameservers = *names;
  }
  if (const hujson::Value* x = v.find("search_domains")) {
    if (in.Is(*x, hujson::Kind::kArray, what + " search_domains")) {
      for (const hujson::Value& item : x->items) {
        std::optional<std::string> d;
        if (in.Is(item, hujson::Kind::kString, what + " search domain")) {
          d = in.Domain(item.text, item.pos, what + " search domain");
        }
        ok = ok && d.has_value();
        if (d) s.search_domains.push_back(*d);
      }
    } else {
      ok = false;
    }
  }
  if (const hujson::Value* x = v.find("split")) {
    if (in.Is(*x, hujson::Kind::kObject, what + " split")) {
      for (const hujson::Member& m : x->members) {
        std::optional<std::string> d = in.Domain(m.key, m.key_pos, what + " split domain");
        auto names = in.Resolvers(m.value, what + " split \"" + m.key + "\"", spec);
        ok = ok && d && names;
        if (d && names) s.split.emplace_back(*d, *names);
      }
    } else {
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return s;
}

}  // namespace weft::sim
