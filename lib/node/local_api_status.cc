// `weft status` (local_api_status.h): EngineStatus to JSON with rapidjson, the JSON back into a
// StatusView with exact type checks, and the table.
#include "node/local_api_status.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <utility>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace weft::node {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

int64_t unix_seconds(core::WallTime t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

void strings(Writer& w, const char* key, const std::vector<std::string>& values) {
  w.Key(key);
  w.StartArray();
  for (const auto& v : values) w.String(v.c_str());
  w.EndArray();
}

void addresses(Writer& w, const std::vector<util::IpAddress>& values) {
  w.Key("addresses");
  w.StartArray();
  for (const auto& a : values) w.String(a.to_string().c_str());
  w.EndArray();
}

void time_field(Writer& w, const char* key, const std::optional<core::WallTime>& t) {
  if (!t) return;
  w.Key(key);
  w.Int64(unix_seconds(*t));
}

/// The fields self and peers share (control::Peer and engine::PeerStatus name them alike).
template <class Node>
void write_identity(Writer& w, const Node& n) {
  w.Key("id");
  w.Uint64(n.id.value);
  w.Key("name");
  w.String(n.name.c_str());
  w.Key("dns_name");
  w.String(n.dns_name.c_str());
  addresses(w, n.addresses);
  w.Key("user");
  w.String(n.user.c_str());
  strings(w, "tags", n.tags);
  w.Key("os");
  w.String(n.os.c_str());
}

void write_self(Writer& w, const control::Peer& self) {
  w.Key("self");
  w.StartObject();
  write_identity(w, self);
  w.EndObject();
}

std::string endpoint_text(const engine::PeerStatus& p) {
  if (!p.endpoint.is_set()) return "";
  if (p.endpoint.is_relay()) {
    return "relay \"" +
           (p.relay_code.empty() ? std::to_string(p.endpoint.relay.relay) : p.relay_code) + "\"";
  }
  return p.endpoint.to_string();
}

// The home region, the relay connections and the last netcheck.
void write_connectivity(Writer& w, const engine::EngineStatus& s) {
  w.Key("home_region");
  w.Uint(s.home_region);
  w.Key("home_region_code");
  w.String(s.home_region_code.c_str());
  w.Key("relays");
  w.StartArray();
  for (const auto& r : s.relays) {
    w.StartObject();
    w.Key("region");
    w.Uint(r.region);
    w.Key("code");
    w.String(r.code.c_str());
    w.Key("node");
    w.String(r.node.c_str());
    w.Key("home");
    w.Bool(r.home);
    w.Key("ready");
    w.Bool(r.ready);
    if (r.rtt) {
      w.Key("rtt_ms");
      w.Double(std::chrono::duration<double, std::milli>(*r.rtt).count());
    }
    w.EndObject();
  }
  w.EndArray();
  if (!s.netcheck) return;
  const netcheck::Report& n = *s.netcheck;
  w.Key("netcheck");
  w.StartObject();
  w.Key("udp");
  w.Bool(n.udp);
  if (n.global_v4) {
    w.Key("global_v4");
    w.String(n.global_v4->to_string().c_str());
  }
  if (n.global_v6) {
    w.Key("global_v6");
    w.String(n.global_v6->to_string().c_str());
  }
  if (n.mapping_varies_by_dest_ip) {
    w.Key("mapping_varies_by_dest_ip");
    w.Bool(*n.mapping_varies_by_dest_ip);
  }
  w.Key("preferred_region");
  w.Uint(n.preferred_region);
  w.Key("region_latency_ms");
  w.StartObject();
  for (const auto& r : n.region_latencies) {
    w.Key(std::to_string(r.region).c_str());
    w.Double(std::chrono::duration<double, std::milli>(r.latency).count());
  }
  w.EndObject();
  w.EndObject();
}

void write_peer(Writer& w, const engine::PeerStatus& p) {
  w.StartObject();
  write_identity(w, p);
  w.Key("online");
  w.Bool(p.online);
  // `relay "fra"` through a relay, the address and port when direct (as tailscale status).
  w.Key("endpoint");
  w.String(endpoint_text(p).c_str());
  w.Key("relay");
  w.String(p.endpoint.is_relay() ? p.relay_code.c_str() : "");
  w.Key("home_region");
  w.Uint(p.home_region);
  // Discovery's view: direct, relay, idle or none; the last proven address and its round trip;
  // every candidate address.
  w.Key("path");
  w.String(disco::to_string(p.path));
  w.Key("direct");
  w.String(p.direct ? p.direct->to_string().c_str() : "");
  w.Key("direct_latency_ms");
  w.Double(std::chrono::duration<double, std::milli>(p.direct_latency).count());
  w.Key("candidates");
  w.StartArray();
  for (const auto& c : p.candidates) w.String(c.addr.to_string().c_str());
  w.EndArray();
  time_field(w, "last_handshake", p.last_handshake);
  w.Key("rx_bytes");
  w.Uint64(p.rx_bytes);
  w.Key("tx_bytes");
  w.Uint64(p.tx_bytes);
  w.EndObject();
}

// ---- reading back ----

struct Reader {
  bool ok = true;

  std::string text(const rapidjson::Value& v, const char* key) {
    auto it = v.FindMember(key);
    if (it == v.MemberEnd()) return "";
    if (!it->value.IsString()) ok = false;
    return it->value.IsString() ? it->value.GetString() : "";
  }
  bool flag(const rapidjson::Value& v, const char* key) {
    auto it = v.FindMember(key);
    if (it == v.MemberEnd()) return false;
    if (!it->value.IsBool()) ok = false;
    return it->value.IsBool() && it->value.GetBool();
  }
  uint64_t number(const rapidjson::Value& v, const char* key) {
    auto it = v.FindMember(key);
    if (it == v.MemberEnd()) return 0;
    if (!it->value.IsUint64()) ok = false;
    return it->value.IsUint64() ? it->value.GetUint64() : 0;
  }
  std::optional<int64_t> time(const rapidjson::Value& v, const char* key) {
    auto it = v.FindMember(key);
    if (it == v.MemberEnd()) return std::nullopt;
    if (!it->value.IsInt64()) {
      ok = false;
      return std::nullopt;
    }
    return it->value.GetInt64();
  }
  std::vector<std::string> list(const rapidjson::Value& v, const char* key) {
    std::vector<std::string> out;
    auto it = v.FindMember(key);
    if (it == v.MemberEnd()) return out;
    if (!it->value.IsArray()) {
      ok = false;
      return out;
    }
    for (const auto& x : it->value.GetArray()) {
      if (x.IsString()) {
        out.emplace_back(x.GetString());
      } else {
        ok = false;
      }
    }
    return out;
  }
  StatusRow row(const rapidjson::Value& v) {
    StatusRow r;
    if (!v.IsObject()) {
      ok = false;
      return r;
    }
    r.id = number(v, "id");
    r.name = text(v, "name");
    r.dns_name = text(v, "dns_name");
    r.addresses = list(v, "addresses");
    r.user = text(v, "user");
    r.tags = list(v, "tags");
    r.os = text(v, "os");
    r.online = flag(v, "online");
    r.endpoint = text(v, "endpoint");
    r.path = text(v, "path");
    r.relay = text(v, "relay");
    r.direct = text(v, "direct");
    r.last_handshake = time(v, "last_handshake");
    r.rx_bytes = number(v, "rx_bytes");
    r.tx_bytes = number(v, "tx_bytes");
    return r;
  }
};

// ---- the table ----

std::string clock_time(int64_t unix, int64_t utc_offset) {
  int64_t day = (unix + utc_offset) % 86400;
  if (day < 0) day += 86400;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d:%02d", static_cast<int>(day / 3600),
                static_cast<int>(day / 60 % 60), static_cast<int>(day % 60));
  return buf;
}

