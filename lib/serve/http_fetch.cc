// One outbound HTTP/1.1 request with Beast (plain TCP or TLS with host-name verification).
#include "serve/http_fetch.h"

#include <memory>
#include <optional>
#include <variant>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/ssl.h>

#include "runtime/resolve.h"

namespace weft::serve {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

struct Url {
  bool tls = false;
  std::string host;
  std::string port;
  std::string target;
};

std::optional<Url> parse_url(std::string_view url) {
  Url out;
  if (url.rfind("https://", 0) == 0) {
    out.tls = true;
    url.remove_prefix(8);
  } else if (url.rfind("http://", 0) == 0) {
    url.remove_prefix(7);
  } else {
    return std::nullopt;
  }
  const auto slash = url.find_first_of("/?");
  std::string_view authority = url.substr(0, slash);
  out.target = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  if (out.target[0] == '?') out.target.insert(0, "/");
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
  std::size_t colon = authority.rfind(':');
  if (authority.front() == '[') {  // [v6]:port
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    out.host = std::string(authority.substr(1, close - 1));
    colon = close + 1 < authority.size() && authority[close + 1] == ':' ? close + 1 : std::string_view::npos;
  } else {
    out.host = std::string(authority.substr(0, colon));
  }
  out.port = colon == std::string_view::npos ? (out.tls ? "443" : "80")
                                             : std::string(authority.substr(colon + 1));
  if (out.host.empty() || out.port.empty() || out.port.size() > 5 ||
      out.port.find_first_not_of("0123456789") != std::string::npos || std::stoul(out.port) > 65535) {
    return std::nullopt;
  }
  return out;
}

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

class Fetch : public std::enable_shared_from_this<Fetch> {
 public:
  Fetch(asio::io_context& io, HttpFetchRequest req, Url url,
        std::function<void(Result<HttpFetchAnswer>)> done)
      : io_(io), req_(std::move(req)), url_(std::move(url)), done_(std::move(done)) {}

  void start() {
    if (url_.tls) {
      ctx_.emplace(ssl::context::tls_client);
      SSL_CTX_set_min_proto_version(ctx_->native_handle(), TLS1_2_VERSION);
      boost::system::error_code ec;
      if (req_.ca_file.empty()) {
        ctx_->set_default_verify_paths(ec);
      } else {
        ctx_->load_verify_file(req_.ca_file, ec);
      }
      if (ec) return fail("cannot load CA certificates: " + ec.message());
      ctx_->set_verify_mode(ssl::verify_peer);
      stream_.emplace<TlsStream>(io_, *ctx_);
      auto& s = std::get<TlsStream>(stream_);
      s.set_verify_callback(ssl::host_name_verification(url_.host));
      if (!SSL_set_tlsext_host_name(s.native_handle(), url_.host.c_str())) {
        return fail("cannot set the TLS server name");
      }
    } else {
      stream_.emplace<beast::tcp_stream>(io_);
    }
    lowest().expires_after(req_.timeout);
    // The server's io_context runs without locks, where async_resolve is not available.
    runtime::resolve_on_thread(
        io_, url_.host, static_cast<uint16_t>(std::stoul(url_.port)),
        [self = shared_from_this()](const boost::system::error_code& ec,
                                    std::vector<tcp::endpoint> endpoints) {
          if (ec || endpoints.empty()) {
            return self->fail("cannot resolve: " + (ec ? ec.message() : std::string("no address")));
          }
          self->lowest().async_connect(
              endpoints, [self](const boost::system::error_code& ec, const tcp::endpoint&) {
                self->connected(ec);
              });
        });
  }

 private:
  beast::tcp_stream& lowest() {
    if (auto* t = std::get_if<TlsStream>(&stream_)) return beast::get_lowest_layer(*t);
    return std::get<beast::tcp_stream>(stream_);
  }

  void connected(const boost::system::error_code& ec) {
    if (ec) return fail("cannot connect: " + ec.message());
    if (auto* t = std::get_if<TlsStream>(&stream_)) {
      t->async_handshake(ssl::stream_base::client,
                         [self = shared_from_this()](const boost::system::error_code& ec) {
                           if (ec) return self->fail("TLS handshake: " + ec.message());
                           self->write();
                         });
      return;
    }
    write();
  }

