// `weft admin` requests → coordinator calls → JSON answers (docs/operations.md, "Admin API").
#include "serve/admin_api.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "coord/dns_settings.h"
#include "coord/netmap.h"
#include "coord/policy_outcome.h"
#include "coord/posture.h"
#include "coord/registry.h"
#include "coord/secret_text.h"
#include "core/key_text.h"

namespace weft::serve {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

int64_t unix_seconds(core::WallTime t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// Seconds since the epoch, or null for never / not yet.
void write_time(Writer& w, const std::optional<core::WallTime>& t) {
  if (t)
    w.Int64(unix_seconds(*t));
  else
    w.Null();
}

std::string error_json(const std::string& code, const std::string& message) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("ok");
  w.Bool(false);
  w.Key("error");
  w.StartObject();
  w.Key("code");
  w.String(code.c_str());
  w.Key("message");
  w.String(message.c_str());
  w.EndObject();
  w.EndObject();
  return buf.GetString();
}

std::string error_json(const Error& e) { return error_json(e.code, e.detail); }

// Builds {"ok": true, ...}: `body` writes the fields after "ok".
template <class F>
std::string ok_json(F&& body) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("ok");
  w.Bool(true);
  body(w);
  w.EndObject();
  return buf.GetString();
}

std::optional<std::string> string_field(const rapidjson::Value& v, const char* name) {
  auto it = v.FindMember(name);
  if (it == v.MemberEnd() || !it->value.IsString()) return std::nullopt;
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

bool bool_field(const rapidjson::Value& v, const char* name) {
  auto it = v.FindMember(name);
  return it != v.MemberEnd() && it->value.IsBool() && it->value.GetBool();
}

std::optional<uint64_t> uint_field(const rapidjson::Value& v, const char* name) {
  auto it = v.FindMember(name);
  if (it == v.MemberEnd() || !it->value.IsUint64()) return std::nullopt;
  return it->value.GetUint64();
}

// A lifetime in seconds from the request, clamped before the conversion to nanoseconds (which
// overflows past 292 years); anything over `limit` is refused by the callee with its message.
template <class Rep, class Period>
std::optional<core::Duration> seconds_field(const rapidjson::Value& req,
                                            std::chrono::duration<Rep, Period> limit) {
  auto s = uint_field(req, "expiry_seconds");
  if (!s) return std::nullopt;
  const auto max = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(limit).count());
  return std::chrono::seconds(static_cast<int64_t>(std::min(*s, max + 1)));
}

void write_user(Writer& w, const coord::User& u) {
  w.StartObject();
  w.Key("id");
  w.Uint64(u.id.value);
  w.Key("email");
  w.String(u.email.c_str());
  w.Key("role");
  w.String(coord::role_name(u.role));
  w.Key("created");
  w.Int64(unix_seconds(u.created));
  w.EndObject();
}

void write_strings(Writer& w, const std::vector<std::string>& v) {
  w.StartArray();
  for (const auto& s : v) w.String(s.c_str());
  w.EndArray();
}

void write_attributes(Writer& w, const std::map<std::string, std::string>& attributes) {
  w.StartObject();
  for (const auto& [name, value] : attributes) {
    w.Key(name.c_str());
    w.String(value.c_str());
  }
  w.EndObject();
}

// A device's addresses, IPv4 then IPv6 ([] before it has any).
void write_addresses(Writer& w, const coord::Device& d) {
  w.StartArray();
  if (d.addresses) {
    w.String(d.addresses->v4.to_string().c_str());
    w.String(d.addresses->v6.to_string().c_str());
  }
  w.EndArray();
}

// The code of a relay region of the map ("" when the map has no such region).
std::string region_code(const std::vector<control::RelayRegion>& relays, uint16_t id) {
  for (const auto& g : relays)
    if (g.id == id) return g.code;
  return {};
}

