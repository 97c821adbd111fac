// `weft admin --state DIR ...`: the operator's commands, sent to a running `weft serve` over the
// admin socket in its state directory, or with `--server URL --token-file FILE` over its HTTP
// admin API (admin_remote.h). Tables for people, --json for tools (the server's answer
// as it is). Exit codes: 0 done, 1 the server refused (or the policy is invalid), 2 usage or
// connection error.
#include <rapidjson/document.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "admin_remote.h"
#include "commands.h"
#include "runtime/bounded_read.h"
#include "serve/admin_client.h"
#include "util/duration.h"

namespace weft::cli {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

std::string text_of(const rapidjson::Value& v, const char* name) {
  auto it = v.FindMember(name);
  if (it == v.MemberEnd()) return "";
  if (it->value.IsString()) return it->value.GetString();
  if (it->value.IsBool()) return it->value.GetBool() ? "yes" : "no";
  if (it->value.IsUint64()) return std::to_string(it->value.GetUint64());
  if (it->value.IsInt64()) return std::to_string(it->value.GetInt64());
  return "";
}

std::string time_of(const rapidjson::Value& v, const char* name) {
  auto it = v.FindMember(name);
  if (it == v.MemberEnd() || !it->value.IsInt64()) return "-";
  const std::time_t t = static_cast<std::time_t>(it->value.GetInt64());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%SZ", &tm);
  return buf;
}

std::string joined(const rapidjson::Value& v, const char* name) {
  auto it = v.FindMember(name);
  if (it == v.MemberEnd() || !it->value.IsArray()) return "";
  std::string out;
  for (const auto& x : it->value.GetArray()) {
    if (!x.IsString()) continue;
    if (!out.empty()) out += ",";
    out += x.GetString();
  }
  return out;
}

std::size_t items_of(const rapidjson::Value& v, const char* name) {
  auto it = v.FindMember(name);
  return it != v.MemberEnd() && it->value.IsArray() ? it->value.Size() : 0;
}

// Columns padded to their widest cell.
void print_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width;
  for (const auto& r : rows)
    for (std::size_t i = 0; i < r.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], r[i].size());
    }
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 2, ' ');
    }
    std::cout << line << "\n";
  }
}

std::string build_request(const AdminOptions& o, std::string* policy_text) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("op");
  // unset-attr is set-attr's "unset" half: one operation on the server.
  const std::string action = o.action == "unset_attr" ? "set_attr" : o.action;
  w.String((action.empty() ? o.area : o.area + "." + action).c_str());

  if (!o.email.empty()) {
    w.Key("email");
    w.String(o.email.c_str());
  }
  if (!o.role.empty()) {
    w.Key("role");
    w.String(o.role.c_str());
  }
  if (!o.user.empty()) {
    w.Key("user");
    w.String(o.user.c_str());
  }
  if (o.reusable) {
    w.Key("reusable");
    w.Bool(true);
  }
  if (o.ephemeral) {
    w.Key("ephemeral");
    w.Bool(true);
  }
  if (o.all) {
    w.Key("all");
    w.Bool(true);
  }
  if (!o.scope.empty()) {
    w.Key("scope");
    w.String(o.scope.c_str());
  }
  if (o.action == "set_expiry" && o.expiry == "never") {
    w.Key("never");
    w.Bool(true);
  }
  if (!o.tags.empty()) {
    w.Key("tags");
    w.StartArray();
    for (const auto& t : o.tags) w.String(t.c_str());
    w.EndArray();
  }
  if (!o.routes.empty()) {
    w.Key("routes");
    w.StartArray();
    for (const auto& r : o.routes) w.String(r.c_str());
    w.EndArray();
  }
  if (!o.expiry_seconds.empty()) {
    w.Key("expiry_seconds");
    w.Uint64(std::stoull(o.expiry_seconds));
  }
  if (!o.id.empty()) {
    w.Key("id");
    if (o.area == "nodes" || o.area == "routes")
      w.Uint64(std::stoull(o.id));
    else
      w.String(o.id.c_str());
  }
  if (!o.attributes.empty() && o.action == "unset_attr") {
    w.Key("unset");
    w.StartArray();
    for (const auto& name : o.attributes) w.String(name.c_str());
    w.EndArray();
  } else if (!o.attributes.empty()) {
    w.Key("set");
    w.StartObject();
    for (const auto& a : o.attributes) {  // NAME=VALUE (run_admin checked the '=')
      const auto eq = a.find('=');
      w.Key(a.substr(0, eq).c_str());
      w.String(a.substr(eq + 1).c_str());
    }
    w.EndObject();
  }
  if (o.area == "dns" && o.action == "set") {
    for (const auto& [key, list] : {std::pair<const char*, const std::vector<std::string>*>{
                                        "nameservers", &o.nameservers},
                                    {"search_domains", &o.search_domains},
                                    {"split", &o.split_dns}}) {
      w.Key(key);
      w.StartArray();
      for (const auto& s : *list) w.String(s.c_str());
      w.EndArray();
    }
  }
  if (policy_text != nullptr) {
    w.Key("text");
    w.String(policy_text->c_str(), static_cast<rapidjson::SizeType>(policy_text->size()));
  }
  w.EndObject();
  return buf.GetString();
}

