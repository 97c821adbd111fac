// The relay service on loopback with real TCP: the HTTP front's relay route, RelayService, and
// relay client cores over real sockets (their driver here is a small async test client).
#define BOOST_TEST_MODULE relayserver_relay_service
#include <boost/test/unit_test.hpp>

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include "relay/client.h"
#include "relay/frame.h"
#include "relayserver/relay_service.h"
#include "runtime/clock.h"
#include "serve/control_listener.h"
#include "serve/relay_route.h"
#include "serve/test_io.h"
#include "support/test_keys.h"

using namespace weft;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

const char kUpgrade[] =
    "GET /weft/relay HTTP/1.1\r\nHost: relay\r\nConnection: Upgrade\r\nUpgrade: weft-relay\r\n\r\n";

/// A relay::Client over a real socket: upgrade, then bytes both ways on the io_context.
class SocketClient : public std::enable_shared_from_this<SocketClient> {
 public:
  static std::shared_ptr<SocketClient> start(asio::io_context& io, uint16_t port, uint64_t seed,
                                             const runtime::MonotonicClock& clock) {
    auto c = std::shared_ptr<SocketClient>(new SocketClient(io, seed, clock));
    c->socket_.async_connect({asio::ip::make_address("127.0.0.1"), port},
                             [c](const boost::system::error_code& ec) {
                               if (ec) return;
                               c->enqueue(std::vector<uint8_t>(kUpgrade, kUpgrade + sizeof(kUpgrade) - 1));
                               c->read_header();
                             });
    return c;
  }

  core::NodePublicKey key() const { return core_.node_key(); }
  bool ready() const { return core_.state() == relay::ClientState::kReady; }
  void send(const core::NodePublicKey& dst, const std::vector<uint8_t>& packet) {
    core_.send_packet(clock_.now(), dst, core::ByteView{packet.data(), packet.size()});
    flush();
  }
  /// Stops reading from the socket (the relay's writes back up) until resume().
  void pause() { paused_ = true; }
  void resume() {
    paused_ = false;
    if (!reading_) read();
  }
  std::size_t received = 0;
  std::vector<uint8_t> last;
  bool upgraded = false;

 private:
  SocketClient(asio::io_context& io, uint64_t seed, const runtime::MonotonicClock& clock)
      : rng_(seed), socket_(io), clock_(clock), core_(config(rng_), rng_) {}
  static relay::ClientConfig config(core::Random& rng) {
    relay::ClientConfig c;
    c.node_key = test::random_private<core::NodePrivateKey>(rng);
    return c;
  }

  void read_header() {
    auto self = shared_from_this();
    asio::async_read_until(socket_, header_, "\r\n\r\n",
                           [self](const boost::system::error_code& ec, std::size_t n) {
                             if (ec) return;
                             std::string head(asio::buffers_begin(self->header_.data()),
                                              asio::buffers_begin(self->header_.data()) + n);
                             self->header_.consume(n);
                             if (head.rfind("HTTP/1.1 101", 0) != 0) return;
                             self->upgraded = true;
                             self->core_.connected(self->clock_.now());
                             std::vector<uint8_t> rest(asio::buffers_begin(self->header_.data()),
                                                       asio::buffers_end(self->header_.data()));
                             self->header_.consume(rest.size());
                             self->on_bytes(rest.data(), rest.size());
                             self->read();
                           });
  }

  void read() {
    reading_ = !paused_;
    if (paused_) return;
    auto self = shared_from_this();
    socket_.async_read_some(asio::buffer(buf_), [self](const boost::system::error_code& ec,
                                                       std::size_t n) {
      self->reading_ = false;
      if (ec) {
        self->core_.transport_closed(self->clock_.now());
        return;
      }
      self->on_bytes(self->buf_.data(), n);
      self->read();
    });
  }