void write_device(Writer& w, const coord::Registry& r, const coord::Device& d,
                  std::string_view domain, const std::vector<control::RelayRegion>& relays) {
  w.StartObject();
  w.Key("id");
  w.Uint64(d.id.value);
  w.Key("hostname");
  w.String(d.hostname.c_str());
  w.Key("dns_name");
  w.String(coord::dns_name_of(d.hostname, domain).c_str());
  const coord::User* u = r.find_user(d.user);
  w.Key("user");
  w.String(u != nullptr ? u->email.c_str() : "");
  w.Key("tags");
  write_strings(w, d.tags);
  w.Key("state");
  w.String(coord::state_name(d.state));
  w.Key("online");
  w.Bool(d.online);
  w.Key("ephemeral");
  w.Bool(d.ephemeral);
  w.Key("os");
  w.String(d.os.c_str());
  w.Key("client_version");
  w.String(d.client_version.c_str());
  w.Key("os_version");
  w.String(d.os_version.c_str());
  // Every attribute the policy's postures read, the node's and the operator's; "attributes"
  // are the operator's alone (`nodes set-attr`).
  w.Key("posture");
  write_attributes(w, coord::posture_of(d));
  w.Key("attributes");
  write_attributes(w, d.posture_attributes);
  w.Key("addresses");
  write_addresses(w, d);
  w.Key("endpoints");
  w.StartArray();
  for (const auto& e : d.endpoints) w.String(e.to_string().c_str());
  w.EndArray();
  // The home relay region the node reported (0: none yet), and its code in the relay map.
  w.Key("home_region");
  w.Uint(d.home_region);
  w.Key("home_region_code");
  w.String(region_code(relays, d.home_region).c_str());
  w.Key("machine_key");
  w.String(core::key_to_base64(d.machine_key.bytes).c_str());
  w.Key("node_key");
  w.String(core::key_to_base64(d.node_key.bytes).c_str());
  w.Key("created");
  w.Int64(unix_seconds(d.created));
  w.Key("last_seen");
  w.Int64(unix_seconds(d.last_seen));
  w.Key("key_expiry");
  write_time(w, d.key_expiry);
  w.Key("policy_version");
  w.Uint64(d.policy_version);
  w.EndObject();
}

void write_findings(Writer& w, const coord::PolicyOutcome& o) {
  w.Key("valid");
  w.Bool(o.valid);
  w.Key("version");
  w.Uint64(o.version);
  w.Key("findings");
  w.StartArray();
  for (const auto& f : o.findings) {
    w.StartObject();
    w.Key("severity");
    w.String(f.error ? "error" : "warning");
    w.Key("line");
    w.Uint(f.line);
    w.Key("column");
    w.Uint(f.column);
    w.Key("message");
    w.String(f.message.c_str());
    w.EndObject();
  }
  w.EndArray();
  w.Key("failed_tests");
  write_strings(w, o.failed_tests);
}

std::string status_json(const Status& st) {
  if (!st) return error_json(st.error());
  return ok_json([](Writer&) {});
}

std::string device_op(coord::Coordinator& c, const std::string& op, const rapidjson::Value& req,
                      core::Now now) {
  auto id = uint_field(req, "id");
  if (!id) return error_json("admin.request", op + " needs a numeric \"id\"");
  const coord::DeviceId d{*id};
  if (op == "nodes.approve") return status_json(c.approve(d, now));
  if (op == "nodes.expire") return status_json(c.expire(d, now));
  if (op == "nodes.rotate") return status_json(c.rotate(d, now));
  return status_json(c.remove(d, now));
}