// The tailnet file of `weft acl check --tailnet` (docs/policy.md, "The tailnet file"): the
// server's answer, one user or device a line so that diffs of exports read well.
int write_tailnet(const AdminOptions& o, const rapidjson::Value& r) {
  auto line = [](const rapidjson::Value& v) {
    rapidjson::StringBuffer buf;
    Writer w(buf);
    v.Accept(w);
    return std::string(buf.GetString());
  };
  std::string out =
      "// The tailnet of a weft server, written by `weft admin tailnet export` for\n"
      "// `weft acl check --tailnet FILE` (format: docs/policy.md, \"The tailnet file\").\n{\n";
  // Groups synced from the identity provider, one a line; none without logins.
  auto groups = r.FindMember("groups");
  const bool has_groups = groups != r.MemberEnd() && groups->value.IsObject() &&
                          groups->value.MemberCount() > 0;
  for (const char* section : {"users", "devices"}) {
    out += std::string("  \"") + section + "\": [";
    const auto& items = r[section].GetArray();
    for (rapidjson::SizeType i = 0; i < items.Size(); ++i)
      out += std::string(i ? ",\n" : "\n") + "    " + line(items[i]);
    out += items.Empty() ? "]" : "\n  ]";
    out += section == std::string("users") || has_groups ? ",\n" : "\n";
  }
  if (has_groups) {
    out += "  \"groups\": {";
    const char* sep = "\n";
    for (const auto& g : groups->value.GetObject()) {
      out += std::string(sep) + "    " + line(g.name) + ": " + line(g.value);
      sep = ",\n";
    }
    out += "\n  }\n";
  }
  out += "}\n";
  if (o.output.empty()) {
    std::cout << out;
    return 0;
  }
  std::ofstream file(o.output, std::ios::binary | std::ios::trunc);
  file << out;
  file.close();
  if (!file) {
    std::cerr << "weft admin: cannot write " << o.output << "\n";
    return 2;
  }
  std::cerr << "weft admin: wrote " << o.output << " (" << items_of(r, "users") << " users, "
            << items_of(r, "devices") << " devices"
            << (has_groups ? ", " + std::to_string(groups->value.MemberCount()) + " synced groups" : "")
            << ")\n";
  return 0;
}

// "NAME=VALUE,..." of an object of text values; "-" when empty.
std::string pairs(const rapidjson::Value& v, const char* name) {
  auto it = v.FindMember(name);
  std::string out;
  if (it != v.MemberEnd() && it->value.IsObject())
    for (const auto& m : it->value.GetObject()) {
      if (!m.value.IsString()) continue;
      if (!out.empty()) out += ",";
      out += std::string(m.name.GetString()) + "=" + m.value.GetString();
    }
  return out.empty() ? "-" : out;
}

// `nodes show ID`: one field a line.
void print_node(const rapidjson::Value& n) {
  std::string owner = joined(n, "tags");
  if (owner.empty()) owner = text_of(n, "user");
  const std::vector<std::vector<std::string>> rows = {
      {"id", text_of(n, "id")},
      {"hostname", text_of(n, "hostname")},
      {"dns name", text_of(n, "dns_name")},
      {"owner", owner},
      {"state", text_of(n, "state")},
      {"online", text_of(n, "online")},
      {"addresses", joined(n, "addresses")},
      {"endpoints", joined(n, "endpoints")},
      {"os", text_of(n, "os")},
      {"os version", text_of(n, "os_version")},
      {"client version", text_of(n, "client_version")},
      {"posture", pairs(n, "posture")},
      {"set by operator", pairs(n, "attributes")},
      {"node key", text_of(n, "node_key")},
      {"machine key", text_of(n, "machine_key")},
      {"created", time_of(n, "created")},
      {"last seen", time_of(n, "last_seen")},
      {"expires", time_of(n, "key_expiry")},
      {"policy version", text_of(n, "policy_version")},
  };
  print_table(rows);
}