  void on_bytes(const uint8_t* data, std::size_t n) {
    if (n > 0) core_.receive(core::ByteView{data, n}, clock_.now());
    core::NodePublicKey src;
    std::vector<uint8_t> packet(relay::kMaxPacketSize);
    std::size_t got;
    while ((got = core_.poll_packet(src, core::MutableBytes{packet.data(), packet.size()})) > 0) {
      ++received;
      last.assign(packet.begin(), packet.begin() + static_cast<std::ptrdiff_t>(got));
    }
    relay::ClientEvent e;
    while (core_.poll_event(e)) {
    }
    flush();
  }

  void flush() {
    std::vector<uint8_t> out(64 * 1024);
    std::size_t n;
    while ((n = core_.poll_output(core::MutableBytes{out.data(), out.size()})) > 0) {
      enqueue(std::vector<uint8_t>(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n)));
    }
  }

  void enqueue(std::vector<uint8_t> bytes) {
    queue_.push_back(std::move(bytes));
    if (queue_.size() == 1) write();
  }
  void write() {
    auto self = shared_from_this();
    asio::async_write(socket_, asio::buffer(queue_.front()),
                      [self](const boost::system::error_code& ec, std::size_t) {
                        if (ec) return;
                        self->queue_.pop_front();
                        if (!self->queue_.empty()) self->write();
                      });
  }

  core::SeededRandom rng_;
  tcp::socket socket_;
  const runtime::MonotonicClock& clock_;
  relay::Client core_;
  asio::streambuf header_;
  std::array<uint8_t, 16384> buf_{};
  std::deque<std::vector<uint8_t>> queue_;
  bool paused_ = false;
  bool reading_ = false;
};

/// The relay route of a ControlListener on 127.0.0.1 with a RelayService behind it.
struct Front {
  asio::io_context io;
  runtime::MonotonicClock clock;
  core::SeededRandom rng{5};
  serve::RelayRoute route;
  std::unique_ptr<relayserver::RelayService> service;
  std::unique_ptr<serve::ControlListener> listener;

  explicit Front(relayserver::Verifier* verifier = nullptr) {
    relayserver::RelayServiceConfig config;
    config.server.private_key = test::random_private<core::RelayPrivateKey>(rng);
    config.verifier = verifier;
    service = std::make_unique<relayserver::RelayService>(io, config, route, rng, clock);
    route.attach(*service);
    serve::ControlListenerConfig lc;
    lc.listen = *core::SocketAddress::parse("127.0.0.1:1");
    lc.listen.port = 0;
    auto l = serve::ControlListener::open(io, lc, nullptr, &route);
    BOOST_TEST_REQUIRE(l.ok());
    listener = std::move(*l);
    route.set_listener(listener.get());
  }
  ~Front() {
    listener.reset();
    route.set_listener(nullptr);
  }
  uint16_t port() const { return listener->port(); }
  std::shared_ptr<SocketClient> client(uint64_t seed) {
    return SocketClient::start(io, port(), seed, clock);
  }
  uint64_t cuts(relay::CutReason why) const {
    return service->stats().cuts[static_cast<std::size_t>(why)];
  }
};

