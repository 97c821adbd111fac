// The control connection against a real serve::Server on 127.0.0.1 in the same io_context:
// registration and the full map, a joining peer as a delta, reconnecting after the server
// restarts, failed dials backing off, and a refused registration waiting for a new key.
#define BOOST_TEST_MODULE node_control_connection
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>

#include "core/key_text.h"
#include "dataplane/loop.h"
#include "node/control_connection.h"
#include "serve/server.h"
#include "serve/test_io.h"
#include "support/temp_dir.h"
#include "support/test_keys.h"

using namespace weft;
using controlclient::ClientState;
using controlclient::EventKind;
using test::run_until;

namespace weft::controlclient {
inline std::ostream& operator<<(std::ostream& os, ClientState s) { return os << to_string(s); }
}  // namespace weft::controlclient

namespace {

/// One admin request over the server's socket, answered by the server on the same io_context.
std::string admin(boost::asio::io_context& io, const std::string& dir, const std::string& json) {
  using boost::asio::local::stream_protocol;
  stream_protocol::socket s(io);
  std::string answer;
  bool done = false;
  s.async_connect(dir + "/admin.sock", [&](const boost::system::error_code& ec) {
    BOOST_REQUIRE_MESSAGE(!ec, ec.message());
    auto line = std::make_shared<std::string>(json + "\n");
    boost::asio::async_write(s, boost::asio::buffer(*line),
                             [line](const boost::system::error_code&, std::size_t) {});
    boost::asio::async_read_until(s, boost::asio::dynamic_buffer(answer), '\n',
                                  [&](const boost::system::error_code&, std::size_t) {
                                    done = true;
                                  });
  });
  BOOST_REQUIRE(run_until(io, [&] { return done; }));
  BOOST_TEST_REQUIRE(answer.find("\"ok\":true") != std::string::npos, answer);
  return answer;
}

/// The value of "key" in a keys.create answer.
std::string key_of(const std::string& answer) {
  const std::string tag = "\"key\":\"";
  auto at = answer.find(tag);
  BOOST_REQUIRE(at != std::string::npos);
  at += tag.size();
  return answer.substr(at, answer.find('"', at) - at);
}

/// A weft serve in a temporary state directory, restartable on the same port.
struct TestServer {
  explicit TestServer(dataplane::Loop& loop) : loop(loop), io(loop.io()) { start(); }

