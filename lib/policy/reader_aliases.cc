// Reading the named definitions of a policy: `groups`, `tagOwners`, `hosts`, `ipsets`,
// `autoApprovers` and `postures` (docs/policy.md, "Sections").
#include <array>

#include "policy/posture_expr.h"
#include "policy/reader.h"
#include "policy/selector.h"

namespace weft::policy {
namespace {

// Checks a definition key such as "group:eng"; reports and returns false when the prefix or
// the name is wrong.
bool check_name(Reader& r, const hujson::Member& m, std::string_view prefix, const char* what) {
  if (!m.key.starts_with(prefix)) {
    r.error(source_ref(m.key_pos), std::string(what) + " name " + quoted(m.key) +
                                       " must start with " + quoted(prefix));
    return false;
  }
  if (m.key.size() == prefix.size()) {
    r.error(source_ref(m.key_pos), std::string(what) + " name " + quoted(m.key) + " is empty");
    return false;
  }
  return true;
}

}  // namespace

void read_groups(Reader& r, const hujson::Value& v, Policy& policy) {
  if (!r.expect(v, hujson::Kind::kObject, "groups")) return;
  policy.groups.reserve(v.members.size());
  for (const auto& m : v.members) {
    if (!check_name(r, m, "group:", "group")) continue;
    Group g;
    g.name = m.key;
    g.at = source_ref(m.key_pos);
    g.members = r.selectors(&m.value, m.key);
    if (m.value.is_array() && m.value.items.empty())
      r.warning(g.at, "group " + quoted(g.name) + " has no members");
    policy.groups.push_back(std::move(g));
  }
}

void read_tag_owners(Reader& r, const hujson::Value& v, Policy& policy) {
  if (!r.expect(v, hujson::Kind::kObject, "tagOwners")) return;
  policy.tag_owners.reserve(v.members.size());
  for (const auto& m : v.members) {
    if (!check_name(r, m, "tag:", "tag")) continue;
    auto name = parse_selector(m.key);
    if (!name) {
      r.error(source_ref(m.key_pos), name.error().message);
      continue;
    }
    TagOwner t;
    t.tag = m.key;
    t.at = source_ref(m.key_pos);
    t.owners = r.selectors(&m.value, m.key);
    policy.tag_owners.push_back(std::move(t));
  }
}

void read_hosts(Reader& r, const hujson::Value& v, Policy& policy) {
  if (!r.expect(v, hujson::Kind::kObject, "hosts")) return;
  policy.hosts.reserve(v.members.size());
  for (const auto& m : v.members) {
    // A host name must read as a host alias wherever it is used, so it cannot look like any
    // other selector.
    auto as_selector = parse_selector(m.key);
    if (!as_selector || as_selector.value().kind != SelectorKind::kHost) {
      r.error(source_ref(m.key_pos), "host name " + quoted(m.key) +
                                         " is not a valid alias: it must not look like a user, "
                                         "group, tag, autogroup, IP address or \"*\"");
      continue;
    }
    if (!m.value.is_string()) {
      r.error(source_ref(m.value.pos), "host " + quoted(m.key) + " must be a string (an IP or CIDR), found " +
                                           hujson::kind_name(m.value.kind));
      continue;
    }
    auto prefix = util::IpPrefix::parse(m.value.text);
    if (!prefix) {
      r.error(source_ref(m.value.pos), "host " + quoted(m.key) + ": invalid IP address or CIDR " +
                                           quoted(m.value.text));
      continue;
    }
    if (!util::IpPrefix::parse(m.value.text, /*strict=*/true))
      r.warning(source_ref(m.value.pos), quoted(m.value.text) + " has host bits set; it means " +
                                             quoted(prefix->to_string()));
    policy.hosts.push_back(Host{m.key, *prefix, source_ref(m.key_pos)});
  }
}

void read_ipsets(Reader& r, const hujson::Value& v, Policy& policy) {
  if (!r.expect(v, hujson::Kind::kObject, "ipsets")) return;
  for (const auto& m : v.members) {
    if (!check_name(r, m, "ipset:", "ipset")) continue;
    IpSet set;
    set.name = m.key;
    set.at = source_ref(m.key_pos);
    for (const auto* s : r.strings(m.value, m.key)) {
      // Entries are "[add |remove ]TARGET"; TARGET is an IP, a CIDR, "host:NAME" or a bare
      // host alias, "ipset:NAME" or autogroup:internet.
      std::string_view text = s->text;
      uint32_t skip = 0;
      IpSetEntry e;
      if (text.starts_with("add ")) {
        skip = 4;
      } else if (text.starts_with("remove ")) {
        skip = 7;
        e.remove = true;
      }
      text.remove_prefix(skip);
      if (text.starts_with("host:")) {
        text.remove_prefix(5);
        skip += 5;
      }
      auto sel = parse_selector(text);
      if (!sel) {
        r.error(r.inside(*s, skip + sel.error().offset), sel.error().message);
        continue;
      }
      auto k = sel.value().kind;
      if (k != SelectorKind::kPrefix && k != SelectorKind::kHost && k != SelectorKind::kIpSet &&
          k != SelectorKind::kAutogroupInternet) {
        r.error(r.inside(*s, skip), "ipsets may contain IP addresses, CIDRs, hosts, other "
                                          "ipsets and autogroup:internet, found " +
                                              quoted(text));
        continue;
      }
      e.selector = std::move(sel.value());
      e.selector.at = r.inside(*s, skip);
      set.entries.push_back(std::move(e));
    }
    policy.ipsets.push_back(std::move(set));
  }
}

void read_auto_approvers(Reader& r, const hujson::Value& v, Policy& policy) {
  if (!r.expect(v, hujson::Kind::kObject, "autoApprovers")) return;
  static constexpr std::array<std::string_view, 3> kKeys = {"routes", "exitNode", "services"};
  auto f = r.fields(v, kKeys, "autoApprovers");
  auto& aa = policy.auto_approvers;
  aa.at = source_ref(v.pos);
  if (f[0] && r.expect(*f[0], hujson::Kind::kObject, "routes")) {
    for (const auto& m : f[0]->members) {
      auto route = util::IpPrefix::parse(m.key, /*strict=*/true);
      if (!route) {
        r.error(source_ref(m.key_pos), "route " + quoted(m.key) + " is not a valid CIDR" +
                                           (util::IpPrefix::parse(m.key) ? " (host bits are set)" : ""));
        continue;
      }
      aa.routes.push_back(RouteApprover{*route, r.selectors(&m.value, m.key), source_ref(m.key_pos)});
    }
  }
  if (f[1]) aa.exit_node = r.selectors(f[1], "exitNode");
  if (f[2] && r.expect(*f[2], hujson::Kind::kObject, "services")) {
    for (const auto& m : f[2]->members) {
      if (!m.key.starts_with("svc:") && !m.key.starts_with("tag:")) {
        r.error(source_ref(m.key_pos), "service " + quoted(m.key) + " must start with \"svc:\"");
      } else if (m.key.starts_with("svc:")) {
        // The same name rule as a grant destination; the key's text has no escapes to track.
        if (auto name = parse_selector(m.key); !name)
          r.error(source_ref(m.key_pos), name.error().message);
      }
      for (auto& s : r.selectors(&m.value, m.key)) r.extras().service_approvers.push_back(std::move(s));
    }
  }
}

void read_postures(Reader& r, const hujson::Value& v, Policy& policy) {
  if (!r.expect(v, hujson::Kind::kObject, "postures")) return;
  for (const auto& m : v.members) {
    if (!check_name(r, m, "posture:", "posture")) continue;
    Posture p;
    p.name = m.key;
    p.at = source_ref(m.key_pos);
    for (const auto* s : r.strings(m.value, m.key)) {
      auto c = parse_posture_condition(s->text);
      if (!c) {
        r.error(r.inside(*s, c.error().offset), c.error().message);
        continue;
      }
      c.value().at = source_ref(s->pos);
      p.conditions.push_back(std::move(c.value()));
    }
    policy.postures.push_back(std::move(p));
  }
}

}  // namespace weft::policy