struct Answer final : relayserver::Verifier {
  core::NodePublicKey allowed;
  void verify(const core::NodePublicKey& key, std::function<void(bool)> done) override {
    done(key == allowed);
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(relayserver_relay_service)

BOOST_AUTO_TEST_CASE(two_clients_exchange_packets_over_tcp) {
  Front f;
  auto a = f.client(1);
  auto b = f.client(2);
  BOOST_TEST_REQUIRE(test::run_until(f.io, [&] { return a->ready() && b->ready(); }));
  for (int i = 0; i < 200; ++i) a->send(b->key(), std::vector<uint8_t>(1200, static_cast<uint8_t>(i)));
  b->send(a->key(), {1, 2, 3});
  BOOST_TEST_REQUIRE(test::run_until(f.io, [&] { return b->received == 200 && a->received == 1; }));
  BOOST_TEST(b->last == std::vector<uint8_t>(1200, 199));
  BOOST_TEST((a->last == std::vector<uint8_t>{1, 2, 3}));
  BOOST_TEST(f.service->stats().packets_forwarded == 201u);
  BOOST_TEST(f.listener->counters().relay_upgraded == 2u);
}

BOOST_AUTO_TEST_CASE(cuts_off_a_garbage_sender_while_the_others_continue) {
  Front f;
  auto a = f.client(1);
  auto b = f.client(2);
  BOOST_TEST_REQUIRE(test::run_until(f.io, [&] { return a->ready() && b->ready(); }));
  auto garbage = test::RawClient::start(f.io, f.port(),
                                        std::string(kUpgrade) + std::string("\x04\xff\xff\xff\xff", 5));
  BOOST_TEST_REQUIRE(test::run_until(f.io, [&] { return garbage->closed; }));
  BOOST_TEST(garbage->response.find("relay.") != std::string::npos);
  BOOST_TEST(f.cuts(relay::CutReason::kBadFraming) == 1u);
  a->send(b->key(), {7});
  BOOST_TEST_REQUIRE(test::run_until(f.io, [&] { return b->received == 1; }));
  BOOST_TEST(f.service->stats().clients == 2u);
}

BOOST_AUTO_TEST_CASE(a_slow_reader_costs_only_its_bounded_queue_and_then_catches_up) {
  Front f;
  auto a = f.client(1);
  auto b = f.client(2);
  BOOST_TEST_REQUIRE(test::run_until(f.io, [&] { return a->ready() && b->ready(); }));
  b->pause();
  const std::size_t sent = 6000;
  for (std::size_t i = 0; i < sent; ++i) {
    a->send(b->key(), std::vector<uint8_t>(1200, 1));
    if (i % 100 == 0) test::run_until(f.io, [] { return false; }, std::chrono::milliseconds(1));
  }
  auto drops = [&] {
    return f.service->stats().drops[static_cast<std::size_t>(relay::ServerDrop::kQueueFull)];
  };
  BOOST_TEST_REQUIRE(test::run_until(f.io, [&] {
    return f.service->stats().packets_forwarded + drops() == sent;
  }));
  BOOST_TEST(drops() > 0u);
  BOOST_TEST(f.listener->counters().slow_readers_closed == 0u);
  b->resume();
  BOOST_TEST_REQUIRE(test::run_until(f.io, [&] {
    return b->received == f.service->stats().packets_forwarded;
  }));
  a->send(b->key(), {9});
  BOOST_TEST_REQUIRE(test::run_until(f.io, [&] { return b->last == std::vector<uint8_t>{9}; }));
}

BOOST_AUTO_TEST_CASE(serves_only_the_keys_its_verifier_allows) {
  Answer verifier;
  Front f(&verifier);
  auto a = f.client(1);
  verifier.allowed = a->key();
  auto b = f.client(2);
  BOOST_TEST_REQUIRE(test::run_until(f.io, [&] {
    return a->ready() && f.cuts(relay::CutReason::kNotAllowed) == 1;
  }));
  BOOST_TEST(!b->ready());
  BOOST_TEST(f.service->stats().clients == 1u);
}

BOOST_AUTO_TEST_CASE(the_front_answers_404_for_the_control_path_when_only_the_relay_is_on) {
  Front f;
  auto c = test::RawClient::start(f.io, f.port(),
                                  "POST /weft/control HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
                                  "Upgrade: weft-control\r\nWeft-Control-Version: 1\r\n\r\n");
  BOOST_TEST_REQUIRE(test::run_until(f.io, [&] { return c->closed; }));
  BOOST_TEST(c->response.rfind("HTTP/1.1 404", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(refuses_a_relay_request_without_the_upgrade) {
  Front f;
  auto c = test::RawClient::start(f.io, f.port(), "GET /weft/relay HTTP/1.1\r\nHost: x\r\n\r\n");
  BOOST_TEST_REQUIRE(test::run_until(f.io, [&] { return c->closed; }));
  BOOST_TEST(c->response.rfind("HTTP/1.1 400", 0) == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