int print_policy_outcome(const AdminOptions& o, const rapidjson::Value& r) {
  const bool valid = text_of(r, "valid") == "yes";
  auto findings = r.FindMember("findings");
  if (findings != r.MemberEnd() && findings->value.IsArray())
    for (const auto& f : findings->value.GetArray())
      std::cerr << o.file << ":" << text_of(f, "line") << ":" << text_of(f, "column") << ": "
                << text_of(f, "severity") << ": " << text_of(f, "message") << "\n";
  auto tests = r.FindMember("failed_tests");
  if (tests != r.MemberEnd() && tests->value.IsArray())
    for (const auto& t : tests->value.GetArray())
      if (t.IsString()) std::cerr << o.file << ":" << t.GetString() << "\n";
  if (!valid) {
    if (o.action == "set")
      std::cerr << "weft admin: " << o.file
                << ": policy refused; the policy in force is unchanged\n";
    else
      std::cerr << "weft admin: " << o.file << ": the server would refuse this policy\n";
    return 1;
  }
  if (o.action == "set")
    std::cout << "policy version " << text_of(r, "version") << " applied\n";
  else
    std::cout << o.file << ": valid\n";
  return 0;
}

int render(const AdminOptions& o, const rapidjson::Document& r) {
  const std::string what = o.area + "." + o.action;
  if (what == "users.list") {
    std::vector<std::vector<std::string>> rows = {{"ID", "EMAIL", "ROLE", "CREATED"}};
    for (const auto& u : r["users"].GetArray())
      rows.push_back({text_of(u, "id"), text_of(u, "email"), text_of(u, "role"),
                      time_of(u, "created")});
    print_table(rows);
  } else if (what == "users.create") {
    const auto& u = r["user"];
    std::cout << "user " << text_of(u, "email") << " (" << text_of(u, "role") << ") created, id "
              << text_of(u, "id") << "\n";
  } else if (what == "nodes.show") {
    print_node(r["node"]);
  } else if (what == "keys.create") {
    std::cout << text_of(r, "key") << "\n";  // the key alone: scripts capture it
    std::cerr << "weft admin: key " << text_of(r, "id")
              << " created; it is shown only this once\n";
  } else if (what == "keys.list") {
    std::vector<std::vector<std::string>> rows = {{"ID", "USER", "REUSABLE", "EPHEMERAL", "TAGS",
                                                   "CREATED", "LAST USED", "EXPIRES", "USES",
                                                   "REVOKED"}};
    for (const auto& k : r["keys"].GetArray())
      rows.push_back({text_of(k, "id"), text_of(k, "user"), text_of(k, "reusable"),
                      text_of(k, "ephemeral"), joined(k, "tags"), time_of(k, "created"),
                      time_of(k, "last_used"), time_of(k, "expires"), text_of(k, "uses"),
                      text_of(k, "revoked")});
    print_table(rows);
  } else if (what == "tokens.create") {
    std::cout << text_of(r, "token") << "\n";  // the token alone: scripts capture it
    std::cerr << "weft admin: token " << text_of(r, "id") << " (scope " << text_of(r, "scope")
              << ") created, expires " << time_of(r, "expires")
              << "; it is shown only this once\n";
  } else if (what == "tokens.list") {
    std::vector<std::vector<std::string>> rows = {
        {"ID", "SCOPE", "CREATED", "LAST USED", "EXPIRES", "USES", "REVOKED"}};
    for (const auto& t : r["tokens"].GetArray())
      rows.push_back({text_of(t, "id"), text_of(t, "scope"), time_of(t, "created"),
                      time_of(t, "last_used"), time_of(t, "expires"), text_of(t, "uses"),
                      text_of(t, "revoked")});
    print_table(rows);
  } else if (what == "nodes.list") {
    std::vector<std::vector<std::string>> rows = {
        {"ID", "HOSTNAME", "OWNER", "ADDRESSES", "STATE", "ONLINE", "RELAY", "CREATED",
         "LAST SEEN", "EXPIRES", "ATTRIBUTES"}};
    for (const auto& n : r["nodes"].GetArray()) {
      std::string owner = joined(n, "tags");
      if (owner.empty()) owner = text_of(n, "user");
      std::string relay = text_of(n, "home_region_code");
      if (relay.empty()) relay = text_of(n, "home_region") == "0" ? "-" : text_of(n, "home_region");
      rows.push_back({text_of(n, "id"), text_of(n, "hostname"), owner, joined(n, "addresses"),
                      text_of(n, "state"), text_of(n, "online"), relay, time_of(n, "created"),
                      time_of(n, "last_seen"), time_of(n, "key_expiry"), pairs(n, "attributes")});
    }
    print_table(rows);
  } else if (what == "routes.list") {
    std::vector<std::vector<std::string>> rows = {
        {"ID", "HOSTNAME", "ADVERTISED", "APPROVED", "AUTO-APPROVED", "PRIMARY"}};
    auto cell = [](const rapidjson::Value& v, const char* name) {
      std::string s = joined(v, name);
      return s.empty() ? std::string("-") : s;
    };
    for (const auto& n : r["routes"].GetArray())
      rows.push_back({text_of(n, "id"), text_of(n, "hostname"), cell(n, "advertised"),
                      cell(n, "approved"), cell(n, "auto_approved"), cell(n, "primary")});
    print_table(rows);
  } else if (what == "policy.get") {
    std::cout << text_of(r, "text");
    std::cerr << "weft admin: policy version " << text_of(r, "version") << "\n";
  } else if (what == "policy.history") {
    std::vector<std::vector<std::string>> rows = {{"VERSION", "APPLIED", "BYTES"}};
    for (const auto& p : r["history"].GetArray())
      rows.push_back({text_of(p, "version"), time_of(p, "applied"), text_of(p, "bytes")});
    print_table(rows);
  } else if (o.area == "policy") {
    return print_policy_outcome(o, r);
  } else if (o.area == "dns") {
    std::cout << "tailnet domain  " << text_of(r, "domain") << "\n";
    const std::string servers = joined(r, "nameservers");
    std::cout << "nameservers     " << (servers.empty() ? "none (only tailnet names resolve)" : servers)
              << "\n";
    const std::string search = joined(r, "search_domains");
    std::cout << "search domains  " << (search.empty() ? "-" : search) << "\n";
    for (const auto& route : r["routes"].GetArray())
      std::cout << "split DNS       " << text_of(route, "domain") << " -> "
                << joined(route, "nameservers") << "\n";
  } else if (what == "tailnet.export") {
    return write_tailnet(o, r);
  } else if (o.area == "status") {
    for (const auto& m : r.GetObject())
      if (m.value.IsUint64()) std::cout << m.name.GetString() << " " << m.value.GetUint64() << "\n";
  } else {
    std::cout << "done\n";
  }
  return 0;
}

}  // namespace