// nodes.set_attr {"id", "set": {"custom:x": "v", ...}, "unset": ["custom:y", ...]}: the
// operator's posture attributes; values are text (policies compare them as numbers or versions
// when they look like one).
std::string set_attributes(coord::Coordinator& c, const rapidjson::Value& req, core::Now now) {
  auto id = uint_field(req, "id");
  if (!id) return error_json("admin.request", "nodes set-attr needs a numeric \"id\"");
  std::map<std::string, std::string> set;
  std::vector<std::string> unset;
  if (auto it = req.FindMember("set"); it != req.MemberEnd()) {
    if (!it->value.IsObject())
      return error_json("admin.request", "\"set\" is an object of attribute names to text");
    for (const auto& m : it->value.GetObject()) {
      if (!m.value.IsString())
        return error_json("admin.request", std::string("attribute ") + m.name.GetString() +
                                               ": the value is text (\"40\", \"true\")");
      set[std::string(m.name.GetString(), m.name.GetStringLength())] =
          std::string(m.value.GetString(), m.value.GetStringLength());
    }
  }
  if (auto it = req.FindMember("unset"); it != req.MemberEnd()) {
    if (!it->value.IsArray())
      return error_json("admin.request", "\"unset\" is an array of attribute names");
    for (const auto& x : it->value.GetArray()) {
      if (!x.IsString())
        return error_json("admin.request", "\"unset\" is an array of attribute names");
      unset.emplace_back(x.GetString(), x.GetStringLength());
    }
  }
  if (set.empty() && unset.empty())
    return error_json("admin.request", "nodes set-attr needs \"set\" or \"unset\"");
  return status_json(c.set_posture_attributes(coord::DeviceId{*id}, set, unset, now));
}

std::string keys_create(coord::Coordinator& c, const rapidjson::Value& req, core::Now now,
                        core::Random& rng) {
  auto user = string_field(req, "user");
  if (!user)
    return error_json("admin.request",
                      "keys create needs --user: the key's devices belong to that user, and its "
                      "tags must be tags the user owns in tagOwners");
  coord::AuthKeyRequest r;
  r.reusable = bool_field(req, "reusable");
  r.ephemeral = bool_field(req, "ephemeral");
  r.expiry = seconds_field(req, coord::kMaxAuthKeyExpiry);
  auto tags = req.FindMember("tags");
  if (tags != req.MemberEnd() && tags->value.IsArray())
    for (const auto& t : tags->value.GetArray())
      if (t.IsString()) r.tags.emplace_back(t.GetString(), t.GetStringLength());
  auto created = c.create_auth_key(*user, r, now, rng);
  if (!created) return error_json(created.error());
  return ok_json([&](Writer& w) {
    w.Key("key");
    w.String(created->text.c_str());
    w.Key("id");
    w.String(created->id.to_string().c_str());
  });
}

std::string keys_list(const coord::Coordinator& c) {
  const coord::Registry& r = c.registry();
  return ok_json([&](Writer& w) {
    w.Key("keys");
    w.StartArray();
    for (const auto& [id, k] : r.auth_keys().keys()) {
      w.StartObject();
      w.Key("id");
      w.String(id.to_string().c_str());
      const coord::User* u = r.find_user(k.user);
      w.Key("user");
      w.String(u != nullptr ? u->email.c_str() : "");
      w.Key("reusable");
      w.Bool(k.reusable);
      w.Key("ephemeral");
      w.Bool(k.ephemeral);
      w.Key("tags");
      write_strings(w, k.tags);
      w.Key("created");
      w.Int64(unix_seconds(k.created));
      w.Key("expires");
      w.Int64(unix_seconds(k.expires));
      w.Key("uses");
      w.Uint64(k.uses);
      w.Key("last_used");
      write_time(w, k.last_used);
      w.Key("revoked");
      w.Bool(k.revoked);
      w.EndObject();
    }
    w.EndArray();
  });
}

