// Reads the tailnet file and answers from it what a policy file alone cannot know (docs/policy.md,
// "What offline checking cannot know", "The tailnet file").
#include "policy/tailnet.h"

#include <algorithm>
#include <array>
#include <utility>

#include "policy/posture_expr.h"
#include "policy/reader.h"
#include "policy/selector.h"

namespace weft::policy {
namespace {

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string at_text(SourceRef at) { return std::to_string(at.line) + ":" + std::to_string(at.column); }

// A string value that must parse as a selector of `kind`; reports the parser's message, or
// `what must be KIND, found "X"`.
std::optional<std::string> read_as(Reader& r, const hujson::Value& v, SelectorKind kind,
                                   std::string_view what, std::string_view expected) {
  if (!r.expect(v, hujson::Kind::kString, what)) return std::nullopt;
  auto s = parse_selector(v.text);
  if (!s) {
    r.error(r.inside(v, s.error().offset), s.error().message);
    return std::nullopt;
  }
  if (s.value().kind != kind) {
    r.error(source_ref(v.pos), std::string(what) + " must be " + std::string(expected) +
                                   ", found " + quoted(v.text));
    return std::nullopt;
  }
  return v.text;
}

bool known_role(std::string_view role) {
  return role == "member" || is_role_autogroup("autogroup:" + std::string(role));
}

void read_users(Reader& r, const hujson::Value& v, TailnetDescription& t) {
  if (!r.expect(v, hujson::Kind::kArray, "users")) return;
  std::map<std::string, SourceRef> seen;
  static constexpr std::array<std::string_view, 2> kKeys = {"email", "role"};
  for (const auto& entry : v.items) {
    if (!r.expect(entry, hujson::Kind::kObject, "users entry")) continue;
    auto f = r.fields(entry, kKeys, "users entry");
    if (!r.require(f[0], entry, "email", "users entry")) continue;
    auto email = read_as(r, *f[0], SelectorKind::kUser, "email", "a user such as \"alice@example.com\"");
    if (!email) continue;
    TailnetUser u;
    u.email = *email;
    u.at = source_ref(entry.pos);
    if (f[1] != nullptr && r.expect(*f[1], hujson::Kind::kString, "role")) {
      if (!known_role(f[1]->text)) {
        r.error(source_ref(f[1]->pos), "unknown role " + quoted(f[1]->text) +
                                           "; expected member, owner, admin, network-admin, "
                                           "it-admin, billing-admin or auditor");
        continue;
      }
      u.role = f[1]->text;
    }
    auto [it, fresh] = seen.emplace(u.email, u.at);
    if (!fresh) {
      r.error(source_ref(f[0]->pos), "user " + quoted(u.email) + " is listed twice (first at " +
                                         at_text(it->second) + ")");
      continue;
    }
    t.users.push_back(std::move(u));
  }
}

void read_domains(Reader& r, const hujson::Value& v, TailnetDescription& t) {
  t.domains.emplace();
  for (const auto* s : r.strings(v, "domains")) {
    const std::string& d = s->text;
    bool ok = !d.empty() && d.front() != '.' && d.back() != '.';
    for (char c : d) ok = ok && c != '@' && c != '*' && c != '/' && c != ':' && c > ' ';
    if (!ok) {
      r.error(source_ref(s->pos), "invalid domain " + quoted(d) + "; expected a name such as \"example.com\"");
      continue;
    }
    t.domains->push_back(lower_ascii(d));
  }
}

// A device's posture: attributes a policy's postures can name (checked as a condition on them
// is), each with a string or number value, as the server records them.
void read_posture(Reader& r, const hujson::Value& v, TailnetDevice& d) {
  if (!r.expect(v, hujson::Kind::kObject, "posture")) return;
  for (const auto& m : v.members) {
    auto condition = parse_posture_condition(m.key + " IS SET");
    if (!condition) {
      r.error(source_ref(m.key_pos), condition.error().message);  // it names the attribute
      continue;
    }
    if (m.value.kind != hujson::Kind::kString && m.value.kind != hujson::Kind::kNumber) {
      r.error(source_ref(m.value.pos), "posture attribute " + quoted(m.key) + " must be a string or a number, found " +
                                           hujson::kind_name(m.value.kind));
      continue;
    }
    d.posture[m.key] = m.value.text;
  }
}

void read_devices(Reader& r, const hujson::Value& v, TailnetDescription& t) {
  if (!r.expect(v, hujson::Kind::kArray, "devices")) return;
  static constexpr std::array<std::string_view, 5> kKeys = {"name", "user", "tags", "addresses", "posture"};
  for (const auto& entry : v.items) {
    if (!r.expect(entry, hujson::Kind::kObject, "devices entry")) continue;
    auto f = r.fields(entry, kKeys, "devices entry");
    TailnetDevice d;
    d.at = source_ref(entry.pos);
    if (f[0] != nullptr && r.expect(*f[0], hujson::Kind::kString, "name")) d.name = f[0]->text;
    if (!Reader::absent(f[1]))
      if (auto u = read_as(r, *f[1], SelectorKind::kUser, "user", "a user such as \"alice@example.com\" or null"))
        d.user = *u;
    if (f[2] != nullptr)
      for (const auto* s : r.strings(*f[2], "tags"))
        if (auto tag = read_as(r, *s, SelectorKind::kTag, "tags", "tags such as \"tag:web\"")) d.tags.push_back(*tag);
    if (r.require(f[3], entry, "addresses", "devices entry"))
      for (const auto* s : r.strings(*f[3], "addresses")) {
        auto a = util::IpAddress::parse(s->text);
        if (!a) {
          r.error(source_ref(s->pos), "invalid IP address " + quoted(s->text) + " (a device holds single addresses)");
          continue;
        }
        d.addresses.push_back(*a);
      }
    if (f[4] != nullptr) read_posture(r, *f[4], d);
    if (d.name.empty()) d.name = d.addresses.empty() ? "device at line " + std::to_string(d.at.line) : d.addresses[0].to_string();
    t.devices.push_back(std::move(d));
  }
}

void read_groups(Reader& r, const hujson::Value& v, TailnetDescription& t) {
  if (!r.expect(v, hujson::Kind::kObject, "groups")) return;
  for (const auto& m : v.members) {
    auto s = parse_selector(m.key);
    if (!s || s.value().kind != SelectorKind::kGroup || !is_synced_group(m.key)) {
      r.error(source_ref(m.key_pos),
              "group " + quoted(m.key) + " is not a group synced from the identity provider "
              "(\"group:NAME@DOMAIN\"); the policy's own groups are defined in the policy");
      continue;
    }
    std::vector<std::string> members;
    for (const auto* u : r.strings(m.value, m.key))
      if (auto email = read_as(r, *u, SelectorKind::kUser, "group members", "users"))
        members.push_back(*email);
    t.groups[m.key] = std::move(members);
  }
}

// Cross-references: a device's user is a listed user; no address is held twice.
void check_references(Reader& r, const TailnetDescription& t) {
  std::map<std::string, const TailnetUser*> users;
  for (const auto& u : t.users) users[u.email] = &u;
  std::map<util::IpAddress, const TailnetDevice*> holders;
  for (const auto& d : t.devices) {
    if (d.user && users.find(*d.user) == users.end())
      r.error(d.at, "device " + quoted(d.name) + " belongs to " + quoted(*d.user) +
                        ", who is not in \"users\"");
    for (const auto& a : d.addresses) {
      auto [it, fresh] = holders.emplace(a, &d);
      if (!fresh && it->second != &d)
        r.error(d.at, "address " + a.to_string() + " of device " + quoted(d.name) +
                          " is also held by " + quoted(it->second->name) + " (at " +
                          at_text(it->second->at) + ")");
    }
  }
}

// What the enricher looks up, copied out of a TailnetDescription.
struct Index {
  std::string source;
  std::map<std::string, std::string> role_of;  // email -> role
  std::map<std::string, std::vector<std::string>> groups_of;  // email -> synced groups
  std::map<util::IpAddress, TailnetDevice> device_at;
};

void add_user_facts(const Index& x, const std::string& email, Identity& id) {
  auto role = x.role_of.find(email);
  if (role == x.role_of.end()) {
    id.facts.push_back(email + " is not in " + x.source + "'s users (no role)");
  } else {
    id.facts.push_back(email + " is " + role->second + " in " + x.source);
    if (role->second != "member") id.roles.push_back(role->second);
  }
  auto groups = x.groups_of.find(email);
  if (groups != x.groups_of.end())
    for (const auto& g : groups->second) {
      id.groups.push_back(g);
      id.facts.push_back(email + " is in " + g + " in " + x.source);
    }
}

void enrich_from(const Index& x, Identity& id) {
  if (id.user && id.tags.empty()) {
    add_user_facts(x, *id.user, id);
    return;
  }
  if (id.addresses.size() != 1 || id.user || !id.tags.empty()) return;
  const util::IpAddress a = id.addresses.front();
  auto it = x.device_at.find(a);
  if (it == x.device_at.end()) {
    if (is_tailnet_address(a)) id.facts.push_back("no device holds " + a.to_string() + " in " + x.source);
    return;
  }
  const TailnetDevice& d = it->second;
  id.addresses = d.addresses;
  id.posture_attrs = d.posture;
  if (!d.tags.empty()) {
    id.tags = d.tags;
    std::string tags;
    for (const auto& t : d.tags) tags += (tags.empty() ? "" : ", ") + t;
    id.facts.push_back(a.to_string() + " is " + d.name + " (" + tags + ") in " + x.source);
    return;
  }
  if (!d.user) {
    id.facts.push_back(a.to_string() + " is " + d.name + ", with neither user nor tags, in " + x.source);
    return;
  }
  id.user = d.user;
  id.facts.push_back(a.to_string() + " is " + d.name + " of " + *d.user + " in " + x.source);
  add_user_facts(x, *d.user, id);
}

}  // namespace

bool is_tailnet_address(const util::IpAddress& a) {
  static const util::IpPrefix kV4 = *util::IpPrefix::parse("100.64.0.0/10");
  static const util::IpPrefix kV6 = *util::IpPrefix::parse("fd7a:115c:a1e0::/48");
  return kV4.contains(a) || kV6.contains(a);
}

TailnetLoad load_tailnet(std::string_view text) {
  TailnetLoad result;
  if (auto parsed = parse_document(text, "tailnet file", result.diagnostics)) {
    TailnetDescription t;
    ReadExtras extras;  // unused: the policy reader's side table
    Reader r(text, result.diagnostics, extras);
    const hujson::Value& root = *parsed;
    if (!root.is_object()) {
      r.error(source_ref(root.pos), std::string("tailnet file must be a JSON object, found ") +
                                        hujson::kind_name(root.kind));
    } else {
      static constexpr std::array<std::string_view, 4> kKeys = {"users", "domains", "devices", "groups"};
      auto f = r.fields(root, kKeys, "tailnet file");
      if (f[0]) read_users(r, *f[0], t);
      if (f[1]) read_domains(r, *f[1], t);
      if (f[2]) read_devices(r, *f[2], t);
      if (f[3]) read_groups(r, *f[3], t);
      check_references(r, t);
    }
    if (!has_errors(result.diagnostics)) result.tailnet = std::move(t);
  }
  sort_by_position(result.diagnostics);
  return result;
}

TailnetView view_of(const TailnetDescription& tailnet, std::string source) {
  Index x;
  x.source = source;
  for (const auto& u : tailnet.users) x.role_of[u.email] = u.role;
  for (const auto& [group, members] : tailnet.groups)
    for (const auto& m : members) x.groups_of[m].push_back(group);
  for (const auto& d : tailnet.devices)
    for (const auto& a : d.addresses) x.device_at.emplace(a, d);
  TailnetView view;
  view.source = std::move(source);
  view.domains = tailnet.domains;
  view.enrich = [x = std::move(x)](Identity& id) { enrich_from(x, id); };
  view.synced_members = [groups = tailnet.groups](const std::string& group) {
    auto it = groups.find(group);
    return it == groups.end() ? std::vector<std::string>{} : it->second;
  };
  return view;
}

std::string decided_by_text(const std::vector<std::string>& facts) {
  if (facts.empty()) return "";
  std::string s = " (decided by: ";
  for (std::size_t i = 0; i < facts.size(); ++i) s += (i ? "; " : "") + facts[i];
  return s + ")";
}

Diagnostics check_domains(const Policy& policy, const TailnetView& view) {
  Diagnostics out;
  if (!view.domains) return out;
  auto known = [&](std::string_view domain) {
    const std::string d = lower_ascii(domain);
    return std::find(view.domains->begin(), view.domains->end(), d) != view.domains->end();
  };
  auto refuse = [&](SourceRef at, std::string_view domain, std::string_view form) {
    out.push_back(Diagnostic{Severity::kError, at,
                             quoted(domain) + " is not one of the tailnet's domains in " +
                                 view.source + ", and Tailscale refuses " + std::string(form) +
                                 " for it"});
  };
  auto check = [&](const std::vector<Selector>& selectors) {
    for (const auto& s : selectors) {
      if (s.kind != SelectorKind::kUserDomain) continue;
      std::string_view domain = std::string_view(s.name).substr(s.name.rfind('@') + 1);
      if (!known(domain)) refuse(s.at, domain, "user:*@DOMAIN");
    }
  };
  for (const auto& a : policy.acls) {
    check(a.src);
    for (const auto& d : a.dst) check({d.target});
  }
  for (const auto& g : policy.grants) {
    check(g.src);
    check(g.dst);
  }
  for (const auto& n : policy.node_attrs) check(n.target);
  constexpr std::string_view kLocalpart = "localpart:*@";
  for (const auto& rule : policy.ssh) {
    check(rule.src);
    for (const auto& u : rule.users)
      if (u.size() > kLocalpart.size() && u.compare(0, kLocalpart.size(), kLocalpart) == 0 &&
          !known(std::string_view(u).substr(kLocalpart.size())))
        refuse(rule.at, std::string_view(u).substr(kLocalpart.size()), "localpart:*@DOMAIN");
  }
  return out;
}

}  // namespace weft::policy
