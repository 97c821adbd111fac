// Reading and writing the relay map file (relay_map.h): every finding positioned, all of them
// reported at once, as `weft acl check` does for policies.
#include "relay/relay_map.h"

#include <cmath>
#include <set>

#include "hujson/parser.h"
#include "hujson/value.h"

namespace weft::relay {
namespace {

class Reader {
 public:
  explicit Reader(std::string_view file) : file_(file) {}

  void error(const hujson::Position& at, const std::string& message) {
    if (!findings_.empty()) findings_ += '\n';
    findings_ += file_ + ":" + std::to_string(at.line) + ":" + std::to_string(at.column) + ": " +
                 message;
  }
  bool failed() const { return !findings_.empty(); }
  const std::string& findings() const { return findings_; }

  // Flags members not in `known`.
  void only(const hujson::Value& object, std::initializer_list<std::string_view> known,
            const char* what) {
    for (const hujson::Member& m : object.members) {
      bool ok = false;
      for (std::string_view k : known) ok = ok || m.key == k;
      if (!ok) error(m.key_pos, std::string("unknown key \"") + m.key + "\" in " + what);
    }
  }

  const hujson::Value* string(const hujson::Value& object, const char* key, bool required,
                              const char* what) {
    const hujson::Value* v = object.find(key);
    if (v == nullptr) {
      if (required) error(object.pos, std::string(what) + " needs \"" + key + "\"");
      return nullptr;
    }
    if (!v->is_string() || v->text.empty() || v->text.size() > control::kMaxNameBytes) {
      error(v->pos, std::string("\"") + key + "\" must be a non-empty string of at most " +
                        std::to_string(control::kMaxNameBytes) + " bytes");
      return nullptr;
    }
    return v;
  }

  // An integer in [low, high]; `fallback` when absent (nullopt: required).
  std::optional<uint32_t> integer(const hujson::Value& object, const char* key, uint32_t low,
                                  uint32_t high, std::optional<uint32_t> fallback,
                                  const char* what) {
    const hujson::Value* v = object.find(key);
    if (v == nullptr) {
      if (!fallback) error(object.pos, std::string(what) + " needs \"" + key + "\"");
      return fallback;
    }
    if (!v->is_number() || v->number != std::floor(v->number) || v->number < low ||
        v->number > high) {
      error(v->pos, std::string("\"") + key + "\" must be an integer from " + std::to_string(low) +
                        " to " + std::to_string(high));
      return std::nullopt;
    }
    return static_cast<uint32_t>(v->number);
  }

  std::optional<util::IpAddress> address(const hujson::Value& object, const char* key,
                                         util::IpFamily family) {
    const hujson::Value* v = object.find(key);
    if (v == nullptr) return std::nullopt;
    std::optional<util::IpAddress> a;
    if (v->is_string()) a = util::IpAddress::parse(v->text);
    if (!a || a->family() != family) {
      error(v->pos, std::string("\"") + key + "\" must be a literal " +
                        (family == util::IpFamily::kV4 ? "IPv4" : "IPv6") + " address");
      return std::nullopt;
    }
    return a;
  }