// The tailnet file of `weft acl check --tailnet` (policy/tailnet.h): the description the server
// decides policy tests against (coord::tailnet_of), so that CI gets the server's verdicts.
std::string tailnet_export(const coord::Coordinator& c) {
  const policy::TailnetDescription t = coord::tailnet_of(c.registry());
  return ok_json([&](Writer& w) {
    w.Key("users");
    w.StartArray();
    for (const auto& u : t.users) {
      w.StartObject();
      w.Key("email");
      w.String(u.email.c_str());
      w.Key("role");
      w.String(u.role.c_str());
      w.EndObject();
    }
    w.EndArray();
    w.Key("devices");
    w.StartArray();
    for (const auto& d : t.devices) {
      w.StartObject();
      w.Key("name");
      w.String(d.name.c_str());
      w.Key("user");
      if (d.user)
        w.String(d.user->c_str());
      else
        w.Null();
      w.Key("tags");
      write_strings(w, d.tags);
      w.Key("addresses");
      w.StartArray();
      for (const auto& a : d.addresses) w.String(a.to_string().c_str());
      w.EndArray();
      w.Key("posture");
      w.StartObject();
      for (const auto& [attribute, value] : d.posture) {
        w.Key(attribute.c_str());
        // With its length: the value is what the device reported.
        w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
      }
      w.EndObject();
      w.EndObject();
    }
    w.EndArray();
    // Synced groups (the identity provider's, docs/identity.md "Groups") with their members.
    w.Key("groups");
    w.StartObject();
    for (const auto& [group, members] : t.groups) {
      w.Key(group.c_str());
      write_strings(w, members);
    }
    w.EndObject();
  });
}

std::optional<coord::AuthKeyId> parse_key_id(const std::string& text) {
  coord::AuthKeyId id;
  if (!coord::parse_lower_hex(text, id.bytes.data(), id.bytes.size())) return std::nullopt;
  return id;
}

std::string tokens_op(coord::Coordinator& c, const std::string& op, const rapidjson::Value& req,
                      core::Now now, core::Random& rng) {
  if (op == "tokens.create") {
    const std::string name = string_field(req, "scope").value_or("all");
    auto scope = coord::parse_scope(name);
    if (!scope)
      return error_json("admin.request", "unknown scope \"" + name + "\" (policy, nodes, all)");
    auto created = c.create_api_token(*scope, seconds_field(req, coord::kMaxApiTokenExpiry), now, rng);
    if (!created) return error_json(created.error());
    const coord::StoredApiToken& t = *c.api_tokens().find(created->id);
    return ok_json([&](Writer& w) {
      w.Key("token");
      w.String(created->text.c_str());
      w.Key("id");
      w.String(created->id.to_string().c_str());
      w.Key("scope");
      w.String(coord::scope_name(t.scope));
      w.Key("expires");
      w.Int64(unix_seconds(t.expires));
    });
  }
  if (op == "tokens.revoke") {
    auto text = string_field(req, "id");
    auto id = text ? coord::ApiTokenId::parse(*text) : std::nullopt;
    if (!id) return error_json("admin.request", "tokens revoke needs a token id (16 hex digits)");
    return status_json(c.revoke_api_token(*id, now));
  }
  return ok_json([&](Writer& w) {
    w.Key("tokens");
    w.StartArray();
    for (const auto& [id, t] : c.api_tokens().tokens()) {
      w.StartObject();
      w.Key("id");
      w.String(id.to_string().c_str());
      w.Key("scope");
      w.String(coord::scope_name(t.scope));
      w.Key("created");
      w.Int64(unix_seconds(t.created));
      w.Key("expires");
      w.Int64(unix_seconds(t.expires));
      w.Key("last_used");
      write_time(w, t.last_used);
      w.Key("uses");
      w.Uint64(t.uses);
      w.Key("revoked");
      w.Bool(t.revoked);
      w.EndObject();
    }
    w.EndArray();
  });
}

void write_address_list(Writer& w, const char* key, const std::vector<util::IpAddress>& v) {
  w.Key(key);
  w.StartArray();
  for (const auto& a : v) w.String(a.to_string().c_str());
  w.EndArray();
}

// The strings of array field `name` (absent: none); nullopt when it is not an array of strings.
std::optional<std::vector<std::string>> strings_field(const rapidjson::Value& v, const char* name) {
  std::vector<std::string> out;
  auto it = v.FindMember(name);
  if (it == v.MemberEnd()) return out;
  if (!it->value.IsArray()) return std::nullopt;
  for (const auto& x : it->value.GetArray()) {
    if (!x.IsString()) return std::nullopt;
    out.emplace_back(x.GetString(), x.GetStringLength());
  }
  return out;
}

