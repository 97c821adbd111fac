// Reading the access rules of a policy: `acls`, `grants` and `nodeAttrs` entries
// (docs/policy.md, "Sections").
#include <array>

#include "policy/capability.h"
#include "policy/protocol.h"
#include "policy/reader.h"
#include "policy/selector.h"

namespace weft::policy {
namespace {

std::optional<uint8_t> read_proto(Reader& r, const hujson::Value& v) {
  std::string text;
  if (v.is_number()) {
    text = v.text;
  } else if (v.is_string()) {
    text = v.text;
  } else {
    r.error(source_ref(v.pos),
            std::string("\"proto\" must be a string, found ") + hujson::kind_name(v.kind));
    return std::nullopt;
  }
  auto p = protocol_from_text(text);
  if (!p) r.error(source_ref(v.pos), "unknown protocol " + quoted(text));
  return p;
}

// An `app` object: capability name -> array of objects, kept as JSON.
std::vector<AppCapability> read_app(Reader& r, const hujson::Value& v, CapabilityPlace place) {
  std::vector<AppCapability> out;
  if (!r.expect(v, hujson::Kind::kObject, "app")) return out;
  for (const auto& m : v.members) {
    if (auto e = capability_name_error(m.key, place)) r.error(source_ref(m.key_pos), *e);
    if (!m.value.is_array()) {
      r.error(source_ref(m.value.pos), "app capability " + quoted(m.key) +
                                           " must be an array of objects, found " +
                                           hujson::kind_name(m.value.kind));
      continue;
    }
    bool ok = true;
    for (const auto& item : m.value.items) {
      if (!item.is_object()) {
        r.error(source_ref(item.pos), "app capability " + quoted(m.key) +
                                          " must be an array of objects, found " +
                                          hujson::kind_name(item.kind) + " in the array");
        ok = false;
      }
    }
    if (ok) out.push_back(AppCapability{m.key, hujson::to_json(m.value), source_ref(m.key_pos)});
  }
  return out;
}

void read_acl(Reader& r, const hujson::Value& v, Policy& policy) {
  if (!r.expect(v, hujson::Kind::kObject, "acls entry")) return;
  static constexpr std::array<std::string_view, 7> kKeys = {
      "action", "src", "dst", "proto", "users", "ports", "srcPosture"};
  auto f = r.fields(v, kKeys, "acls entry");
  Acl acl;
  acl.at = source_ref(v.pos);
  // "users" and "ports" are the legacy names of "src" and "dst".
  const hujson::Value* src = f[1];
  const hujson::Value* dst = f[2];
  if (f[4]) {
    if (src) r.error(source_ref(f[4]->pos), "\"users\" is the legacy name of \"src\"; give only one");
    else src = f[4];
  }
  if (f[5]) {
    if (dst) r.error(source_ref(f[5]->pos), "\"ports\" is the legacy name of \"dst\"; give only one");
    else dst = f[5];
  }
  if (r.require(f[0], v, "action", "acls entry") && r.expect(*f[0], hujson::Kind::kString, "action")) {
    acl.action = r.trimmed_action(*f[0]);
    if (acl.action != "accept")
      r.error(source_ref(f[0]->pos), "action must be \"accept\", found " + quoted(acl.action));
  }
  std::string_view src_name = f[1] || !f[4] ? "src" : "users";
  std::string_view dst_name = f[2] || !f[5] ? "dst" : "ports";
  if (r.require(src, v, "src", "acls entry")) acl.src = r.selectors(src, src_name);
  std::optional<uint8_t> proto;
  if (f[3]) proto = read_proto(r, *f[3]);
  if (proto) acl.protos.push_back(*proto);
  if (r.require(dst, v, "dst", "acls entry")) {
    for (const auto* s : r.strings(*dst, dst_name)) {
      auto d = parse_destination(s->text);
      if (!d) {
        r.error(r.inside(*s, d.error().offset), d.error().message);
        continue;
      }
      AclDestination dest = std::move(d.value());
      dest.at = source_ref(s->pos);
      dest.target.at = dest.at;
      if (dest.target.kind == SelectorKind::kPrefix &&
          !util::IpPrefix::parse(dest.target.name, /*strict=*/true))
        r.warning(dest.at, quoted(dest.target.name) + " has host bits set; it means " +
                               quoted(dest.target.prefix.to_string()));
      if (proto && !protocol_has_ports(*proto) &&
          !(dest.ports.size() == 1 && dest.ports[0] == PortRange{})) {
        r.error(dest.at, "protocol " + quoted(protocol_name(*proto)) + " has no ports; use " +
                             quoted(dest.target.name + ":*"));
        continue;
      }
      acl.dst.push_back(std::move(dest));
    }
  }
  acl.src_posture = r.posture_refs(f[6], "srcPosture");
  if (src && dst && acl.src.empty() && src->is_array() && src->items.empty())
    r.warning(acl.at, "rule can never match: \"src\" is empty");
  else if (src && dst && acl.dst.empty() && dst->is_array() && dst->items.empty())
    r.warning(acl.at, "rule can never match: \"dst\" is empty");
  policy.acls.push_back(std::move(acl));
}

void read_grant(Reader& r, const hujson::Value& v, Policy& policy) {
  if (!r.expect(v, hujson::Kind::kObject, "grants entry")) return;
  static constexpr std::array<std::string_view, 6> kKeys = {"src", "dst", "ip",
                                                            "app", "via", "srcPosture"};
  auto f = r.fields(v, kKeys, "grants entry");
  Grant g;
  g.at = source_ref(v.pos);
  if (r.require(f[0], v, "src", "grants entry")) g.src = r.selectors(f[0], "src");
  if (r.require(f[1], v, "dst", "grants entry")) {
    for (const auto* s : r.strings(*f[1], "dst")) {
      auto sel = parse_selector(s->text);
      if (!sel) {
        // "tag:prod:22" is an ACL destination; grants keep ports in "ip".
        if (parse_destination(s->text))
          r.error(source_ref(s->pos), "grant dst " + quoted(s->text) +
                                          " must not have ports; put them in \"ip\"");
        else
          r.error(r.inside(*s, sel.error().offset), sel.error().message);
        continue;
      }
      sel.value().at = source_ref(s->pos);
      g.dst.push_back(std::move(sel.value()));
    }
  }
  if (f[2]) {
    for (const auto* s : r.strings(*f[2], "ip")) {
      auto ip = parse_grant_ip(s->text);
      if (!ip) {
        r.error(r.inside(*s, ip.error().offset), ip.error().message);
        continue;
      }
      ip.value().at = source_ref(s->pos);
      g.ip.push_back(std::move(ip.value()));
    }
  }
  if (f[3]) g.app = read_app(r, *f[3], CapabilityPlace::kGrant);
  // Tailscale refuses a grant that gives nothing: "ip": [] with "app": {} is as empty as neither.
  bool no_ip = !f[2] || (f[2]->is_array() && f[2]->items.empty());
  bool no_app = !f[3] || (f[3]->is_object() && f[3]->members.empty());
  if (!f[2] && !f[3])
    r.error(g.at, "grant needs \"ip\" or \"app\"");
  else if (no_ip && no_app)
    r.error(g.at, "grant gives nothing: \"ip\" and \"app\" are both empty");
  g.via = r.selectors(f[4], "via");
  g.src_posture = r.posture_refs(f[5], "srcPosture");
  if (f[0] && f[0]->is_array() && f[0]->items.empty())
    r.warning(g.at, "rule can never match: \"src\" is empty");
  else if (f[1] && f[1]->is_array() && f[1]->items.empty())
    r.warning(g.at, "rule can never match: \"dst\" is empty");
  policy.grants.push_back(std::move(g));
}

// Ranges Tailscale keeps for itself and refuses in an IP pool (Tailscale kb/1610, "Reserved IP
// addresses"): device addresses are never drawn from them.
struct ReservedRange {
  std::string_view prefix;
  std::string_view why;
};
constexpr std::array<ReservedRange, 3> kIpPoolReserved = {{
    {"100.100.0.0/24", "Tailscale internal use"},
    {"100.100.100.0/24", "Tailscale services such as the 100.100.100.100 resolver"},
    {"100.115.92.0/23", "Tailscale internal use; ChromeOS VMs use it"},
}};

void read_node_attr(Reader& r, const hujson::Value& v, Policy& policy) {
  if (!r.expect(v, hujson::Kind::kObject, "nodeAttrs entry")) return;
  static constexpr std::array<std::string_view, 4> kKeys = {"target", "attr", "app", "ipPool"};
  auto f = r.fields(v, kKeys, "nodeAttrs entry");
  NodeAttr n;
  n.at = source_ref(v.pos);
  if (r.require(f[0], v, "target", "nodeAttrs entry")) n.target = r.selectors(f[0], "target");
  if (f[1])
    for (const auto* s : r.strings(*f[1], "attr")) n.attr.push_back(s->text);
  if (f[2]) n.app = read_app(r, *f[2], CapabilityPlace::kNodeAttr);
  if (f[3]) {
    for (const auto* s : r.strings(*f[3], "ipPool")) {
      auto pool = util::IpPrefix::parse(s->text);
      if (!pool) {
        r.error(source_ref(s->pos), "invalid CIDR " + quoted(s->text) + " in \"ipPool\"");
        continue;
      }
      for (const auto& [range, why] : kIpPoolReserved) {
        auto reserved = util::IpPrefix::parse(range);
        if (reserved && pool->overlaps(*reserved)) {
          r.error(source_ref(s->pos), "\"ipPool\" " + quoted(s->text) + " overlaps the reserved " +
                                          std::string(range) + " (" + std::string(why) + "); pick a range without it");
          break;
        }
      }
    }
  }
  // Tailscale's API accepts an entry with only "target"; it gives its nodes nothing.
  if (!f[1] && !f[2] && !f[3] && f[0])
    r.warning(n.at, "nodeAttrs entry gives its targets nothing; add \"attr\" (such as "
                    "[\"funnel\"]), \"app\" or \"ipPool\", or remove it");
  policy.node_attrs.push_back(std::move(n));
}

}  // namespace

void read_acls(Reader& r, const hujson::Value& v, Policy& policy) {
  if (!r.expect(v, hujson::Kind::kArray, "acls")) return;
  policy.acls.reserve(v.items.size());
  for (const auto& item : v.items) read_acl(r, item, policy);
}

void read_grants(Reader& r, const hujson::Value& v, Policy& policy) {
  if (!r.expect(v, hujson::Kind::kArray, "grants")) return;
  policy.grants.reserve(v.items.size());
  for (const auto& item : v.items) read_grant(r, item, policy);
}

void read_node_attrs(Reader& r, const hujson::Value& v, Policy& policy) {
  if (!r.expect(v, hujson::Kind::kArray, "nodeAttrs")) return;
  for (const auto& item : v.items) read_node_attr(r, item, policy);
}

}  // namespace weft::policy
