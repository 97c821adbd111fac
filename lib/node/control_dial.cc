// The control dial (control_dial.h): resolve, connect, TLS with name verification, the
// upgrade request and Beast's reading of the answer, under one deadline; then the connection
// becomes lib/serve's StreamPump.
#include "node/control_dial.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "stream/stream_pump.h"
#include "control/upgrade.h"
#include "core/key_text.h"
#include "node/resolve.h"
#include "runtime/tcp_keepalive.h"

namespace weft::node {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using stream::StreamPump;
using stream::TcpStream;
using stream::TlsStream;

// Limits on the server's answer: a refusal is a line of text, a 101 has no body.
constexpr std::uint32_t kMaxResponseHeader = 8 * 1024;
constexpr std::uint64_t kMaxResponseBody = 64 * 1024;
// How much of a refusal's text goes into the error detail.
constexpr std::size_t kMaxQuotedBody = 512;

/// The server's text, fit for an error line: control characters become spaces, trailing
/// whitespace is dropped and the length bounded.
std::string quote_body(std::string_view body) {
  std::string out;
  for (char c : body.substr(0, kMaxQuotedBody)) {
    out.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? ' ' : c);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

bool is_ip_literal(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

/// TCP keepalive as DialOptions asks (nothing when keepalive_idle is zero).
void set_keepalive(int fd, const DialOptions& o) {
  runtime::set_tcp_keepalive(fd, o.keepalive_idle, o.keepalive_interval, o.keepalive_probes);
}

}  // namespace

struct DialerShared {
  asio::io_context& io;
  util::ServerUrl url;
  DialOptions options;
  std::shared_ptr<ssl::context> tls;  // set for https; the pumps keep it alive
};

namespace {

/// One dial in flight. Alive while one of its operations is pending.
template <class Stream>
class DialOp : public std::enable_shared_from_this<DialOp<Stream>> {
 public:
  DialOp(std::shared_ptr<const DialerShared> shared,
         std::shared_ptr<StreamPump<Stream>> pump, std::function<void(DialResult)> done,
         std::optional<HttpCall> call)
      : shared_(std::move(shared)),
        pump_(std::move(pump)),
        call_(std::move(call)),
        timer_(shared_->io),
        done_(std::move(done)) {}

  void run() {
    // The connect has a shorter bound of its own when asked (an unanswered SYN is retried as a
    // new dial, not by TCP's doubling timer); the rest of the overall timeout follows it.
    arm_timer(connect_bound());
    const util::ServerUrl& url = shared_->url;
    resolving_ = true;
    resolve_on_thread(shared_->io, url.host, url.port,
                      [self = this->shared_from_this()](const boost::system::error_code& ec,
                                                        std::vector<tcp::endpoint> endpoints) {
                        self->on_resolved(ec, std::move(endpoints));
                      });
  }

 private:
  void on_resolved(const boost::system::error_code& ec, std::vector<tcp::endpoint> endpoints) {
    resolving_ = false;
    if (finished_) return;
    if (!ec && endpoints.empty()) {
      fail("dial.resolve", "cannot resolve " + shared_->url.host + ": no addresses");
      return;
    }
    if (ec) {
      fail("dial.resolve", "cannot resolve " + shared_->url.host + ": " + ec.message());
      return;
    }
    if (const uint32_t mark = shared_->options.mark; mark != 0) {
      // The mark must be on the socket before its SYN (an exit node's routes may exist by
      // now), so the socket is opened here, and only the first address is tried.
      auto& lowest = beast::get_lowest_layer(pump_->stream());
      boost::system::error_code opened;
      lowest.socket().open(endpoints.front().protocol(), opened);
      if (opened) {
        fail("dial.connect", "cannot open a socket: " + opened.message());
        return;
      }
      ::setsockopt(lowest.socket().native_handle(), SOL_SOCKET, SO_MARK, &mark, sizeof mark);
      lowest.async_connect(endpoints.front(),
                           [self = this->shared_from_this()](const boost::system::error_code& ec) {
                             self->on_connected(ec);
                           });
      return;
    }
    beast::get_lowest_layer(pump_->stream())
        .async_connect(endpoints, [self = this->shared_from_this()](
                                      const boost::system::error_code& ec, const tcp::endpoint&) {
          self->on_connected(ec);
        });
  }

  void on_connected(const boost::system::error_code& ec) {
    if (finished_) return;
    if (ec) {
      fail("dial.connect", "cannot connect to " + shared_->url.authority() + ": " + ec.message());
      return;
    }
    connected_ = true;
    if (connect_bound() < shared_->options.timeout)
      arm_timer(shared_->options.timeout - connect_bound());
    boost::system::error_code ignored;
    pump_->socket().set_option(tcp::no_delay(true), ignored);
    set_keepalive(pump_->socket().native_handle(), shared_->options);
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      const std::string& host = shared_->url.host;
      // SNI takes names only (RFC 6066 section 3); the certificate check takes both.
      if (!is_ip_literal(host)) SSL_set_tlsext_host_name(pump_->stream().native_handle(), host.c_str());
      pump_->stream().set_verify_callback(ssl::host_name_verification(host));
      pump_->stream().async_handshake(
          ssl::stream_base::client,
          [self = this->shared_from_this()](const boost::system::error_code& ec) {
            if (self->finished_) return;
            if (ec) {
              self->fail("dial.tls",
                         "TLS with " + self->shared_->url.authority() + ": " + ec.message());
              return;
            }
            self->send_request();
          });
    } else {
      send_request();
    }
  }

  void send_request() {
    if (call_) {
      request_.method_string(call_->method);
      request_.target(call_->target);
    } else {
      request_.method(relay() ? http::verb::get : http::verb::post);
      request_.target(relay() ? std::string(control::kRelayPath) : std::string(control::kControlPath));
    }
    request_.version(11);
    request_.set(http::field::host, shared_->url.authority());
    request_.set(http::field::user_agent, "weft");
    if (call_) {
      request_.set(http::field::connection, "close");
      for (const auto& [name, value] : call_->headers) request_.set(name, value);
      request_.body() = call_->body;
    } else {
      request_.set(http::field::connection, "Upgrade");
      request_.set(http::field::upgrade, token());
      if (!relay())
        request_.set(control::kVersionHeader, std::to_string(shared_->options.version));
    }
    request_.prepare_payload();
    http::async_write(pump_->stream(), request_,
                      [self = this->shared_from_this()](const boost::system::error_code& ec,
                                                        std::size_t) { self->on_written(ec); });
  }

  void on_written(const boost::system::error_code& ec) {
    if (finished_) return;
    if (ec) {
      fail("dial.io", "cannot send the upgrade request to " + shared_->url.authority() + ": " +
                          ec.message());
      return;
    }
    parser_.emplace();
    parser_->header_limit(kMaxResponseHeader);
    parser_->body_limit(kMaxResponseBody);
    http::async_read(pump_->stream(), buffer_, *parser_,
                     [self = this->shared_from_this()](const boost::system::error_code& ec,
                                                       std::size_t) { self->on_response(ec); });
  }

  void on_response(const boost::system::error_code& ec) {
    if (finished_) return;
    if (ec) {
      fail("dial.http",
           "no valid HTTP answer from " + shared_->url.authority() + ": " + ec.message());
      return;
    }
    const auto& res = parser_->get();
    DialResult result;
    result.http_status = res.result_int();
    if (call_ && (res.result() == http::status::ok || call_->any_status)) {
      // The answer is the body; the connection has no further use.
      result.http_body = res.body();
      pump_->close();
      finish(std::move(result));
      return;
    }
    if (res.result() != http::status::switching_protocols) {
      result.http_body = res.body();
      std::string reason(res.reason());
      result.error = make_error("dial.refused", "server " + shared_->url.authority() +
                                                    " answered " +
                                                    std::to_string(result.http_status) + " " +
                                                    reason + ": " + quote_body(res.body()));
      pump_->close();
      finish(std::move(result));
      return;
    }
    auto upgrade = res[http::field::upgrade];
    if (!beast::iequals(upgrade, token())) {
      fail("dial.http", "server " + shared_->url.authority() + " switched to \"" +
                            quote_body({upgrade.data(), upgrade.size()}) + "\", not " +
                            token());
      return;
    }
    auto early = buffer_.data();
    pump_->set_leftover(static_cast<const uint8_t*>(early.data()), early.size());
    result.stream = pump_;
    finish(std::move(result));
  }

  std::chrono::milliseconds connect_bound() const {
    const auto& o = shared_->options;
    return o.connect_timeout.count() > 0 ? std::min(o.connect_timeout, o.timeout) : o.timeout;
  }

  void arm_timer(std::chrono::milliseconds after) {
    timer_.expires_after(after);  // cancels a wait pending: its handler sees operation_aborted
    // A wait that had already expired when re-armed still runs: its generation is old.
    const uint64_t gen = ++timer_generation_;
    timer_.async_wait(
        [self = this->shared_from_this(), gen](const boost::system::error_code& ec) {
          if (!ec && gen == self->timer_generation_) self->on_timeout();
        });
  }

  void on_timeout() {
    if (finished_) return;
    timed_out_ = true;
    // A resolution in flight cannot be cancelled (getaddrinfo on its thread): fail now.
    if (resolving_) {
      fail("dial.resolve", "");
      return;
    }
    pump_->close();  // pending operations complete with errors, reported as the timeout
  }

  void fail(const char* code, std::string detail) {
    DialResult result;
    if (timed_out_) {
      result.error = make_error(
          "dial.timeout",
          connected_ ? "no control stream from " + shared_->url.to_string() + " within " +
                           std::to_string(shared_->options.timeout.count()) + " ms"
                     : "cannot connect to " + shared_->url.authority() + " within " +
                           std::to_string(connect_bound().count()) + " ms");
    } else {
      result.error = make_error(code, std::move(detail));
    }
    pump_->close();
    finish(std::move(result));
  }

  void finish(DialResult result) {
    finished_ = true;
    timer_.cancel();
    auto done = std::move(done_);
    done(std::move(result));
  }

  std::shared_ptr<const DialerShared> shared_;
  std::shared_ptr<StreamPump<Stream>> pump_;
  bool relay() const { return shared_->options.upgrade == Upgrade::kRelay; }
  const char* token() const {
    return relay() ? control::kRelayUpgradeToken : control::kUpgradeToken;
  }

  std::optional<HttpCall> call_;  // a plain request instead of the upgrade
  asio::steady_timer timer_;
  std::function<void(DialResult)> done_;
  http::request<http::string_body> request_;
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::string_body>> parser_;
  bool finished_ = false;
  bool timed_out_ = false;
  bool connected_ = false;  // the transport is up (TCP connected)
  bool resolving_ = false;
  uint64_t timer_generation_ = 0;
};

}  // namespace

Result<std::unique_ptr<ControlDialer>> ControlDialer::create(asio::io_context& io,
                                                             std::string_view server_url,
                                                             DialOptions options) {
  auto url = util::parse_server_url(server_url);
  if (!url.ok()) return url.error();
  std::shared_ptr<ssl::context> tls;
  if (url->tls) {
    tls = std::make_shared<ssl::context>(ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(tls->native_handle(), TLS1_2_VERSION);
    tls->set_verify_mode(ssl::verify_peer);
    boost::system::error_code ec;
    if (!options.ca_file.empty()) {
      tls->load_verify_file(options.ca_file, ec);
      if (ec) {
        return make_error("dial.tls_config",
                          "cannot load CA file " + options.ca_file + ": " + ec.message());
      }
    } else {
      tls->set_default_verify_paths(ec);
      if (ec) {
        return make_error("dial.tls_config", "cannot load the system's CA roots: " + ec.message());
      }
    }
  }
  auto shared = std::make_shared<const DialerShared>(DialerShared{io, std::move(*url), std::move(options), tls});
  return std::unique_ptr<ControlDialer>(new ControlDialer(std::move(shared)));
}

ControlDialer::ControlDialer(std::shared_ptr<const DialerShared> shared) : shared_(std::move(shared)) {}

ControlDialer::~ControlDialer() = default;

const util::ServerUrl& ControlDialer::url() const { return shared_->url; }

void ControlDialer::dial(std::function<void(DialResult)> done) {
  start(std::move(done), std::nullopt);
}

void ControlDialer::start(std::function<void(DialResult)> done, std::optional<HttpCall> call) {
  const DialOptions& options = shared_->options;
  if (shared_->tls) {
    auto pump = std::make_shared<StreamPump<TlsStream>>(options.pump, TcpStream(shared_->io),
                                                        *shared_->tls);
    pump->keep_alive(shared_->tls);
    std::make_shared<DialOp<TlsStream>>(shared_, std::move(pump), std::move(done), call)->run();
  } else {
    auto pump = std::make_shared<StreamPump<TcpStream>>(options.pump, shared_->io);
    std::make_shared<DialOp<TcpStream>>(shared_, std::move(pump), std::move(done), std::move(call))
        ->run();
  }
}

void ControlDialer::fetch_key(std::function<void(Result<core::MachinePublicKey>)> done) {
  start(
      [done = std::move(done)](DialResult r) {
        if (!r.error.code.empty()) {
          done(std::move(r.error));
          return;
        }
        std::string text = r.http_body;
        while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
        auto key = core::key_from_base64(text);
        if (!key) {
          done(make_error("dial.http", "the server's /key answer is not one base64 key"));
          return;
        }
        done(core::MachinePublicKey(*key));
      },
      HttpCall{"GET", control::kKeyPath, {}, {}, false});
}

void ControlDialer::get(std::string path, std::function<void(Result<std::string>)> done) {
  start(
      [done = std::move(done)](DialResult r) {
        if (!r.error.code.empty()) {
          done(std::move(r.error));
          return;
        }
        done(std::move(r.http_body));
      },
      HttpCall{"GET", std::move(path), {}, {}, false});
}

void ControlDialer::request(HttpCall call, std::function<void(Result<HttpReply>)> done) {
  start(
      [done = std::move(done)](DialResult r) {
        if (!r.error.code.empty()) {
          done(std::move(r.error));
          return;
        }
        done(HttpReply{r.http_status, std::move(r.http_body)});
      },
      std::move(call));
}

}  // namespace weft::node