// dns.show / dns.set (docs/network-config.md, "MagicDNS"): both answer the settings in force.
std::string dns_op(coord::Coordinator& c, const std::string& op, const rapidjson::Value& req,
                   core::Now now) {
  if (op != "dns.show" && op != "dns.set")
    return error_json("admin.request", "unknown op \"" + op + "\"");
  if (op == "dns.set") {
    auto servers = strings_field(req, "nameservers");
    auto search = strings_field(req, "search_domains");
    auto split = strings_field(req, "split");
    if (!servers || !search || !split)
      return error_json("admin.request",
                        "dns.set takes \"nameservers\", \"search_domains\" and \"split\" as "
                        "arrays of strings");
    coord::DnsSettings s;
    for (const auto& text : *servers) {
      auto a = util::IpAddress::parse(text);
      if (!a) return error_json("coord.dns", "nameserver \"" + text + "\" is not an IP address");
      s.nameservers.push_back(*a);
    }
    s.search_domains = std::move(*search);
    for (const auto& text : *split) {
      auto r = coord::parse_dns_route(text);
      if (!r) return error_json(r.error());
      s.routes.push_back(std::move(r).value());
    }
    if (Status st = c.set_dns(std::move(s), now); !st) return error_json(st.error());
  }
  const coord::DnsSettings& s = c.dns();
  return ok_json([&](Writer& w) {
    w.Key("domain");
    w.String(c.dns_domain().c_str());
    write_address_list(w, "nameservers", s.nameservers);
    w.Key("search_domains");
    write_strings(w, s.search_domains);
    w.Key("routes");
    w.StartArray();
    for (const auto& r : s.routes) {
      w.StartObject();
      w.Key("domain");
      w.String(r.domain.c_str());
      write_address_list(w, "nameservers", r.nameservers);
      w.EndObject();
    }
    w.EndArray();
  });
}

void write_prefixes(Writer& w, const char* key, const std::vector<util::IpPrefix>& v) {
  w.Key(key);
  w.StartArray();
  for (const auto& p : v) w.String(p.to_string().c_str());
  w.EndArray();
}

// routes.list / routes.approve / routes.reject (docs/network-config.md, "Subnet routers").
std::string routes_op(coord::Coordinator& c, const std::string& op, const rapidjson::Value& req,
                      core::Now now) {
  if (op == "routes.list")
    return ok_json([&](Writer& w) {
      w.Key("routes");
      w.StartArray();
      for (const auto& r : c.routes()) {
        w.StartObject();
        w.Key("id");
        w.Uint64(r.id.value);
        const coord::Device* d = c.registry().find(r.id);
        w.Key("hostname");
        w.String(d != nullptr ? d->hostname.c_str() : "");
        write_prefixes(w, "advertised", r.advertised);
        write_prefixes(w, "approved", r.approved);
        write_prefixes(w, "auto_approved", r.auto_approved);
        write_prefixes(w, "primary", r.primary);
        w.EndObject();
      }
      w.EndArray();
    });
  if (op != "routes.approve" && op != "routes.reject")
    return error_json("admin.request", "unknown op \"" + op + "\"");
  auto id = uint_field(req, "id");
  auto list = req.FindMember("routes");
  if (!id || list == req.MemberEnd() || !list->value.IsArray() || list->value.Empty())
    return error_json("admin.request", "routes " + op.substr(7) + " needs \"id\" and \"routes\"");
  std::vector<util::IpPrefix> routes;
  for (const auto& x : list->value.GetArray()) {
    std::optional<util::IpPrefix> p;
    if (x.IsString()) p = util::IpPrefix::parse(std::string(x.GetString(), x.GetStringLength()), true);
    if (!p)
      return error_json("admin.route", "routes are prefixes such as 10.0.0.0/24 (no host bits)");
    routes.push_back(*p);
  }
  return status_json(c.set_route_approval(coord::DeviceId{*id}, routes, op == "routes.approve", now));
}

