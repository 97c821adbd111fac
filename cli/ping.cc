// `weft ping PEER [-c N] [--state DIR]`: ICMP echo through the tunnel, where the packet filters
// apply (issue 9, "Local API"): one line per round trip or timeout, exit 1 when nothing replied.
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "node/local_client.h"
#include "node_commands.h"

namespace weft::cli {
namespace {

std::string request_of(const PingOptions& o) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("op");
  w.String("ping");
  w.Key("peer");
  w.String(o.peer.c_str());
  w.Key("count");
  w.Uint(o.count);
  w.EndObject();
  return buf.GetString();
}

}  // namespace

int run_ping(const PingOptions& o) {
  const std::string dir = o.state_dir.empty() ? kDefaultNodeStateDir : o.state_dir;
  uint64_t received = 0;
  bool refused = false;
  // The node sends a line per request at least every few seconds (interval + reply timeout).
  auto s = node::local_stream(dir, request_of(o), std::chrono::seconds(15),
                              [&](const std::string& line) {
    if (auto e = node::answer_error(line)) {
      std::cerr << "weft ping: " << e->detail << " (" << e->code << ")\n";
      refused = true;
      return;
    }
    rapidjson::Document d;
    d.Parse(line.c_str());
    if (d.HasParseError() || !d.IsObject()) return;
    if (d.HasMember("done")) {
      // An answer from another build may lack a field: rapidjson asserts on missing members.
      if (d.HasMember("sent") && d["sent"].IsUint() && d.HasMember("received") &&
          d["received"].IsUint()) {
        std::cout << d["sent"].GetUint() << " sent, " << d["received"].GetUint()
                  << " received\n";
      }
      return;
    }
    if (!d.HasMember("seq") || !d["seq"].IsUint() || !d.HasMember("address") ||
        !d["address"].IsString())
      return;
    const bool named = d.HasMember("peer") && d["peer"].IsString();
    const std::string who = std::string(named ? d["peer"].GetString() : "") +
                            " (" + d["address"].GetString() + ")";
    if (d.HasMember("rtt_ms") && d["rtt_ms"].IsNumber()) {
      ++received;
      char rtt[32];
      std::snprintf(rtt, sizeof rtt, "%.2f ms", d["rtt_ms"].GetDouble());
      std::cout << "pong from " << who << " seq=" << d["seq"].GetUint() << " in " << rtt << "\n";
    } else {
      std::cout << "timeout: no reply from " << who << " seq=" << d["seq"].GetUint() << "\n";
    }
    std::cout.flush();
  });
  if (!s.ok()) {
    std::cerr << "weft ping: " << s.error().detail << "\n";
    return 2;
  }
  if (refused || received == 0) return 1;
  return 0;
}

}  // namespace weft::cli
