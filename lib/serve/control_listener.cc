// The control listener (control_listener.h): an Asio acceptor, one Session per connection for
// the HTTP phase (TLS handshake, one request read with Beast's parser, routing, refusals), then
// the connection's StreamPump feeding the ConnectionSink. Handlers hold the listener weakly, so
// destroying it while operations are pending is safe.
#include "serve/control_listener.h"

#include <openssl/ssl.h>

#include <charconv>
#include <initializer_list>
#include <sstream>
#include <string_view>
#include <unordered_map>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "control/frame.h"
#include "stream/stream_pump.h"
#include "control/upgrade.h"
#include "runtime/tcp_keepalive.h"

namespace weft::serve {

using control::kControlPath;
using control::kHealthPath;
using control::kKeyPath;
using control::kUpgradeToken;
using control::kVersionHeader;
using stream::BytePump;
using stream::PumpEnd;
using stream::PumpHandlers;
using stream::StreamPump;
using stream::TcpStream;
using stream::TlsStream;
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using Request = http::request<http::empty_body>;

// Connections being answered 503 at once; beyond that a connection is closed unanswered, so a
// flood at the limit costs no more than this many TLS handshakes and lingers.
constexpr std::size_t kMaxRefusing = 64;
// TCP keepalive on accepted connections: idle, interval, probes (25 s to a dead path's end).
constexpr std::chrono::seconds kDeadPathIdle{10};
constexpr std::chrono::seconds kDeadPathInterval{5};
constexpr int kDeadPathProbes = 3;

// After an accept error (out of descriptors), accepting resumes this much later instead of
// spinning on a listener that stays readable.
constexpr std::chrono::milliseconds kAcceptRetry{100};

/// True when the comma-separated header value lists `token` (case-insensitive), as
/// `Connection` and `Upgrade` do (RFC 9110 sections 7.6.1 and 7.8).
bool has_token(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    std::size_t comma = value.find(',');
    std::string_view item = value.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (beast::iequals(beast::string_view(item.data(), item.size()),
                       beast::string_view(token.data(), token.size()))) {
      return true;
    }
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

using ExtraFields = std::initializer_list<std::pair<http::field, std::string_view>>;

std::vector<uint8_t> to_bytes(const http::response<http::string_body>& res) {
  std::ostringstream out;
  out << res;
  std::string text = out.str();
  return std::vector<uint8_t>(text.begin(), text.end());
}

// A route's answer (http_route.h), closing the connection after it.
std::vector<uint8_t> render(const HttpAnswer& a) {
  http::response<http::string_body> res{static_cast<http::status>(a.status), 11};
  res.set(http::field::server, "weft");
  for (const auto& [name, value] : a.headers) res.set(name, value);
  res.set(http::field::content_type, a.content_type);
  res.keep_alive(false);
  res.body() = a.body;
  res.prepare_payload();
  return to_bytes(res);
}

std::vector<uint8_t> render(http::status status, std::string_view body, ExtraFields extra = {},
                            std::string_view upgrade_token = kUpgradeToken) {
  http::response<http::string_body> res{status, 11};
  res.set(http::field::server, "weft");
  for (const auto& [field, value] : extra) res.set(field, beast::string_view(value.data(), value.size()));
  if (status == http::status::switching_protocols) {
    res.set(http::field::connection, "Upgrade");
    res.set(http::field::upgrade, beast::string_view(upgrade_token.data(), upgrade_token.size()));
  } else {
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.keep_alive(false);
    res.body() = std::string(body);
    res.prepare_payload();
  }
  return to_bytes(res);
}

std::string speaks() {
  return "this server speaks weft control protocol version " +
         std::to_string(control::kProtocolVersion);
}

asio::ip::address to_asio(const util::IpAddress& a) {
  if (a.is_v4()) {
    const auto& b = a.bytes();
    return asio::ip::address_v4(asio::ip::address_v4::bytes_type{b[0], b[1], b[2], b[3]});
  }
  asio::ip::address_v6::bytes_type b;
  std::copy(a.bytes().begin(), a.bytes().end(), b.begin());
  return asio::ip::address_v6(b);
}

Result<std::shared_ptr<ssl::context>> make_tls_context(const TlsFiles& files) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::single_dh_use, ec);
  ctx->use_certificate_chain_file(files.certificate_chain, ec);
  if (ec) {
    return make_error("serve.tls",
                      "cannot load certificate chain " + files.certificate_chain + ": " +
                          ec.message());
  }
  ctx->use_private_key_file(files.private_key, ssl::context::pem, ec);
  if (ec) {
    return make_error("serve.tls",
                      "cannot load private key " + files.private_key + ": " + ec.message());
  }
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    return make_error("serve.tls", "private key " + files.private_key +
                                       " does not match certificate " +
                                       files.certificate_chain);
  }
  return ctx;
}

}  // namespace

