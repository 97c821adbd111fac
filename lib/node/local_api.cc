// The node's local API (local_api.h): requests parsed with rapidjson, status and down answered
// at once, ping sessions (ICMP echo or discovery) paced by Asio timers on the node loop — one
// request at a time per session, the next one interval after the last was sent.
#include "node/local_api.h"

#include <algorithm>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "node/local_api_status.h"

namespace weft::node {

namespace asio = boost::asio;
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

struct PingSession {
  PingSession(asio::io_context& io, runtime::UnixReply r) : reply(std::move(r)), timer(io) {}
  runtime::UnixReply reply;
  asio::steady_timer timer;
  std::string peer;  // as the request named it
  std::string name;  // the peer's name in the netmap ("" when no peer has the address)
  util::IpAddress address;
  PingMode mode = PingMode::kIcmp;
  bool until_direct = false;  // end at the first pong that came directly
  bool direct = false;        // a pong came directly
  uint32_t count = 0;
  uint32_t sent = 0;
  uint32_t received = 0;
  std::optional<uint16_t> waiting;  // the seq of the request in flight
  std::chrono::steady_clock::time_point sent_at{};
};

namespace {

std::string error_line(std::string_view code, std::string_view message) {
  return runtime::json_error(code, message);
}

/// The peer `name` names (its name, its DNS name with or without the final dot, the first
/// label of it, or one of its addresses) and the address to ping: the one given, else its first.
struct Resolved {
  util::IpAddress address;
  std::string name;
};
std::optional<Resolved> resolve(const engine::EngineStatus& status, const std::string& name) {
  const std::optional<util::IpAddress> literal = util::IpAddress::parse(name);
  for (const auto& p : status.peers) {
    if (literal) {
      if (std::find(p.addresses.begin(), p.addresses.end(), *literal) != p.addresses.end())
        return Resolved{*literal, p.name};
      continue;
    }
    std::string dns = p.dns_name;
    if (!dns.empty() && dns.back() == '.') dns.pop_back();
    const std::string label = dns.substr(0, dns.find('.'));
    if ((name == p.name || name == dns || name == dns + "." || name == label) &&
        !p.addresses.empty())
      return Resolved{p.addresses.front(), p.name};
  }
  // An address no peer has: the engine answers why (engine.no_peer).
  if (literal) return Resolved{*literal, ""};
  return std::nullopt;
}

}  // namespace

struct LocalApi::Pong {
  core::Path via;
  std::string relay_code;
};

namespace {

/// How a discovery pong came back: "via":"direct" with its "endpoint", or "via":"relay" with
/// the region's "relay" code (its number when the code is unknown) and "region".
void write_via(Writer& w, const core::Path& via, const std::string& relay_code) {
  w.Key("via");
  if (via.is_relay()) {
    w.String("relay");
    w.Key("relay");
    w.String(relay_code.empty() ? std::to_string(via.relay.relay).c_str() : relay_code.c_str());
    w.Key("region");
    w.Uint(via.relay.relay);
  } else {
    w.String("direct");
    w.Key("endpoint");
    w.String(via.udp.to_string().c_str());
  }
}

std::string probe_line(const PingSession& s, uint16_t seq, bool replied, core::Duration rtt,
                       const core::Path* via, const std::string& relay_code) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("seq");
  w.Uint(seq);
  w.Key("peer");
  w.String(s.peer.c_str());
  w.Key("name");
  w.String(s.name.c_str());
  w.Key("address");
  w.String(s.address.to_string().c_str());
  if (replied) {
    w.Key("rtt_ms");
    w.Double(std::chrono::duration<double, std::milli>(rtt).count());
    if (via != nullptr) write_via(w, *via, relay_code);
  } else {
    w.Key("timeout");
    w.Bool(true);
  }
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

std::string done_line(const PingSession& s) {
  std::string line = "{\"done\":true,\"sent\":" + std::to_string(s.sent) +
                     ",\"received\":" + std::to_string(s.received);
  if (s.mode == PingMode::kDisco) line += std::string(",\"direct\":") + (s.direct ? "true" : "false");
  return line + "}";
}

}  // namespace

std::string local_socket_path(const std::string& state_dir) {
  if (!state_dir.empty() && state_dir.back() == '/') return state_dir + kLocalSocketName;
  return state_dir + "/" + kLocalSocketName;
}

LocalApi::LocalApi(asio::io_context& io, LocalApiHandler& handler, LocalApiOptions options)
    : io_(io), handler_(handler), options_(options), alive_(std::make_shared<bool>(true)) {}

Result<std::unique_ptr<LocalApi>> LocalApi::open(asio::io_context& io,
                                                const std::string& state_dir,
                                                LocalApiHandler& handler,
                                                LocalApiOptions options) {
  std::unique_ptr<LocalApi> api(new LocalApi(io, handler, options));
  runtime::UnixRequestOptions o;
  o.code_prefix = "local";
  o.forbidden_hint = "run weft status, ping and down as root or as the user that runs weft up";
  o.limits = options.limits;
  LocalApi* self = api.get();
  auto server = runtime::UnixRequestServer::open(
      io, local_socket_path(state_dir),
      [self](std::string_view request, runtime::UnixReply reply) {
        self->handle(request, std::move(reply));
      },
      std::move(o));
  if (!server.ok()) return server.error();
  api->server_ = std::move(*server);
  return api;
}

LocalApi::~LocalApi() {
  for (auto& [id, s] : sessions_) s->reply.end();
  sessions_.clear();
  server_.reset();
}

const std::string& LocalApi::path() const { return server_->path(); }

const runtime::UnixRequestCounters& LocalApi::counters() const { return server_->counters(); }

void LocalApi::handle(std::string_view request, runtime::UnixReply reply) {
  rapidjson::Document d;
  d.Parse(request.data(), request.size());
  auto op = d.IsObject() ? d.FindMember("op") : rapidjson::Value::MemberIterator();
  if (d.HasParseError() || !d.IsObject() || op == d.MemberEnd() || !op->value.IsString()) {
    reply.line(error_line("local.bad_request", "a request is one JSON object with an \"op\""));
    reply.end();
    return;
  }
  const std::string name = op->value.GetString();
  if (name == "status") {
    reply.line(status_to_json(handler_.status()));
    reply.end();
  } else if (name == "down") {
    reply.line("{\"ok\":true}");
    reply.end();
    // After this turn of the loop, so the answer is on its way before the node stops.
    asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_)] {
      if (alive.lock()) handler_.down();
    });
  } else if (name == "ping") {
    auto peer = d.FindMember("peer");
    auto count = d.FindMember("count");
    auto mode = d.FindMember("mode");
    auto until_direct = d.FindMember("until_direct");
    const bool disco = mode != d.MemberEnd() && mode->value.IsString() &&
                       mode->value.GetString() == std::string_view("disco");
    const bool icmp = mode == d.MemberEnd() || (mode->value.IsString() &&
                                                mode->value.GetString() == std::string_view("icmp"));
    const bool until = until_direct != d.MemberEnd() && until_direct->value.IsBool() &&
                       until_direct->value.GetBool();
    if (peer == d.MemberEnd() || !peer->value.IsString() ||
        (count != d.MemberEnd() && (!count->value.IsUint() || count->value.GetUint() == 0 ||
                                    count->value.GetUint() > kMaxPingCount)) ||
        (!disco && !icmp) ||
        (until_direct != d.MemberEnd() && !until_direct->value.IsBool()) || (until && !disco)) {
      reply.line(error_line("local.bad_request",
                            "ping takes \"peer\" (a name or an address), \"count\" (1 to " +
                                std::to_string(kMaxPingCount) +
                                "), \"mode\" (\"disco\" or \"icmp\") and, for disco, "
                                "\"until_direct\" (true or false)"));
      reply.end();
      return;
    }
    ping(peer->value.GetString(), count == d.MemberEnd() ? 1 : count->value.GetUint(),
         disco ? PingMode::kDisco : PingMode::kIcmp, until, std::move(reply));
  } else {
    reply.line(error_line("local.bad_request",
                          "unknown op \"" + name + "\" (status, ping, down)"));
    reply.end();
  }
}