int run_admin(AdminOptions o) {
  if (o.state_dir.empty() && o.server.empty()) {
    std::cerr << "weft admin: give --state DIR (the admin socket) or --server URL --token-file "
                 "FILE (the HTTP admin API)\n";
    return 2;
  }
  if (!o.expiry.empty() && !(o.action == "set_expiry" && o.expiry == "never")) {
    auto d = util::parse_duration(o.expiry, util::DurationDays::kAccepted);
    if (!d || d->count() <= 0) {
      std::cerr << "weft admin: " << o.expiry << " is not a duration such as 90d or 12h"
                << (o.action == "set_expiry" ? " (or never)" : "") << "\n";
      return 2;
    }
    o.expiry_seconds =
        std::to_string(std::chrono::duration_cast<std::chrono::seconds>(*d).count());
  }
  if ((o.area == "nodes" || o.area == "routes") && !o.id.empty() &&
      o.id.find_first_not_of("0123456789") != std::string::npos) {
    std::cerr << "weft admin: node ID must be a number (see weft admin nodes list)\n";
    return 2;
  }
  if (o.action == "set_attr")
    for (const auto& a : o.attributes)
      if (a.find('=') == std::string::npos || a.find('=') == 0) {
        std::cerr << "weft admin: " << a << ": give NAME=VALUE (custom:trusted=yes)\n";
        return 2;
      }
  std::string text;
  std::string* policy_text = nullptr;
  if (o.area == "policy" && (o.action == "set" || o.action == "check")) {
    auto file = runtime::read_bounded_file(o.file, 16u << 20);
    if (!file) {
      std::cerr << "weft admin: " << o.file << ": " << file.error().detail << "\n";
      return 2;
    }
    text = std::move(file->bytes);
    policy_text = &text;
  }
  const std::string request = build_request(o, policy_text);
  auto answer = o.server.empty()
                    ? serve::admin_call(o.state_dir + "/admin.sock", request)
                    : api_admin_call(o.server, o.token_file, o.ca_file, request);
  if (!answer) {
    std::cerr << "weft admin: " << answer.error().detail << "\n";
    return 2;
  }
  rapidjson::Document r;
  r.Parse(answer->c_str());
  if (r.HasParseError() || !r.IsObject()) {
    std::cerr << "weft admin: the server's answer is not JSON\n";
    return 2;
  }
  if (r.HasMember("error")) {
    const auto& e = r["error"];
    std::cerr << "weft admin: " << text_of(e, "message") << " (" << text_of(e, "code") << ")\n";
    return 1;
  }
  if (o.json) {
    std::cout << *answer << "\n";
    if (o.area == "policy" && r.HasMember("valid") && !r["valid"].GetBool()) return 1;
    return 0;
  }
  return render(o, r);
}

}  // namespace weft::cli