 private:
  std::string file_;
  std::string findings_;
};

void read_node(Reader& r, const hujson::Value& v, std::set<std::string>& names,
               control::RelayRegion& region) {
  if (!v.is_object()) {
    r.error(v.pos, "a relay node must be an object");
    return;
  }
  r.only(v, {"name", "host", "ipv4", "ipv6", "relayPort", "stunPort", "tls"}, "a relay node");
  control::RelayNode n;
  if (const hujson::Value* name = r.string(v, "name", true, "a relay node")) {
    n.name = name->text;
    if (!names.insert(n.name).second)
      r.error(name->pos, "relay node name \"" + n.name + "\" is used twice");
  }
  n.ipv4 = r.address(v, "ipv4", util::IpFamily::kV4);
  n.ipv6 = r.address(v, "ipv6", util::IpFamily::kV6);
  if (const hujson::Value* host = r.string(v, "host", false, "a relay node")) {
    n.host = host->text;
  } else if (v.find("host") == nullptr) {
    if (n.ipv4) {
      n.host = n.ipv4->to_string();
    } else if (n.ipv6) {
      n.host = n.ipv6->to_string();
    } else if (v.find("ipv4") == nullptr && v.find("ipv6") == nullptr) {
      r.error(v.pos, "a relay node needs \"host\", \"ipv4\" or \"ipv6\"");
    }
  }
  if (!n.ipv4 && !n.ipv6) {
    // A literal host is its own address (STUN probes need one).
    if (auto a = util::IpAddress::parse(n.host)) (a->is_v4() ? n.ipv4 : n.ipv6) = a;
  }
  n.relay_port = static_cast<uint16_t>(
      r.integer(v, "relayPort", 1, 65535, std::nullopt, "a relay node").value_or(0));
  n.stun_port = static_cast<uint16_t>(
      r.integer(v, "stunPort", 0, 65535, kDefaultStunPort, "a relay node").value_or(0));
  if (const hujson::Value* tls = v.find("tls")) {
    if (!tls->is_bool())
      r.error(tls->pos, "\"tls\" must be true or false");
    else
      n.tls = tls->boolean;
  }
  region.nodes.push_back(std::move(n));
}

void read_region(Reader& r, const hujson::Value& v, std::set<uint32_t>& ids,
                 std::set<std::string>& codes, std::set<std::string>& node_names,
                 std::vector<control::RelayRegion>& out) {
  if (!v.is_object()) {
    r.error(v.pos, "a region must be an object");
    return;
  }
  r.only(v, {"id", "code", "name", "nodes"}, "a region");
  control::RelayRegion region;
  if (auto id = r.integer(v, "id", 1, 65535, std::nullopt, "a region")) {
    region.id = static_cast<uint16_t>(*id);
    if (!ids.insert(*id).second)
      r.error(v.find("id")->pos, "region id " + std::to_string(*id) + " is used twice");
  }
  if (const hujson::Value* code = r.string(v, "code", true, "a region")) {
    region.code = code->text;
    if (!codes.insert(region.code).second)
      r.error(code->pos, "region code \"" + region.code + "\" is used twice");
  }
  if (const hujson::Value* name = r.string(v, "name", false, "a region"))
    region.name = name->text;
  else
    region.name = region.code;
  const hujson::Value* nodes = v.find("nodes");
  if (nodes == nullptr || !nodes->is_array() || nodes->items.empty() ||
      nodes->items.size() > control::kMaxRelayNodesPerRegion) {
    r.error(nodes != nullptr ? nodes->pos : v.pos,
            "a region needs \"nodes\": an array of 1 to " +
                std::to_string(control::kMaxRelayNodesPerRegion) + " relay nodes");
  } else {
    for (const hujson::Value& n : nodes->items) read_node(r, n, node_names, region);
  }
  out.push_back(std::move(region));
}

}  // namespace

Result<std::vector<control::RelayRegion>> parse_relay_map(std::string_view text,
                                                          std::string_view file_name) {
  Reader r(file_name);
  hujson::ParseOutcome parsed = hujson::parse(text);
  for (const hujson::ParseError& e : parsed.errors) r.error(e.pos, e.message);
  if (r.failed() || !parsed.value) return make_error("relay.map", r.findings());
  const hujson::Value& root = *parsed.value;
  std::vector<control::RelayRegion> regions;
  if (!root.is_object()) {
    r.error(root.pos, "a relay map is an object with \"regions\"");
    return make_error("relay.map", r.findings());
  }
  r.only(root, {"regions"}, "the relay map");
  const hujson::Value* list = root.find("regions");
  if (list == nullptr || !list->is_array() || list->items.size() > control::kMaxRelayRegions) {
    r.error(list != nullptr ? list->pos : root.pos,
            "\"regions\" must be an array of at most " +
                std::to_string(control::kMaxRelayRegions) + " regions");
  } else {
    std::set<uint32_t> ids;
    std::set<std::string> codes, node_names;
    for (const hujson::Value& v : list->items) read_region(r, v, ids, codes, node_names, regions);
  }
  if (r.failed()) return make_error("relay.map", r.findings());
  return regions;
}

std::string relay_map_json(const std::vector<control::RelayRegion>& regions) {
  std::string out = "{\"regions\":[";
  for (std::size_t i = 0; i < regions.size(); ++i) {
    const control::RelayRegion& g = regions[i];
    if (i) out += ',';
    out += "{\"id\":" + std::to_string(g.id) + ",\"code\":";
    hujson::append_json_string(out, g.code);
    out += ",\"name\":";
    hujson::append_json_string(out, g.name);
    out += ",\"nodes\":[";
    for (std::size_t j = 0; j < g.nodes.size(); ++j) {
      const control::RelayNode& n = g.nodes[j];
      if (j) out += ',';
      out += "{\"name\":";
      hujson::append_json_string(out, n.name);
      out += ",\"host\":";
      hujson::append_json_string(out, n.host);
      if (n.ipv4) out += ",\"ipv4\":\"" + n.ipv4->to_string() + "\"";
      if (n.ipv6) out += ",\"ipv6\":\"" + n.ipv6->to_string() + "\"";
      out += ",\"relayPort\":" + std::to_string(n.relay_port) +
             ",\"stunPort\":" + std::to_string(n.stun_port) +
             ",\"tls\":" + (n.tls ? "true" : "false") + "}";
    }
    out += "]}";
  }
  out += "]}";
  return out;
}

}  // namespace weft::relay