std::string ago(int64_t then, int64_t now) {
  const int64_t s = std::max<int64_t>(0, now - then);
  if (s < 60) return std::to_string(s) + "s ago";
  if (s < 3600) return std::to_string(s / 60) + "m" + std::to_string(s % 60) + "s ago";
  if (s < 86400) return std::to_string(s / 3600) + "h" + std::to_string(s / 60 % 60) + "m ago";
  return std::to_string(s / 86400) + "d ago";
}

std::string bytes(uint64_t n) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  std::size_t unit = 0;
  while (v >= 1024 && unit + 1 < std::size(kUnits)) {
    v /= 1024;
    ++unit;
  }
  char buf[32];
  if (unit == 0) {
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(n));
  } else {
    std::snprintf(buf, sizeof buf, "%.1f %s", v, kUnits[unit]);
  }
  return buf;
}

std::string owner(const StatusRow& r) {
  if (!r.tags.empty()) {
    std::string out;
    for (const auto& t : r.tags) out += (out.empty() ? "" : ",") + t;
    return out;
  }
  return r.user.empty() ? "-" : r.user;
}

std::string first_address(const StatusRow& r) {
  return r.addresses.empty() ? "-" : r.addresses.front();
}

std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

// The ENDPOINT column: discovery's path (docs/connectivity.md, "Path selection"); a node that
// does not report one (an older build) shows WireGuard's endpoint as before.
std::string path_text(const StatusRow& p) {
  if (p.path == "direct") return "direct " + (p.direct.empty() ? p.endpoint : p.direct);
  if (p.path == "relay" && !p.relay.empty()) return "relay \"" + p.relay + "\"";
  if (p.path == "idle") return "idle";
  return or_dash(p.endpoint);
}