std::string policy_op(coord::Coordinator& c, const std::string& op, const rapidjson::Value& req,
                      core::Now now) {
  if (op == "policy.get" || op == "policy.history") {
    const auto& h = c.policy_history();
    return ok_json([&](Writer& w) {
      if (op == "policy.get") {
        w.Key("version");
        w.Uint64(h.empty() ? 0 : h.back().version);
        w.Key("text");
        // With its length: a policy may hold a NUL byte (in a comment), which c_str() would cut.
        static const std::string kNone;
        const std::string& text = h.empty() ? kNone : h.back().text;
        w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
        return;
      }
      w.Key("history");
      w.StartArray();
      for (const auto& p : h) {
        w.StartObject();
        w.Key("version");
        w.Uint64(p.version);
        w.Key("applied");
        w.Int64(unix_seconds(p.applied));
        w.Key("bytes");
        w.Uint64(p.text.size());
        w.EndObject();
      }
      w.EndArray();
    });
  }
  auto text = string_field(req, "text");
  if (!text) return error_json("admin.request", op + " needs the policy \"text\"");
  coord::PolicyOutcome o = op == "policy.set" ? c.set_policy(*text, now) : c.check_policy(*text);
  return ok_json([&](Writer& w) { write_findings(w, o); });
}

}  // namespace

std::string admin_error(std::string_view code, std::string_view message) {
  return error_json(std::string(code), std::string(message));
}

