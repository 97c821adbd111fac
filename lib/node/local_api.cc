// The node's local API (local_api.h): requests parsed with rapidjson, status and down answered
// at once, ping sessions paced by Asio timers on the node loop — one request at a time per
// session, the next one interval after the last was sent.
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
  util::IpAddress address;
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

/// The peer's first address when `name` is its name, its DNS name (with or without the final
/// dot) or the first label of it.
std::optional<util::IpAddress> resolve(const engine::EngineStatus& status,
                                       const std::string& name) {
  for (const auto& p : status.peers) {
    std::string dns = p.dns_name;
    if (!dns.empty() && dns.back() == '.') dns.pop_back();
    const std::string label = dns.substr(0, dns.find('.'));
    if ((name == p.name || name == dns || name == dns + "." || name == label) &&
        !p.addresses.empty())
      return p.addresses.front();
  }
  return std::nullopt;
}

std::string probe_line(const PingSession& s, uint16_t seq, bool replied, core::Duration rtt) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("seq");
  w.Uint(seq);
  w.Key("peer");
  w.String(s.peer.c_str());
  w.Key("address");
  w.String(s.address.to_string().c_str());
  if (replied) {
    w.Key("rtt_ms");
    w.Double(std::chrono::duration<double, std::milli>(rtt).count());
  } else {
    w.Key("timeout");
    w.Bool(true);
  }
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

std::string done_line(const PingSession& s) {
  return "{\"done\":true,\"sent\":" + std::to_string(s.sent) +
         ",\"received\":" + std::to_string(s.received) + "}";
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
    if (peer == d.MemberEnd() || !peer->value.IsString() ||
        (count != d.MemberEnd() && (!count->value.IsUint() || count->value.GetUint() == 0 ||
                                    count->value.GetUint() > kMaxPingCount))) {
      reply.line(error_line("local.bad_request",
                            "ping takes \"peer\" (a name or an address) and \"count\" (1 to " +
                                std::to_string(kMaxPingCount) + ")"));
      reply.end();
      return;
    }
    ping(peer->value.GetString(), count == d.MemberEnd() ? 1 : count->value.GetUint(),
         std::move(reply));
  } else {
    reply.line(error_line("local.bad_request",
                          "unknown op \"" + name + "\" (status, ping, down)"));
    reply.end();
  }
}

void LocalApi::ping(const std::string& peer, uint32_t count, runtime::UnixReply reply) {
  std::optional<util::IpAddress> address = util::IpAddress::parse(peer);
  if (!address) address = resolve(handler_.status(), peer);
  if (!address) {
    reply.line(error_line("local.unknown_peer", "no peer of this node is named \"" + peer +
                                                    "\"; weft status lists its peers"));
    reply.end();
    return;
  }
  const uint64_t id = next_session_++;
  auto s = std::make_unique<PingSession>(io_, std::move(reply));
  s->peer = peer;
  s->address = *address;
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
  const Status sent = handler_.send_ping(s.address, seq);
  if (!sent.ok()) {
    s.reply.line(error_line(sent.error().code, sent.error().detail));
    s.reply.end();
    sessions_.erase(it);
    return;
  }
  ++s.sent;
  s.waiting = seq;
  s.timer.expires_after(options_.ping_timeout);
  s.timer.async_wait([this, id, alive = std::weak_ptr<bool>(alive_)](
                         const boost::system::error_code& ec) {
    if (ec || !alive.lock()) return;
    probe_done(id, false, core::Duration{});
  });
}

void LocalApi::ping_reply(const util::IpAddress& peer, uint16_t seq, core::Duration rtt) {
  for (auto& [id, s] : sessions_) {
    if (s->waiting != seq || s->address != peer) continue;
    probe_done(id, true, rtt);
    return;
  }
}

void LocalApi::probe_done(uint64_t id, bool replied, core::Duration rtt) {
  auto it = sessions_.find(id);
  if (it == sessions_.end() || !it->second->waiting) return;
  PingSession& s = *it->second;
  const uint16_t seq = *s.waiting;
  s.waiting.reset();
  s.timer.cancel();
  if (replied) ++s.received;
  s.reply.line(probe_line(s, seq, replied, rtt));
  if (s.sent >= s.count || !s.reply.open()) {
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