// Columns padded to their widest cell, two spaces apart; no padding after the last.
std::string table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width;
  for (const auto& r : rows)
    for (std::size_t i = 0; i < r.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], r[i].size());
    }
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace

std::string status_to_json(const engine::EngineStatus& s) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("has_netmap");
  w.Bool(s.has_netmap);
  w.Key("control_state");
  w.String(controlclient::to_string(s.control_state));
  if (!s.stop_code.empty()) {
    w.Key("stop_code");
    w.String(s.stop_code.c_str());
  }
  time_field(w, "offline_since", s.offline_since);
  time_field(w, "netmap_time", s.netmap_time);
  w.Key("from_cache");
  w.Bool(s.from_cache);
  w.Key("policy_version");
  w.Uint64(s.policy_version);
  if (s.has_netmap) write_self(w, s.self);
  // What this node reports to the server and sends in call-me-maybe (interfaces, STUN-observed).
  w.Key("endpoints");
  w.StartArray();
  for (const auto& e : s.endpoints) w.String(e.to_string().c_str());
  w.EndArray();
  write_connectivity(w, s);
  w.Key("peers");
  w.StartArray();
  for (const auto& p : s.peers) write_peer(w, p);
  w.EndArray();
  const std::pair<const char*, uint64_t> counters[] = {
      {"filter_denied", s.engine.filter_denied},
      {"netmaps_applied", s.engine.netmaps_applied},
      {"caches_loaded", s.engine.caches_loaded},
      {"caches_refused", s.engine.caches_refused},
      {"key_rotations", s.engine.key_rotations},
      {"pings_sent", s.engine.pings_sent},
      {"ping_replies", s.engine.ping_replies},
      {"filter_accepted_by_rule", s.filter.accepted_by_rule},
      {"filter_accepted_as_reply", s.filter.accepted_as_reply},
      {"relayed_out", s.engine.relayed_out},
      {"netchecks", s.engine.netchecks},
      {"stun_consumed", s.engine.stun_consumed},
      {"home_changes", s.engine.home_changes},
      {"relay_dials", s.relay_stats.dials},
      {"relay_dial_failures", s.relay_stats.dial_failures},
      {"relay_disconnects", s.relay_stats.disconnects},
      {"relay_packets_sent", s.relay_stats.packets_sent},
      {"relay_packets_received", s.relay_stats.packets_received},
      {"relay_send_dropped", s.relay_stats.send_dropped},
      {"relay_peer_gone", s.relay_stats.peer_gone},
      {"disco_pings_sent", s.disco.pings_sent},
      {"disco_pongs_sent", s.disco.pongs_sent},
      {"disco_call_me_maybe_sent", s.disco.call_me_maybe_sent},
      {"disco_pings_received", s.disco.pings_received},
      {"disco_pongs_received", s.disco.pongs_received},
      {"disco_call_me_maybe_received", s.disco.call_me_maybe_received},
      {"disco_direct_upgrades", s.disco.direct_upgrades},
      {"disco_direct_changes", s.disco.direct_changes},
      {"disco_relay_fallbacks", s.disco.relay_fallbacks},
      {"disco_unknown_sender", s.disco.unknown_sender},
      {"disco_bad_message", s.disco.bad_message},
      {"disco_wrong_node_key", s.disco.wrong_node_key},
      {"disco_unexpected_pong", s.disco.unexpected_pong},
      {"disco_transmit_overflow", s.disco.transmit_overflow},
      {"disco_replayed_ping", s.disco.replayed_ping},
      {"disco_unusable_address", s.disco.unusable_address},
      {"disco_call_me_maybe_limited", s.disco.call_me_maybe_limited},
      {"disco_ping_backs_limited", s.disco.ping_backs_limited},
      {"disco_oversized", s.disco.oversized},
  };
  w.Key("counters");
  w.StartObject();
  for (const auto& [key, value] : counters) {
    w.Key(key);
    w.Uint64(value);
  }
  w.EndObject();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

