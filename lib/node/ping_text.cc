// `weft ping`'s text (ping_text.h): the node's ping answer lines read with rapidjson, each field
// type-checked (rapidjson asserts on a missing member), into the lines people read.
#include "node/ping_text.h"

#include <cmath>
#include <cstdio>

#include <rapidjson/document.h>

namespace weft::node {
namespace {

const char* text_of(const rapidjson::Value& v, const char* key) {
  auto it = v.FindMember(key);
  return it != v.MemberEnd() && it->value.IsString() ? it->value.GetString() : nullptr;
}

bool uint_of(const rapidjson::Value& v, const char* key, uint64_t& out) {
  auto it = v.FindMember(key);
  if (it == v.MemberEnd() || !it->value.IsUint64()) return false;
  out = it->value.GetUint64();
  return true;
}

}  // namespace

std::string rtt_text(double ms) {
  char buf[32];
  if (ms < 1) {
    std::snprintf(buf, sizeof buf, "%.2fms", ms < 0 ? 0.0 : ms);
  } else {
    std::snprintf(buf, sizeof buf, "%lldms", static_cast<long long>(std::llround(ms)));
  }
  return buf;
}

std::string PingReport::add(std::string_view line) {
  rapidjson::Document d;
  d.Parse(line.data(), line.size());
  if (d.HasParseError() || !d.IsObject()) return "";
  const bool disco = mode_ == PingMode::kDisco;
  if (d.HasMember("done")) {
    uint64_t sent = 0;
    uint64_t received = 0;
    if (!uint_of(d, "sent", sent) || !uint_of(d, "received", received)) return "";
    if (!until_direct_) {
      return std::to_string(sent) + " sent, " + std::to_string(received) + " received\n";
    }
    if (direct_) return "";
    return "no direct path to " + (who_.empty() ? std::string("the peer") : who_) + " after " +
           std::to_string(sent) + (sent == 1 ? " ping" : " pings") +
           (last_relay_.empty() ? std::string(": no pong came back")
                                : ": pongs came via relay \"" + last_relay_ + "\"") +
           "\n";
  }
  uint64_t seq = 0;
  const char* address = text_of(d, "address");
  if (!uint_of(d, "seq", seq) || address == nullptr) return "";
  // The peer's name in the netmap for discovery pings (as tailscale prints it); ICMP keeps the
  // name as given, as it always printed.
  const char* name = disco ? text_of(d, "name") : nullptr;
  if (name == nullptr || *name == '\0') name = text_of(d, "peer");
  who_ = std::string(name != nullptr ? name : "") + " (" + address + ")";
  auto rtt = d.FindMember("rtt_ms");
  if (rtt == d.MemberEnd() || !rtt->value.IsNumber()) {
    return std::string(disco ? "timeout: no pong from " : "timeout: no reply from ") + who_ +
           " seq=" + std::to_string(seq) + "\n";
  }
  const double ms = rtt->value.GetDouble();
  if (!disco) {
    ++received_;
    char text[32];
    std::snprintf(text, sizeof text, "%.2f ms", ms);
    return "pong from " + who_ + " seq=" + std::to_string(seq) + " in " + text + "\n";
  }
  const char* via = text_of(d, "via");
  std::string path;
  if (via != nullptr && via == std::string_view("relay") && text_of(d, "relay") != nullptr) {
    last_relay_ = text_of(d, "relay");
    path = "relay \"" + last_relay_ + "\"";
  } else if (via != nullptr && via == std::string_view("direct") &&
             text_of(d, "endpoint") != nullptr) {
    path = text_of(d, "endpoint");
    direct_ = true;
  } else {
    return "";
  }
  ++received_;
  return "pong from " + who_ + " via " + path + " in " + rtt_text(ms) + "\n";
}

int PingReport::exit_code() const {
  if (until_direct_) return direct_ ? 0 : 1;
  return received_ > 0 ? 0 : 1;
}

}  // namespace weft::node