struct ListenerState : std::enable_shared_from_this<ListenerState> {
  ListenerState(asio::io_context& io, ControlListenerConfig cfg, ConnectionSink* control,
                ConnectionSink* relay)
      : config(std::move(cfg)), control_sink(control), relay_sink(relay), acceptor(io),
        accept_retry(io) {}

  void accept();
  void on_accept(const boost::system::error_code& ec, tcp::socket socket);
  template <class Stream>
  void begin(std::shared_ptr<StreamPump<Stream>> pump, bool refuse);
  void stop();

  ControlListenerConfig config;
  std::optional<std::string> relay_map;  // set_relay_map(): answered at kRelayMapPath
  ConnectionSink* control_sink;  // null: no control route
  ConnectionSink* relay_sink;    // null: no relay route
  tcp::acceptor acceptor;
  asio::steady_timer accept_retry;
  std::shared_ptr<ssl::context> tls;  // shared with the pumps, which may outlive the listener
  std::unordered_map<uint64_t, std::shared_ptr<BytePump>> upgraded;
  std::unordered_map<uint64_t, std::weak_ptr<BytePump>> pending;  // in the HTTP phase
  std::size_t refusing = 0;
  uint64_t next_id = 1;
  ControlListenerCounters counters;
  bool stopped = false;
};

