// `weft ping PEER [-c N] [--until-direct] [--icmp] [--state DIR]`: discovery pings by default
// (which way the peer is reached: directly or through a relay, issue 11), or ICMP echo through
// the tunnel, where the packet filters apply (issue 9, "Local API"): one line per pong or
// timeout (node::PingReport), exit 1 when nothing answered or, with --until-direct, when no
// pong came directly.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>
#include <iostream>

#include "node/local_client.h"
#include "node/ping_text.h"
#include "node_commands.h"

namespace weft::cli {
namespace {

std::string request_of(const PingOptions& o, uint32_t count) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("op");
  w.String("ping");
  w.Key("peer");
  w.String(o.peer.c_str());
  w.Key("count");
  w.Uint(count);
  w.Key("mode");
  w.String(o.icmp ? "icmp" : "disco");
  if (o.until_direct) {
    w.Key("until_direct");
    w.Bool(true);
  }
  w.EndObject();
  return buf.GetString();
}

}  // namespace

int run_ping(const PingOptions& o) {
  const std::string dir = o.state_dir.empty() ? kDefaultNodeStateDir : o.state_dir;
  const uint32_t count =
      o.count != 0 ? o.count : (o.until_direct ? kUntilDirectPingCount : kDefaultPingCount);
  node::PingReport report(o.icmp ? node::PingMode::kIcmp : node::PingMode::kDisco, o.until_direct);
  bool refused = false;
  // The node sends a line per request at least every few seconds (interval + reply timeout).
  auto s = node::local_stream(dir, request_of(o, count), std::chrono::seconds(15),
                              [&](const std::string& line) {
    if (auto e = node::answer_error(line)) {
      std::cerr << "weft ping: " << e->detail << " (" << e->code << ")\n";
      refused = true;
      return;
    }
    std::cout << report.add(line);
    std::cout.flush();
  });
  if (!s.ok()) {
    std::cerr << "weft ping: " << s.error().detail << "\n";
    return 2;
  }
  if (refused) return 1;
  return report.exit_code();
}

}  // namespace weft::cli