  /// Starts the server, on the port of its first start after that.
  void start() {
    serve::ServeOptions o;
    o.state_dir = dir.path();
    o.listen = core::SocketAddress{*util::IpAddress::parse("127.0.0.1"), port};  // 0: any
    auto s = serve::Server::start(loop, o, log);
    BOOST_REQUIRE_MESSAGE(s.ok(), (s.ok() ? std::string() : s.error().detail));
    server = std::move(s).value();
    port = server->port();
    public_key = server->public_key();
  }
  /// Destroys the server: every connection closes.
  void stop() { server.reset(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
  core::MachinePublicKey key() const {
    return core::MachinePublicKey(*core::key_from_base64(public_key));
  }
  /// A reusable key of a fresh user.
  std::string auth_key(const std::string& email) {
    admin(io, dir.path(), R"({"op":"users.create","email":")" + email + R"("})");
    return key_of(admin(io, dir.path(),
                        R"({"op":"keys.create","user":")" + email + R"(","reusable":true})"));
  }

  dataplane::Loop& loop;
  boost::asio::io_context& io;
  TempDir dir;
  std::ostringstream log;
  std::unique_ptr<serve::Server> server;
  uint16_t port = 0;
  std::string public_key;
};

/// A node: its connection and every event it reported.
struct Node {
  std::unique_ptr<node::ControlConnection> conn;
  std::vector<controlclient::Event> events;
  std::vector<std::string> dial_errors;  // codes, as on_dial_failed reported them

  const controlclient::Client& client() const { return conn->client(); }
  std::size_t count(EventKind k) const {
    std::size_t n = 0;
    for (const auto& e : events) n += e.kind == k;
    return n;
  }
  bool streaming_with_map() const {
    return client().state() == ClientState::kStreaming && client().netmap().complete;
  }
};

struct Fixture {
  Fixture() : server(loop), rng(7) {}

  std::unique_ptr<node::ControlDialer> dialer_for(const std::string& url) {
    auto d = node::ControlDialer::create(io, url);
    BOOST_REQUIRE(d.ok());
    return std::move(d).value();
  }

  std::unique_ptr<Node> make_node(node::ControlDialer& dialer, const std::string& hostname,
                                  const std::string& auth_key) {
    controlclient::ClientConfig c;
    c.machine_key = test::random_private<core::MachinePrivateKey>(rng);
    c.node_key = test::random_private<core::NodePrivateKey>(rng);
    c.server_key = server.key();
    c.auth_key = auth_key;
    c.hostinfo.hostname = hostname;
    c.hostinfo.os = "linux";
    // Short backoffs keep reconnect tests quick without touching the core's logic.
    c.backoff_initial = std::chrono::milliseconds(40);
    c.backoff_max = std::chrono::milliseconds(200);
    auto n = std::make_unique<Node>();
    node::ControlConnectionOptions o;
    Node* raw = n.get();
    o.on_event = [raw](node::ControlConnection&, const controlclient::Event& e) {
      raw->events.push_back(e);
    };
    o.on_dial_failed = [raw](node::ControlConnection&, const Error& e) {
      raw->dial_errors.push_back(e.code);
    };
    o.clock = &clock;
    o.rng = &rng;
    auto conn = node::ControlConnection::create(io, dialer, c, std::move(o));
    BOOST_REQUIRE_MESSAGE(conn.ok(), (conn.ok() ? std::string() : conn.error().detail));
    n->conn = std::move(conn).value();
    n->conn->start();
    return n;
  }

  dataplane::Loop loop;
  boost::asio::io_context& io = loop.io();
  TestServer server;
  runtime::MonotonicClock clock;
  core::SeededRandom rng;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(control_connection, Fixture)

BOOST_AUTO_TEST_CASE(registers_and_receives_the_full_map) {
  auto dialer = dialer_for(server.url());
  auto a = make_node(*dialer, "alpha", server.auth_key("alice@example.com"));
  BOOST_REQUIRE(run_until(io, [&] { return a->streaming_with_map(); }));
  BOOST_TEST(a->count(EventKind::kRegistered) == 1u);
  BOOST_TEST(a->client().node_id().has_value());
  BOOST_TEST(a->client().netmap().self.name == "alpha");
  BOOST_TEST(a->client().netmap().peers.empty());
  BOOST_TEST(a->conn->connected());
  BOOST_TEST(a->conn->counters().dials == 1u);
  BOOST_TEST(a->conn->counters().bytes_received > 0u);
  BOOST_TEST(a->conn->counters().bytes_sent > 0u);
  BOOST_TEST(a->conn->last_dial_error().code.empty());
}

BOOST_AUTO_TEST_CASE(a_joining_peer_arrives_as_a_delta) {
  auto dialer = dialer_for(server.url());
  const std::string key = server.auth_key("alice@example.com");
  auto a = make_node(*dialer, "alpha", key);
  BOOST_REQUIRE(run_until(io, [&] { return a->streaming_with_map(); }));
  auto b = make_node(*dialer, "beta", key);
  BOOST_REQUIRE(run_until(io, [&] {
    return b->streaming_with_map() && a->client().netmap().peers.size() == 1;
  }));
  BOOST_TEST(a->client().netmap().peers.begin()->second.name == "beta");
  BOOST_TEST(a->client().counters().deltas >= 1u);
  BOOST_TEST(a->client().counters().full_maps == 1u);
  BOOST_TEST(b->client().netmap().peers.size() == 1u);
  BOOST_TEST(b->client().netmap().peers.begin()->second.name == "alpha");
}

BOOST_AUTO_TEST_CASE(reconnects_for_a_full_map_after_the_server_restarts) {
  auto dialer = dialer_for(server.url());
  const std::string key = server.auth_key("alice@example.com");
  auto a = make_node(*dialer, "alpha", key);
  auto b = make_node(*dialer, "beta", key);
  BOOST_REQUIRE(run_until(io, [&] {
    return a->streaming_with_map() && b->streaming_with_map() &&
           a->client().netmap().peers.size() == 1;
  }));
  const auto id = a->client().node_id();

  server.stop();
  BOOST_REQUIRE(run_until(io, [&] { return !a->conn->connected() && !b->conn->connected(); }));
  BOOST_TEST(a->conn->counters().disconnects == 1u);
  // The netmap stays while the server is away.
  BOOST_TEST(a->client().netmap().peers.size() == 1u);
  // Dials fail while nothing listens, spaced by the core's backoff.
  BOOST_REQUIRE(run_until(io, [&] { return a->conn->counters().dial_failures >= 1; }));
  BOOST_TEST(a->conn->last_dial_error().code == "dial.connect");

  server.start();
  BOOST_REQUIRE(run_until(io, [&] {
    return a->client().counters().full_maps == 2 && b->client().counters().full_maps == 2 &&
           a->streaming_with_map() && b->streaming_with_map();
  }));
  BOOST_TEST((a->client().node_id() == id));
  BOOST_TEST(a->client().netmap().peers.size() == 1u);
  BOOST_TEST(a->count(EventKind::kRegistered) == 2u);
  BOOST_TEST(a->conn->last_dial_error().code.empty());
}

BOOST_AUTO_TEST_CASE(reconnect_ends_the_stream_and_dials_again_for_a_full_map) {
  auto dialer = dialer_for(server.url());
  auto a = make_node(*dialer, "alpha", server.auth_key("alice@example.com"));
  BOOST_REQUIRE(run_until(io, [&] { return a->streaming_with_map(); }));
  const auto id = a->client().node_id();

  a->conn->reconnect();
  BOOST_TEST(!a->conn->connected());
  BOOST_TEST(a->conn->counters().disconnects == 1u);
  BOOST_REQUIRE(run_until(io, [&] {
    return a->client().counters().full_maps == 2 && a->streaming_with_map();
  }));
  BOOST_TEST(a->conn->counters().dials == 2u);
  BOOST_TEST((a->client().node_id() == id));
  // Once: the closed handler of the stream it ended does not count it again.
  BOOST_TEST(a->conn->counters().disconnects == 1u);

  a->conn->stop();
  a->conn->reconnect();  // nothing to end, no dial after stop()
  run_until(io, [] { return false; }, std::chrono::milliseconds(100));
  BOOST_TEST(a->conn->counters().dials == 2u);
}

BOOST_AUTO_TEST_CASE(backs_off_between_failed_dials) {
  // A port nothing listens on: the server's, after it is gone.
  server.stop();
  auto dialer = dialer_for(server.url());
  auto a = make_node(*dialer, "alpha", "unused");
  BOOST_REQUIRE(run_until(io, [&] { return a->conn->counters().dial_failures >= 3; }));
  BOOST_TEST(a->conn->last_dial_error().code == "dial.connect");
  BOOST_TEST(a->dial_errors.size() == a->conn->counters().dial_failures);
  BOOST_TEST(a->dial_errors.front() == "dial.connect");
  BOOST_TEST(a->client().state() == ClientState::kDisconnected);
  // Each failure counted once, as a connection that ended at once.
  BOOST_TEST(a->client().counters().connections == a->conn->counters().dial_failures);
  BOOST_TEST(a->conn->counters().dials <= a->conn->counters().dial_failures + 1);
}

BOOST_AUTO_TEST_CASE(a_refused_registration_waits_for_a_new_auth_key) {
  auto dialer = dialer_for(server.url());
  const std::string good = server.auth_key("alice@example.com");
  auto a = make_node(*dialer, "alpha", "wrong-key");
  BOOST_REQUIRE(run_until(io, [&] { return a->count(EventKind::kRefused) == 1; }));
  BOOST_TEST(a->client().state() == ClientState::kStopped);
  BOOST_TEST(a->events.back().stopped);
  const uint64_t dials = a->conn->counters().dials;
  BOOST_REQUIRE(run_until(io, [&] { return !a->conn->connected(); }));

  BOOST_REQUIRE(a->conn->set_auth_key(good).ok());
  BOOST_REQUIRE(run_until(io, [&] { return a->streaming_with_map(); }));
  BOOST_TEST(a->conn->counters().dials == dials + 1);
  BOOST_TEST(a->count(EventKind::kRegistered) == 1u);
}

BOOST_AUTO_TEST_CASE(an_event_handler_may_destroy_its_connection) {
  auto dialer = dialer_for(server.url());
  controlclient::ClientConfig c;
  c.machine_key = test::random_private<core::MachinePrivateKey>(rng);
  c.node_key = test::random_private<core::NodePrivateKey>(rng);
  c.server_key = server.key();
  c.auth_key = server.auth_key("alice@example.com");
  c.hostinfo.hostname = "alpha";
  std::unique_ptr<node::ControlConnection> held;
  node::ControlConnectionOptions o;
  o.on_event = [&](node::ControlConnection& self, const controlclient::Event& e) {
    BOOST_TEST(&self == held.get());
    if (e.kind == EventKind::kRegistered) held.reset();
  };
  auto conn = node::ControlConnection::create(io, *dialer, c, std::move(o));
  BOOST_REQUIRE(conn.ok());
  held = std::move(conn).value();
  held->start();
  BOOST_REQUIRE(run_until(io, [&] { return held == nullptr; }));
  // The io_context runs on: the stream's last handlers find nothing to touch.
  bool ticked = false;
  boost::asio::post(io, [&] { ticked = true; });
  BOOST_REQUIRE(run_until(io, [&] { return ticked; }));
}

BOOST_AUTO_TEST_SUITE_END()