namespace {

/// The HTTP phase of one connection. Alive while one of its operations is pending.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(std::weak_ptr<ListenerState> listener, uint64_t id,
          std::shared_ptr<StreamPump<Stream>> pump, bool refusing)
      : listener_(std::move(listener)), id_(id), pump_(std::move(pump)), refusing_(refusing) {}

  ~Session() {
    auto l = listener_.lock();
    if (!l) return;
    if (refusing_) {
      --l->refusing;
    } else {
      l->pending.erase(id_);
    }
  }

  void run(const ControlListenerConfig& config) {
    beast::get_lowest_layer(pump_->stream()).expires_after(config.request_timeout);
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      pump_->stream().async_handshake(
          ssl::stream_base::server,
          [self = this->shared_from_this()](const boost::system::error_code& ec) {
            self->handshaken(ec);
          });
    } else {
      handshaken({});
    }
  }

 private:
  void handshaken(const boost::system::error_code& ec) {
    auto l = listener_.lock();
    if (!l || l->stopped) return;
    if (ec) {
      if (ec == beast::error::timeout) {
        ++l->counters.request_timeouts;
      } else {
        ++l->counters.tls_handshake_failures;
      }
      pump_->close();
      return;
    }
    if (refusing_) {
      answer(*l, http::status::service_unavailable,
             "the server is at its connection limit; try again later\n",
             {{http::field::retry_after, "5"}});
      return;
    }
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(l->config.max_header_bytes));
    // A route's own limit is applied once its path is known (on_header); the empty body of
    // every other path refuses any body anyway.
    std::uint64_t body_limit = 1u << 20;  // Beast's default for requests
    for (const HttpRoute& r : l->config.routes) body_limit = std::max<std::uint64_t>(body_limit, r.max_body);
    parser_->body_limit(body_limit);
    http::async_read_header(pump_->stream(), buffer_, *parser_,
                            [self = this->shared_from_this()](const boost::system::error_code& ec,
                                                              std::size_t) { self->on_header(ec); });
  }

  // The header is in: a plain route (http_route.h) reads a body; every other path reads the
  // rest of the request as before (a body there is malformed).
  void on_header(const boost::system::error_code& ec) {
    auto l = listener_.lock();
    if (!l || l->stopped) return;
    if (ec) {
      on_request(ec);
      return;
    }
    const auto& target = parser_->get().target();
    const std::string_view path(target.data(), target.size());
    for (const HttpRoute& r : l->config.routes) {
      if (path.substr(0, r.prefix.size()) != r.prefix) continue;
      route_ = &r;
      // The parser checks a Content-Length against its limit when it reads the header, which
      // is done: so check it here (a chunked body is held to the limit as it arrives).
      if (auto length = parser_->content_length(); length && *length > r.max_body) {
        on_body(http::error::body_limit);
        return;
      }
      body_parser_.emplace(std::move(*parser_));
      body_parser_->body_limit(r.max_body);
      http::async_read(pump_->stream(), buffer_, *body_parser_,
                       [self = this->shared_from_this()](const boost::system::error_code& ec,
                                                         std::size_t) { self->on_body(ec); });
      return;
    }
    http::async_read(pump_->stream(), buffer_, *parser_,
                     [self = this->shared_from_this()](const boost::system::error_code& ec,
                                                       std::size_t) { self->on_request(ec); });
  }

  void on_body(const boost::system::error_code& ec) {
    auto l = listener_.lock();
    if (!l || l->stopped) return;
    if (ec == http::error::body_limit) {
      ++l->counters.body_too_large;
      answer(*l, http::status::payload_too_large,
             "request body larger than " + std::to_string(route_->max_body) + " bytes\n");
      return;
    }
    if (ec) {
      on_request(ec);
      return;
    }
    auto& req = body_parser_->get();
    HttpRequest r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    for (const auto& f : req) r.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    r.body = std::move(req.body());
    boost::system::error_code ignored;
    const auto peer = pump_->socket().remote_endpoint(ignored).address();
    if (peer.is_v4()) {
      r.peer = util::IpAddress::v4(peer.to_v4().to_bytes());
    } else {
      r.peer = util::IpAddress::v6(peer.to_v6().to_bytes());
    }
    r.tls = std::is_same_v<Stream, TlsStream>;
    ++l->counters.routed;
    const HttpAnswer a = route_->handler(r);
    beast::get_lowest_layer(pump_->stream()).expires_after(l->config.pump.linger);
    pump_->send(render(a), /*close_after=*/true);
  }

  void on_request(const boost::system::error_code& ec) {
    auto l = listener_.lock();
    if (!l || l->stopped) return;
    if (ec == http::error::header_limit) {
      ++l->counters.header_too_large;
      answer(*l, http::status::request_header_fields_too_large,
             "request headers larger than " + std::to_string(l->config.max_header_bytes) +
                 " bytes\n");
      return;
    }
    if (ec == beast::error::timeout) {  // the stream closed itself
      ++l->counters.request_timeouts;
      return;
    }
    if (ec == http::error::end_of_stream || ec == http::error::partial_message) {
      pump_->close();  // the client left before finishing a request
      return;
    }
    if (ec) {
      if (&ec.category() == &http::make_error_code(http::error::bad_version).category()) {
        ++l->counters.malformed;
        answer(*l, http::status::bad_request, "malformed HTTP request\n");
      } else {
        pump_->close();  // a socket or TLS error: nobody to answer
      }
      return;
    }
    route(*l, parser_->get());
  }

  void route(ListenerState& l, const Request& req) {
    std::string_view target(req.target().data(), req.target().size());
    std::string_view path = target.substr(0, target.find('?'));
    const bool key_path = path == kKeyPath && !l.config.server_key.empty();
    const bool map_path = path == control::kRelayMapPath && l.relay_map;
    if (path == kHealthPath || key_path || map_path) {
      if (req.method() != http::verb::get) {
        ++l.counters.refused_method;
        answer(l, http::status::method_not_allowed, "use GET\n", {{http::field::allow, "GET"}});
        return;
      }
      if (key_path) {
        answer(l, http::status::ok, l.config.server_key + "\n");
        return;
      }
      if (map_path) {
        answer(l, http::status::ok, *l.relay_map + "\n");
        return;
      }
      ++l.counters.health_checks;
      answer(l, http::status::ok, "ok\n");
      return;
    }
    if (path == control::kRelayPath && l.relay_sink) {
      route_relay(l, req);
      return;
    }
    if (l.config.web && path != kControlPath && req.method() == http::verb::get) {
      beast::get_lowest_layer(pump_->stream()).expires_after(l.config.web_timeout);
      auto reply = [self = this->shared_from_this()](WebAnswer a) { self->answer_web(std::move(a)); };
      if (l.config.web(target, std::move(reply))) return;
    }
    if (path != kControlPath || !l.control_sink) {
      ++l.counters.not_found;
      answer(l, http::status::not_found, "not found\n");
      return;
    }
    if (!asks_upgrade(l, req, http::verb::post, kControlPath, kUpgradeToken)) return;
    auto it = req.find(kVersionHeader);
    if (it == req.end()) {
      ++l.counters.refused_version;
      answer(l, http::status::bad_request,
             std::string("the upgrade has no ") + kVersionHeader + " header; " + speaks() + "\n");
      return;
    }
    std::string_view text(it->value().data(), it->value().size());
    unsigned version = 0;
    auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), version);
    if (err != std::errc() || end != text.data() + text.size() || text.empty()) {
      ++l.counters.refused_version;
      answer(l, http::status::bad_request,
             std::string("malformed ") + kVersionHeader + " header; " + speaks() + "\n");
      return;
    }
    if (version != control::kProtocolVersion) {
      ++l.counters.refused_version;
      answer(l, http::status::bad_request,
             "weft control protocol version " + std::to_string(version) +
                 " is not supported by this server (it speaks version " +
                 std::to_string(control::kProtocolVersion) + ")\n");
      return;
    }
    upgrade_connection(l, *l.control_sink, kUpgradeToken);
  }

  void route_relay(ListenerState& l, const Request& req) {
    if (!asks_upgrade(l, req, http::verb::get, control::kRelayPath, control::kRelayUpgradeToken)) {
      return;
    }
    ++l.counters.relay_upgraded;
    upgrade_connection(l, *l.relay_sink, control::kRelayUpgradeToken);
  }

  /// True when `req` uses `method` over HTTP/1.1 with `Connection: Upgrade` and `Upgrade:
  /// token`; otherwise answers 405 or 400 (counted) and returns false.
  bool asks_upgrade(ListenerState& l, const Request& req, http::verb method,
                    std::string_view path, std::string_view token) {
    const std::string verb(http::to_string(method));
    if (req.method() != method) {
      ++l.counters.refused_method;
      answer(l, http::status::method_not_allowed, "use " + verb + " with an upgrade\n",
             {{http::field::allow, verb}});
      return false;
    }
    auto connection = req[http::field::connection];
    auto upgrade = req[http::field::upgrade];
    if (req.version() != 11 || !has_token({connection.data(), connection.size()}, "upgrade") ||
        !has_token({upgrade.data(), upgrade.size()}, token)) {
      ++l.counters.refused_upgrade;
      answer(l, http::status::bad_request,
             verb + " " + std::string(path) + " must ask for 'Connection: Upgrade' and " +
                 "'Upgrade: " + std::string(token) + "' over HTTP/1.1\n");
      return false;
    }
    return true;
  }

  void upgrade_connection(ListenerState& l, ConnectionSink& sink, std::string_view token) {
    beast::get_lowest_layer(pump_->stream()).expires_never();
    auto early = buffer_.data();
    pump_->set_leftover(static_cast<const uint8_t*>(early.data()), early.size());
    pump_->send(render(http::status::switching_protocols, {}, {}, token));
    l.pending.erase(id_);
    l.upgraded.emplace(id_, pump_);
    ++l.counters.upgraded;
    std::weak_ptr<ListenerState> weak = listener_;
    uint64_t id = id_;
    PumpHandlers handlers;
    ConnectionSink* to = &sink;
    handlers.bytes = [weak, id, to](core::ByteView data) {
      auto l = weak.lock();
      if (l && !l->stopped) to->bytes(id, data);
    };
    handlers.closed = [weak, id, to](PumpEnd end) {
      auto l = weak.lock();
      if (!l) return;
      l->upgraded.erase(id);
      if (end == PumpEnd::kSlowReader) ++l->counters.slow_readers_closed;
      if (!l->stopped) to->closed(id);
    };
    handlers.drained = [weak, id, to] {
      auto l = weak.lock();
      if (l && !l->stopped) to->drained(id);
    };
    // Started before opened(): start only posts, and a close from inside opened() then still
    // reaches closed().
    pump_->start(std::move(handlers));
    sink.opened(id_);
  }

  /// Answers and closes: the pump writes the response, then lingers for the client's EOF.
  void answer(ListenerState& l, http::status status, std::string_view body,
              ExtraFields extra = {}) {
    beast::get_lowest_layer(pump_->stream()).expires_after(l.config.pump.linger);
    pump_->send(render(status, body, extra), /*close_after=*/true);
  }

  void answer_web(WebAnswer a) {
    auto l = listener_.lock();
    if (!l || l->stopped) return;
    http::response<http::string_body> res{static_cast<http::status>(a.status), 11};
    res.set(http::field::server, "weft");
    res.set(http::field::content_type, a.content_type);
    res.set(http::field::cache_control, "no-store");
    if (!a.location.empty()) res.set(http::field::location, a.location);
    res.keep_alive(false);
    res.body() = std::move(a.body);
    res.prepare_payload();
    std::ostringstream out;
    out << res;
    const std::string text = out.str();
    beast::get_lowest_layer(pump_->stream()).expires_after(l->config.pump.linger);
    pump_->send(std::vector<uint8_t>(text.begin(), text.end()), /*close_after=*/true);
  }

  std::weak_ptr<ListenerState> listener_;
  uint64_t id_;
  std::shared_ptr<StreamPump<Stream>> pump_;
  bool refusing_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> parser_;
  std::optional<http::request_parser<http::string_body>> body_parser_;  // a plain route's
  const HttpRoute* route_ = nullptr;
};

}  // namespace