void LocalApi::ping(const std::string& peer, uint32_t count, PingMode mode, bool until_direct,
                    runtime::UnixReply reply) {
  const std::optional<Resolved> resolved = resolve(handler_.status(), peer);
  if (!resolved) {
    reply.line(error_line("local.unknown_peer", "no peer of this node is named \"" + peer +
                                                    "\"; weft status lists its peers"));
    reply.end();
    return;
  }
  const uint64_t id = next_session_++;
  auto s = std::make_unique<PingSession>(io_, std::move(reply));
  s->peer = peer;
  s->name = resolved->name;
  s->address = resolved->address;
  s->mode = mode;
  s->until_direct = until_direct;
  s->count = count;
  sessions_.emplace(id, std::move(s));
  next_probe(id);
}

void LocalApi::next_probe(uint64_t id) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return;
  PingSession& s = *it->second;
  if (!s.reply.open()) {  // the caller went away (^C)
    sessions_.erase(it);
    return;
  }
  const uint16_t seq = next_seq_++;
  if (next_seq_ == 0) next_seq_ = 1;
  s.sent_at = std::chrono::steady_clock::now();
  // Waiting for the reply before the request leaves: with the data path's receive thread the
  // reply can arrive, and be handed to ping_reply() by the hook that runs after the send,
  // before send_ping() returns. Counted as sent before, too: the reply may end the session.
  ++s.sent;
  s.waiting = seq;
  const Status sent = s.mode == PingMode::kDisco ? handler_.send_disco_ping(s.address, seq)
                                                 : handler_.send_ping(s.address, seq);
  it = sessions_.find(id);  // the reply may have ended the session meanwhile
  if (it == sessions_.end()) return;
  PingSession& after = *it->second;
  if (!sent.ok()) {
    after.reply.line(error_line(sent.error().code, sent.error().detail));
    after.reply.end();
    sessions_.erase(it);
    return;
  }
  if (after.waiting != seq) return;  // answered already; probe_done() went on from there
  after.timer.expires_after(options_.ping_timeout);
  after.timer.async_wait([this, id, alive = std::weak_ptr<bool>(alive_)](
                         const boost::system::error_code& ec) {
    if (ec || !alive.lock()) return;
    probe_done(id, false, core::Duration{});
  });
}