  void write() {
    request_.version(11);
    request_.method(req_.method == "POST" ? http::verb::post : http::verb::get);
    request_.target(url_.target);
    const bool default_port = url_.port == (url_.tls ? "443" : "80");
    request_.set(http::field::host, default_port ? url_.host : url_.host + ":" + url_.port);
    request_.set(http::field::user_agent, "weft");
    request_.set(http::field::accept, "application/json");
    if (!req_.authorization.empty()) request_.set(http::field::authorization, req_.authorization);
    if (req_.method == "POST") {
      request_.set(http::field::content_type, req_.content_type);
      request_.body() = req_.body;
    }
    request_.keep_alive(false);
    request_.prepare_payload();
    parser_.body_limit(req_.max_answer_bytes);
    auto on_write = [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
      if (ec) return self->fail("cannot send the request: " + ec.message());
      self->read();
    };
    if (auto* t = std::get_if<TlsStream>(&stream_)) {
      http::async_write(*t, request_, on_write);
    } else {
      http::async_write(std::get<beast::tcp_stream>(stream_), request_, on_write);
    }
  }

  // The header first: Boost 1.74's async_read does not hold a Content-Length body to the
  // parser's body_limit (a chunked one it does), so the announced length is checked here.
  void read() {
    auto on_header = [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
      if (ec) return self->fail("cannot read the answer: " + ec.message());
      const auto length = self->parser_.content_length();
      if (length && *length > self->req_.max_answer_bytes) {
        return self->fail_too_large();
      }
      self->read_body();
    };
    if (auto* t = std::get_if<TlsStream>(&stream_)) {
      http::async_read_header(*t, buffer_, parser_, on_header);
    } else {
      http::async_read_header(std::get<beast::tcp_stream>(stream_), buffer_, parser_, on_header);
    }
  }

  void read_body() {
    auto on_read = [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
      if (ec) return self->fail("cannot read the answer: " + ec.message());
      HttpFetchAnswer a;
      a.status = self->parser_.get().result_int();
      a.body = std::move(self->parser_.get().body());
      if (a.body.size() > self->req_.max_answer_bytes) {
        return self->fail_too_large();
      }
      self->finish(std::move(a));
    };
    if (auto* t = std::get_if<TlsStream>(&stream_)) {
      http::async_read(*t, buffer_, parser_, on_read);
    } else {
      http::async_read(std::get<beast::tcp_stream>(stream_), buffer_, parser_, on_read);
    }
  }

  void fail_too_large() {
    fail("the answer is larger than " + std::to_string(req_.max_answer_bytes) + " bytes");
  }

  void fail(const std::string& why) {
    finish(make_error("serve.fetch", req_.method + " " + req_.url + ": " + why));
  }

  void finish(Result<HttpFetchAnswer> r) {
    if (!done_) return;
    auto done = std::move(done_);
    done_ = nullptr;
    boost::system::error_code ignored;
    if (!std::holds_alternative<std::monostate>(stream_)) lowest().socket().close(ignored);
    done(std::move(r));
  }

  asio::io_context& io_;
  HttpFetchRequest req_;
  Url url_;
  std::function<void(Result<HttpFetchAnswer>)> done_;
  std::optional<ssl::context> ctx_;
  std::variant<std::monostate, beast::tcp_stream, TlsStream> stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response_parser<http::string_body> parser_;
};

}  // namespace

void http_fetch(asio::io_context& io, HttpFetchRequest request,
                std::function<void(Result<HttpFetchAnswer>)> done) {
  auto url = parse_url(request.url);
  if (!url) {
    asio::post(io, [done = std::move(done), u = request.url] {
      done(make_error("serve.fetch_url", "\"" + u + "\" is not an http(s) URL"));
    });
    return;
  }
  std::make_shared<Fetch>(io, std::move(request), std::move(*url), std::move(done))->start();
}

}  // namespace weft::serve