void ListenerState::accept() {
  acceptor.async_accept([weak = weak_from_this()](const boost::system::error_code& ec,
                                                  tcp::socket socket) {
    if (auto l = weak.lock()) l->on_accept(ec, std::move(socket));
  });
}

void ListenerState::on_accept(const boost::system::error_code& ec, tcp::socket socket) {
  if (stopped || ec == asio::error::operation_aborted) return;
  if (ec) {
    ++counters.accept_errors;
    accept_retry.expires_after(kAcceptRetry);
    accept_retry.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      auto l = weak.lock();
      if (!ec && l && !l->stopped) l->accept();
    });
    return;
  }
  ++counters.accepted;
  boost::system::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);  // frames are small and latency matters
  // A node whose path died silently is offline within 25 s rather than after three control
  // keepalives (3 min): its stream closes, and the subnet routes it carried move to another
  // router then (docs/network-config.md, "Failover"). Relay connections on this listener too.
  runtime::set_tcp_keepalive(socket.native_handle(), kDeadPathIdle, kDeadPathInterval,
                             kDeadPathProbes);
  bool refuse = pending.size() + upgraded.size() >= config.max_connections;
  if (refuse) ++counters.refused_capacity;
  if (refuse && refusing >= kMaxRefusing) {
    socket.close(ignored);
  } else if (tls) {
    auto pump = std::make_shared<StreamPump<TlsStream>>(config.pump, TcpStream(std::move(socket)),
                                                        *tls);
    pump->keep_alive(tls);
    begin(std::move(pump), refuse);
  } else {
    begin(std::make_shared<StreamPump<TcpStream>>(config.pump, std::move(socket)), refuse);
  }
  accept();
}