std::string handle_admin_request(coord::Coordinator& c, std::string_view request, core::Now now,
                                 core::Random& rng) {
  rapidjson::Document req;
  // Iterative: the recursive parser overflows the stack on deeply nested input ("[[[[...").
  req.Parse<rapidjson::kParseIterativeFlag>(request.data(), request.size());
  if (req.HasParseError() || !req.IsObject())
    return error_json("admin.request", "the request is not a JSON object");
  auto op_field = string_field(req, "op");
  if (!op_field) return error_json("admin.request", "the request has no \"op\"");
  const std::string& op = *op_field;
  const coord::Registry& r = c.registry();

  if (op == "users.create") {
    auto email = string_field(req, "email");
    if (!email) return error_json("admin.request", "users create needs an e-mail");
    coord::Role role = coord::Role::kMember;
    if (auto name = string_field(req, "role")) {
      auto parsed = coord::parse_role(*name);
      if (!parsed)
        return error_json("admin.role", "unknown role \"" + *name +
                                            "\" (member, owner, admin, network-admin, it-admin, "
                                            "billing-admin, auditor)");
      role = *parsed;
    }
    auto u = c.create_user(*email, role, now);
    if (!u) return error_json(u.error());
    return ok_json([&](Writer& w) {
      w.Key("user");
      write_user(w, *u);
    });
  }
  if (op == "users.list")
    return ok_json([&](Writer& w) {
      w.Key("users");
      w.StartArray();
      for (const auto& [id, u] : r.users()) write_user(w, u);
      w.EndArray();
    });
  if (op == "users.remove") {
    auto email = string_field(req, "email");
    if (!email) return error_json("admin.request", "users remove needs an e-mail");
    return status_json(c.remove_user(*email, now));
  }
  if (op == "keys.create") return keys_create(c, req, now, rng);
  if (op == "keys.list") return keys_list(c);
  if (op == "keys.revoke") {
    auto text = string_field(req, "id");
    auto id = text ? parse_key_id(*text) : std::nullopt;
    if (!id) return error_json("admin.request", "keys revoke needs a key id (16 hex digits)");
    return status_json(c.revoke_auth_key(*id, now));
  }
  if (op == "nodes.list") {
    const std::string domain = string_field(req, "dns_domain").value_or(c.dns_domain());
    return ok_json([&](Writer& w) {
      w.Key("nodes");
      w.StartArray();
      for (const auto& [id, d] : r.devices())
        if (d.state != coord::DeviceState::kRemoved || bool_field(req, "all"))
          write_device(w, r, d, domain, c.relays());
      w.EndArray();
    });
  }
  if (op == "nodes.show") {
    auto id = uint_field(req, "id");
    if (!id) return error_json("admin.request", "nodes show needs a numeric \"id\"");
    const coord::Device* d = r.find(coord::DeviceId{*id});
    if (d == nullptr) return error_json("coord.unknown_device", "no device " + std::to_string(*id));
    return ok_json([&](Writer& w) {
      w.Key("node");
      write_device(w, r, *d, c.dns_domain(), c.relays());
    });
  }
  if (op == "nodes.set_attr") return set_attributes(c, req, now);
  if (op == "nodes.approve" || op == "nodes.expire" || op == "nodes.rotate" ||
      op == "nodes.remove")
    return device_op(c, op, req, now);
  if (op == "nodes.set_expiry") {
    auto id = uint_field(req, "id");
    if (!id) return error_json("admin.request", "nodes set-expiry needs a numeric \"id\"");
    if (bool_field(req, "never"))
      return status_json(c.set_key_expiry(coord::DeviceId{*id}, std::nullopt, now));
    auto after = seconds_field(req, std::chrono::hours(24 * 365 * 100));
    if (!after || *after <= core::Duration::zero())
      return error_json("admin.request",
                        "nodes set-expiry needs \"expiry_seconds\" (positive) or \"never\": true");
    return status_json(c.set_key_expiry(coord::DeviceId{*id}, after, now));
  }
  if (op.rfind("tokens.", 0) == 0) return tokens_op(c, op, req, now, rng);
  if (op == "nodes.tag") {
    auto id = uint_field(req, "id");
    auto tags = req.FindMember("tags");
    if (!id || tags == req.MemberEnd() || !tags->value.IsArray())
      return error_json("admin.request", "nodes tag needs \"id\" and \"tags\"");
    std::vector<std::string> t;
    for (const auto& x : tags->value.GetArray())
      if (x.IsString()) t.emplace_back(x.GetString(), x.GetStringLength());
    return status_json(c.set_tags(coord::DeviceId{*id}, t, now));
  }
  if (op.rfind("routes.", 0) == 0) return routes_op(c, op, req, now);
  if (op.rfind("policy.", 0) == 0) return policy_op(c, op, req, now);
  if (op.rfind("dns.", 0) == 0) return dns_op(c, op, req, now);
  if (op == "tailnet.export") return tailnet_export(c);
  if (op == "status") {
    const coord::CoordinatorCounters& k = c.counters();
    return ok_json([&](Writer& w) {
      w.Key("streams");
      w.Uint64(c.streams());
      w.Key("devices");
      w.Uint64(r.devices().size());
      w.Key("connections");
      w.Uint64(k.connections);
      w.Key("registrations");
      w.Uint64(k.registrations);
      w.Key("registrations_refused");
      w.Uint64(k.registrations_refused);
      w.Key("handshakes_refused");
      w.Uint64(k.handshakes_refused);
      w.Key("version_mismatches");
      w.Uint64(k.version_mismatches);
      w.Key("frames_refused");
      w.Uint64(k.frames_refused);
      w.Key("messages_malformed");
      w.Uint64(k.messages_malformed);
      w.Key("full_maps_sent");
      w.Uint64(k.full_maps_sent);
      w.Key("deltas_sent");
      w.Uint64(k.deltas_sent);
      w.Key("slow_readers_closed");
      w.Uint64(k.slow_readers_closed);
      w.Key("messages_unsendable");
      w.Uint64(k.messages_unsendable);
      w.Key("store_failures");
      w.Uint64(k.store_failures);
    });
  }
  return error_json("admin.request", "unknown op \"" + op + "\"");
}

}  // namespace weft::serve