void LocalApi::ping_reply(const util::IpAddress& peer, uint16_t seq, core::Duration rtt) {
  for (auto& [id, s] : sessions_) {
    if (s->mode != PingMode::kIcmp || s->waiting != seq || s->address != peer) continue;
    probe_done(id, true, rtt);
    return;
  }
}

void LocalApi::disco_pong(uint16_t seq, core::Duration rtt, const core::Path& via,
                          const std::string& relay_code) {
  if (!via.is_set()) return;
  for (auto& [id, s] : sessions_) {
    if (s->mode != PingMode::kDisco || s->waiting != seq) continue;
    const Pong pong{via, relay_code};
    probe_done(id, true, rtt, &pong);
    return;
  }
}

void LocalApi::probe_done(uint64_t id, bool replied, core::Duration rtt, const Pong* pong) {
  auto it = sessions_.find(id);
  if (it == sessions_.end() || !it->second->waiting) return;
  PingSession& s = *it->second;
  const uint16_t seq = *s.waiting;
  s.waiting.reset();
  s.timer.cancel();
  if (replied) ++s.received;
  if (pong != nullptr && pong->via.is_udp()) s.direct = true;
  s.reply.line(probe_line(s, seq, replied, rtt, pong != nullptr ? &pong->via : nullptr,
                          pong != nullptr ? pong->relay_code : std::string()));
  if (s.sent >= s.count || !s.reply.open() || (s.until_direct && s.direct)) {
    s.reply.line(done_line(s));
    s.reply.end();
    sessions_.erase(it);
    return;
  }
  s.timer.expires_at(s.sent_at + options_.ping_interval);
  s.timer.async_wait([this, id, alive = std::weak_ptr<bool>(alive_)](
                         const boost::system::error_code& ec) {
    if (ec || !alive.lock()) return;
    next_probe(id);
  });
}

}  // namespace weft::node
