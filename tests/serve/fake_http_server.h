// A local HTTP/1.1 server for the server's outbound requests (serve/http_fetch.h and the OIDC
// provider's endpoints in oidc_login): one request per connection on 127.0.0.1, answered by a
// handler on the test's io_context; every request is recorded. Tests only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace weft::test {

class FakeHttpServer {
 public:
  struct Request {
    std::string method;
    std::string target;
    std::string host;
    std::string authorization;
    std::string content_type;
    std::string body;
  };
  struct Answer {
    unsigned status = 200;
    std::string body;
    std::string content_type = "application/json";
    bool silent = false;  // never answer (the connection stays open)
  };
  using Handler = std::function<Answer(const Request&)>;

  FakeHttpServer(boost::asio::io_context& io, Handler handler)
      : io_(io), acceptor_(io, {boost::asio::ip::make_address("127.0.0.1"), 0}),
        handler_(std::move(handler)) {
    accept();
  }
  ~FakeHttpServer() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    for (auto& c : held_) c->socket.close(ignored);
  }
  FakeHttpServer(const FakeHttpServer&) = delete;
  FakeHttpServer& operator=(const FakeHttpServer&) = delete;

  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::string url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port()) + std::string(path);
  }
  /// How many requests had this target (the path and query).
  std::size_t count(std::string_view target) const {
    std::size_t n = 0;
    for (const auto& r : requests)
      if (r.target == target) ++n;
    return n;
  }

  std::vector<Request> requests;

 private:
  struct Conn {
    explicit Conn(boost::asio::io_context& io) : socket(io) {}
    boost::asio::ip::tcp::socket socket;
    boost::beast::flat_buffer buffer;
    boost::beast::http::request<boost::beast::http::string_body> request;
    boost::beast::http::response<boost::beast::http::string_body> response;
  };

  void accept() {
    auto c = std::make_shared<Conn>(io_);
    acceptor_.async_accept(c->socket, [this, c](const boost::system::error_code& ec) {
      if (ec) return;
      namespace http = boost::beast::http;
      http::async_read(c->socket, c->buffer, c->request,
                       [this, c](const boost::system::error_code& ec, std::size_t) {
                         if (!ec) answer(c);
                       });
      accept();
    });
  }

  void answer(const std::shared_ptr<Conn>& c) {
    namespace http = boost::beast::http;
    Request r;
    r.method = std::string(c->request.method_string());
    r.target = std::string(c->request.target());
    r.host = std::string(c->request[http::field::host]);
    r.authorization = std::string(c->request[http::field::authorization]);
    r.content_type = std::string(c->request[http::field::content_type]);
    r.body = c->request.body();
    requests.push_back(r);
    Answer a = handler_(r);
    if (a.silent) {
      held_.push_back(c);
      return;
    }
    c->response.result(a.status);
    c->response.version(11);
    c->response.set(http::field::content_type, a.content_type);
    c->response.body() = std::move(a.body);
    c->response.keep_alive(false);
    c->response.prepare_payload();
    http::async_write(c->socket, c->response, [c](const boost::system::error_code&, std::size_t) {
      boost::system::error_code ignored;
      c->socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
    });
  }

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  Handler handler_;
  std::vector<std::shared_ptr<Conn>> held_;
};

}  // namespace weft::test