template <class Stream>
void ListenerState::begin(std::shared_ptr<StreamPump<Stream>> pump, bool refuse) {
  uint64_t id = next_id++;
  if (refuse) {
    ++refusing;
  } else {
    pending.emplace(id, pump);
  }
  std::make_shared<Session<Stream>>(weak_from_this(), id, std::move(pump), refuse)->run(config);
}

void ListenerState::stop() {
  stopped = true;
  boost::system::error_code ignored;
  acceptor.close(ignored);
  accept_retry.cancel();
  for (auto& [id, weak] : pending) {
    if (auto pump = weak.lock()) pump->close();
  }
  for (auto& [id, pump] : upgraded) pump->close();
}

Result<std::unique_ptr<ControlListener>> ControlListener::open(asio::io_context& io,
                                                               ControlListenerConfig config,
                                                               ConnectionSink& sink) {
  return open(io, std::move(config), &sink, nullptr);
}

Result<std::unique_ptr<ControlListener>> ControlListener::open(asio::io_context& io,
                                                               ControlListenerConfig config,
                                                               ConnectionSink* control,
                                                               ConnectionSink* relay) {
  auto impl = std::make_shared<ListenerState>(io, std::move(config), control, relay);
  if (impl->config.tls) {
    auto ctx = make_tls_context(*impl->config.tls);
    if (!ctx.ok()) return ctx.error();
    impl->tls = std::move(*ctx);
  }
  const core::SocketAddress& where = impl->config.listen;
  tcp::endpoint endpoint(to_asio(where.address), where.port);
  boost::system::error_code ec;
  auto fail = [&](const char* step) {
    return make_error("serve.listen", std::string("cannot listen on ") + where.to_string() +
                                          " (" + step + "): " + ec.message());
  };
  impl->acceptor.open(endpoint.protocol(), ec);
  if (ec) return fail("socket");
  impl->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (ec) return fail("SO_REUSEADDR");
  impl->acceptor.bind(endpoint, ec);
  if (ec) return fail("bind");
  impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen");
  impl->accept();
  return std::unique_ptr<ControlListener>(new ControlListener(std::move(impl)));
}

ControlListener::ControlListener(std::shared_ptr<ListenerState> impl) : impl_(std::move(impl)) {}

ControlListener::~ControlListener() { impl_->stop(); }

uint16_t ControlListener::port() const {
  boost::system::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

bool ControlListener::send(uint64_t id, std::vector<uint8_t> bytes, bool close_after) {
  auto it = impl_->upgraded.find(id);
  if (it == impl_->upgraded.end()) return false;
  return it->second->send(std::move(bytes), close_after);
}

void ControlListener::close(uint64_t id) {
  auto it = impl_->upgraded.find(id);
  if (it != impl_->upgraded.end()) it->second->close();
}

std::size_t ControlListener::queued_bytes(uint64_t id) const {
  auto it = impl_->upgraded.find(id);
  return it == impl_->upgraded.end() ? 0 : it->second->queued_bytes();
}

std::size_t ControlListener::connections() const { return impl_->upgraded.size(); }

void ControlListener::set_relay_map(std::string json) { impl_->relay_map = std::move(json); }

const ControlListenerCounters& ControlListener::counters() const { return impl_->counters; }

}  // namespace weft::serve