Result<StatusView> status_from_json(std::string_view json) {
  rapidjson::Document d;
  d.Parse(json.data(), json.size());
  if (d.HasParseError() || !d.IsObject()) {
    return make_error("local.bad_answer", "the node's status answer is not a JSON object");
  }
  Reader r;
  StatusView v;
  v.has_netmap = r.flag(d, "has_netmap");
  v.control_state = r.text(d, "control_state");
  v.stop_code = r.text(d, "stop_code");
  v.offline_since = r.time(d, "offline_since");
  v.netmap_time = r.time(d, "netmap_time");
  v.from_cache = r.flag(d, "from_cache");
  v.policy_version = r.number(d, "policy_version");
  v.home_region = r.text(d, "home_region_code");
  if (auto it = d.FindMember("self"); it != d.MemberEnd()) v.self = r.row(it->value);
  auto peers = d.FindMember("peers");
  if (peers != d.MemberEnd() && peers->value.IsArray()) {
    for (const auto& p : peers->value.GetArray()) v.peers.push_back(r.row(p));
  } else {
    r.ok = false;
  }
  if (!r.ok) {
    return make_error("local.bad_answer", "the node's status answer has fields of the wrong type");
  }
  return v;
}

std::string format_status(const StatusView& s, const StatusFormat& f) {
  std::string out;
  if (s.control_state == "stopped") {
    out += "the coordination server stopped this node" +
           (s.stop_code.empty() ? std::string() : " (" + s.stop_code + ")") +
           "; it has no peers until it registers again\n";
  }
  if (!s.has_netmap) {
    if (s.control_state != "stopped") {
      out += "no netmap yet (control: " + or_dash(s.control_state) + ")\n";
    }
    return out;
  }
  if (s.control_state != "streaming" && s.control_state != "stopped") {
    out += "coordination server unreachable";
    if (s.offline_since) out += " since " + clock_time(*s.offline_since, f.utc_offset);
    out += s.from_cache ? "; using the netmap cached" : "; using the netmap received";
    if (s.netmap_time) out += " at " + clock_time(*s.netmap_time, f.utc_offset);
    out += ", policy version " + std::to_string(s.policy_version) + "\n";
  }
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"ADDRESS", "NAME", "OWNER", "OS", "ONLINE", "ENDPOINT", "HANDSHAKE", "RX", "TX"});
  rows.push_back({first_address(s.self), or_dash(s.self.name), owner(s.self), or_dash(s.self.os),
                  "self",
                  s.home_region.empty() ? "-" : "home relay \"" + s.home_region + "\"", "-",
                  "-", "-"});
  for (const auto& p : s.peers) {
    rows.push_back({first_address(p), or_dash(p.name), owner(p), or_dash(p.os),
                    p.online ? "online" : "offline", path_text(p),
                    p.last_handshake ? ago(*p.last_handshake, f.now) : "never",
                    bytes(p.rx_bytes), bytes(p.tx_bytes)});
  }
  out += table(rows);
  return out;
}

}  // namespace weft::node
