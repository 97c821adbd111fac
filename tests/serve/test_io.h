// Test helpers for the network drivers: run an io_context until a condition holds (bounded, so
// a broken test fails instead of hanging) or while a blocking client calls it, and a raw TCP
// client that writes given bytes and records everything it reads, for requests no well-behaved
// client would send.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <boost/test/unit_test.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

namespace weft::test {

/// Runs handlers until `done()` holds; false if `limit` of real time passed first.
inline bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
                      std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    if (io.stopped()) io.restart();
    io.run_one_for(std::chrono::milliseconds(20));
  }
  return true;
}

/// Runs `call` on a thread while this thread runs `io` (a blocking client against a server on
/// `io`); returns what it returned. Fails the test if the call takes longer than `limit`.
template <class F>
auto serve_while(boost::asio::io_context& io, F call,
                 std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  std::atomic<bool> done{false};
  std::optional<decltype(call())> result;
  std::thread t([&] {
    result.emplace(call());
    done = true;
  });
  bool finished = run_until(io, [&] { return done.load(); }, limit);
  t.join();
  BOOST_REQUIRE(finished);
  return std::move(*result);
}

/// Connects to 127.0.0.1:port, writes `request`, then reads until the server closes.
class RawClient : public std::enable_shared_from_this<RawClient> {
 public:
  static std::shared_ptr<RawClient> start(boost::asio::io_context& io, uint16_t port,
                                          std::string request) {
    auto c = std::shared_ptr<RawClient>(new RawClient(io, std::move(request)));
    c->socket_.async_connect(
        {boost::asio::ip::make_address("127.0.0.1"), port},
        [c](const boost::system::error_code& ec) {
          if (ec) {
            c->closed = true;
            return;
          }
          if (c->request_.empty()) {
            c->read();
            return;
          }
          boost::asio::async_write(c->socket_, boost::asio::buffer(c->request_),
                                   [c](const boost::system::error_code&, std::size_t) {});
          c->read();
        });
    return c;
  }

  /// Sends more bytes after the request.
  void write(std::string bytes) {
    auto self = shared_from_this();
    auto held = std::make_shared<std::string>(std::move(bytes));
    boost::asio::async_write(socket_, boost::asio::buffer(*held),
                             [self, held](const boost::system::error_code&, std::size_t) {});
  }
  /// Stops reading (so the server's writes back up) by never issuing another read.
  void stop_reading() { reading_ = false; }
  bool has_header() const { return response.find("\r\n\r\n") != std::string::npos; }
  /// The body after the response headers.
  std::string body() const {
    auto at = response.find("\r\n\r\n");
    return at == std::string::npos ? std::string() : response.substr(at + 4);
  }

  std::string response;
  bool closed = false;

 private:
  RawClient(boost::asio::io_context& io, std::string request)
      : socket_(io), request_(std::move(request)) {}

  void read() {
    if (!reading_) return;
    auto self = shared_from_this();
    socket_.async_read_some(boost::asio::buffer(buffer_),
                            [self](const boost::system::error_code& ec, std::size_t n) {
                              self->response.append(self->buffer_, n);
                              if (ec) {
                                self->closed = true;
                                return;
                              }
                              self->read();
                            });
  }

  boost::asio::ip::tcp::socket socket_;
  std::string request_;
  char buffer_[4096];
  bool reading_ = true;
};

}  // namespace weft::test
