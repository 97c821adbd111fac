// `weft netcheck [--server URL | --relay-map FILE] [--format text|json] [--timeout DUR]`: UDP
// reachability, the public address, the NAT's mapping behaviour and each relay region's latency
// (docs/connectivity.md, "Netcheck"), printed like `tailscale netcheck` or as JSON for scripts.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <string>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "commands.h"
#include "node/netcheck_run.h"
#include "relay/relay_map.h"
#include "runtime/bounded_read.h"
#include "util/duration.h"

namespace weft::cli {
namespace {

// A relay map is a few kilobytes; a megabyte is a mistake (a wrong file), not a map.
constexpr std::size_t kMaxRelayMapBytes = 1 << 20;

double ms(core::Duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

std::string format_ms(core::Duration d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fms", ms(d));
  return buf;
}

const control::RelayRegion* find_region(const std::vector<control::RelayRegion>& map, uint16_t id) {
  for (const auto& r : map) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

void print_text(const std::vector<control::RelayRegion>& map, const node::NetcheckRun& run) {
  const netcheck::Report& r = run.report;
  std::cout << "\nReport:\n";
  std::cout << "\t* UDP: " << (r.udp ? "true" : "false") << "\n";
  std::cout << "\t* IPv4: " << (r.global_v4 ? "yes, " + r.global_v4->to_string() : "(no addr found)")
            << "\n";
  std::cout << "\t* IPv6: " << (r.global_v6 ? "yes, " + r.global_v6->to_string() : "no") << "\n";
  std::cout << "\t* MappingVariesByDestIP: "
            << (r.mapping_varies_by_dest_ip ? (*r.mapping_varies_by_dest_ip ? "true" : "false") : "")
            << "\n";
  const control::RelayRegion* preferred = find_region(map, r.preferred_region);
  std::cout << "\t* Nearest relay: " << (preferred ? preferred->name : "unknown (no response)")
            << "\n";
  std::cout << "\t* Relay latency:\n";
  for (const netcheck::RegionLatency& l : r.region_latencies) {
    const control::RelayRegion* region = find_region(map, l.region);
    std::cout << "\t\t- " << (region ? region->code : std::to_string(l.region)) << ": "
              << format_ms(l.latency) << "  (" << (region ? region->name : "") << ")\n";
  }
  for (const control::RelayRegion& region : map) {
    if (!r.latency_of(region.id)) {
      std::cout << "\t\t- " << region.code << ": no answer  (" << region.name << ")\n";
    }
  }
}

void print_json(const std::vector<control::RelayRegion>& map, const node::NetcheckRun& run) {
  const netcheck::Report& r = run.report;
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  auto address = [&](const char* key, const std::optional<core::SocketAddress>& a) {
    w.Key(key);
    if (a) {
      w.String(a->to_string().c_str());
    } else {
      w.Null();
    }
  };
  w.StartObject();
  w.Key("udp");
  w.Bool(r.udp);
  w.Key("ipv4");
  w.Bool(r.ipv4);
  address("globalV4", r.global_v4);
  w.Key("ipv6");
  w.Bool(r.ipv6);
  address("globalV6", r.global_v6);
  w.Key("mappingVariesByDestIP");
  if (r.mapping_varies_by_dest_ip) {
    w.Bool(*r.mapping_varies_by_dest_ip);
  } else {
    w.Null();
  }
  w.Key("preferredRegion");
  w.Uint(r.preferred_region);
  w.Key("regions");
  w.StartArray();
  for (const netcheck::RegionLatency& l : r.region_latencies) {
    const control::RelayRegion* region = find_region(map, l.region);
    w.StartObject();
    w.Key("id");
    w.Uint(l.region);
    w.Key("code");
    w.String(region ? region->code.c_str() : "");
    w.Key("name");
    w.String(region ? region->name.c_str() : "");
    w.Key("latencyMs");
    w.Double(ms(l.latency));
    w.Key("v4Ms");
    l.v4 ? w.Double(ms(*l.v4)) : w.Null();
    w.Key("v6Ms");
    l.v6 ? w.Double(ms(*l.v6)) : w.Null();
    w.EndObject();
  }
  w.EndArray();
  w.Key("unanswered");
  w.StartArray();
  for (const control::RelayRegion& region : map) {
    if (!r.latency_of(region.id)) w.Uint(region.id);
  }
  w.EndArray();
  w.Key("requestsSent");
  w.Uint64(run.stats.requests_sent);
  w.Key("elapsedMs");
  w.Double(ms(run.elapsed));
  w.EndObject();
  std::cout << buf.GetString() << "\n";
}

}  // namespace

int run_netcheck(const NetcheckOptions& options) {
  if (options.server.empty() == options.relay_map.empty()) {
    std::cerr << "weft netcheck: give one of --server URL or --relay-map FILE\n";
    return 2;
  }
  netcheck::Options core_options;
  if (!options.timeout.empty()) {
    const auto d = util::parse_duration(options.timeout);
    if (!d || d->count() <= 0) {
      std::cerr << "weft netcheck: --timeout: not a positive duration: " << options.timeout << "\n";
      return 2;
    }
    core_options.budget = std::chrono::duration_cast<core::Duration>(*d);
  }

  std::vector<control::RelayRegion> map;
  if (!options.relay_map.empty()) {
    auto text = runtime::read_bounded_file(options.relay_map, kMaxRelayMapBytes);
    if (!text.ok()) {
      std::cerr << "weft netcheck: " << options.relay_map << ": " << text.error().detail << "\n";
      return 2;
    }
    auto parsed = relay::parse_relay_map(text->bytes, options.relay_map);
    if (!parsed.ok()) {
      std::cerr << parsed.error().detail << "\n";
      return 2;
    }
    map = std::move(*parsed);
  } else {
    auto fetched = node::fetch_relay_map(
        options.server, options.ca_file,
        std::chrono::duration_cast<std::chrono::milliseconds>(core_options.budget));
    if (!fetched.ok()) {
      std::cerr << "weft netcheck: " << options.server << ": " << fetched.error().code << ": "
                << fetched.error().detail << "\n";
      return 2;
    }
    map = std::move(*fetched);
  }

  auto run = node::run_netcheck(map, core_options);
  if (!run.ok()) {
    std::cerr << "weft netcheck: " << run.error().code << ": " << run.error().detail << "\n";
    return 2;
  }
  if (options.format == "json") {
    print_json(map, *run);
  } else {
    print_text(map, *run);
  }
  return 0;
}

}  // namespace weft::cli
