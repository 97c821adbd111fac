// The control listener over real sockets on 127.0.0.1: the upgrade and the byte pump, every
// refusal the HTTP phase answers, connection limits, TLS, and slow readers.
#define BOOST_TEST_MODULE serve_control_listener
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "control/frame.h"
#include "node/control_dial.h"
#include "serve/control_listener.h"
#include "node/dial_now.h"
#include "serve/test_io.h"
#include "support/temp_dir.h"

using namespace weft;
using serve::ControlListener;
using serve::ControlListenerConfig;
using test::RawClient;
using test::dial_now;
using test::run_until;

namespace {

/// Records what the listener reports; optionally echoes, or answers "bye" and closes.
struct Sink : serve::ConnectionSink {
  ControlListener* listener = nullptr;
  bool echo = false;
  std::vector<uint64_t> opened_ids;
  std::vector<uint64_t> closed_ids;
  std::map<uint64_t, std::string> received;

  void opened(uint64_t id) override { opened_ids.push_back(id); }
  void bytes(uint64_t id, core::ByteView data) override {
    received[id].append(reinterpret_cast<const char*>(data.data), data.size);
    if (echo) listener->send(id, std::vector<uint8_t>(data.data, data.data + data.size));
    if (received[id] == "bye?") listener->send(id, {'b', 'y', 'e'}, /*close_after=*/true);
  }
  void closed(uint64_t id) override { closed_ids.push_back(id); }
};

ControlListenerConfig loopback() {
  ControlListenerConfig c;
  c.listen.address = *util::IpAddress::parse("127.0.0.1");
  c.listen.port = 0;  // any free port
  return c;
}

struct Server {
  explicit Server(ControlListenerConfig config = loopback(), bool echo = true) {
    sink.echo = echo;
    auto l = ControlListener::open(io, std::move(config), sink);
    BOOST_REQUIRE_MESSAGE(l.ok(), (l.ok() ? std::string() : l.error().detail));
    listener = std::move(*l);
    sink.listener = listener.get();
  }
  std::string url(const char* scheme = "http") const {
    return std::string(scheme) + "://127.0.0.1:" + std::to_string(listener->port());
  }

  boost::asio::io_context io;
  Sink sink;
  std::unique_ptr<ControlListener> listener;
};

/// The client end of an upgraded stream: what it read and whether it ended.
struct ClientEnd {
  explicit ClientEnd(std::shared_ptr<stream::BytePump> s) : stream(std::move(s)) {}
  std::shared_ptr<stream::BytePump> stream;
  std::string received;
  bool closed = false;
  stream::PumpEnd end = stream::PumpEnd::kClosedHere;

  void start() {
    stream::PumpHandlers h;
    h.bytes = [this](core::ByteView d) {
      received.append(reinterpret_cast<const char*>(d.data), d.size);
    };
    h.closed = [this](stream::PumpEnd e) {
      closed = true;
      end = e;
    };
    stream->start(std::move(h));
  }
  void send(const std::string& s) { stream->send(std::vector<uint8_t>(s.begin(), s.end())); }
};


std::string upgrade_request(const std::string& version_line) {
  return "POST /weft/control HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\n"
         "Upgrade: weft-control\r\n" +
         version_line + "Content-Length: 0\r\n\r\n";
}

std::string ask(Server& s, const std::string& request) {
  auto c = RawClient::start(s.io, s.listener->port(), request);
  BOOST_REQUIRE(run_until(s.io, [&] { return c->closed; }));
  return c->response;
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(control_listener)

BOOST_AUTO_TEST_CASE(upgrades_and_pumps_bytes_both_ways) {
  Server s;
  auto r = dial_now(s.io, s.url());
  BOOST_REQUIRE_MESSAGE(r.ok(), r.error.detail);
  BOOST_TEST(r.http_status == 101u);
  ClientEnd client{r.stream};
  client.start();
  client.send("hello ");
  client.send("weft");
  BOOST_REQUIRE(run_until(s.io, [&] { return client.received == "hello weft"; }));
  BOOST_TEST(s.sink.opened_ids == std::vector<uint64_t>{1});
  BOOST_TEST(s.sink.received[1] == "hello weft");
  BOOST_TEST(s.listener->connections() == 1u);
  BOOST_TEST(s.listener->counters().upgraded == 1u);
}

BOOST_AUTO_TEST_CASE(bytes_sent_with_the_request_reach_the_sink_first) {
  Server s(loopback(), /*echo=*/false);
  std::string version = "Weft-Control-Version: " + std::to_string(control::kProtocolVersion) +
                        "\r\n";
  auto c = RawClient::start(s.io, s.listener->port(), upgrade_request(version) + "EARLY");
  BOOST_REQUIRE(run_until(s.io, [&] { return s.sink.received[1] == "EARLY"; }));
  c->write("LATE");
  BOOST_REQUIRE(run_until(s.io, [&] { return s.sink.received[1] == "EARLYLATE"; }));
  BOOST_REQUIRE(run_until(s.io, [&] { return c->has_header(); }));
  BOOST_TEST(starts_with(c->response, "HTTP/1.1 101 Switching Protocols\r\n"));
  BOOST_TEST(c->response.find("Upgrade: weft-control\r\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(refuses_another_protocol_version_naming_both) {
  Server s;
  node::DialOptions options;
  options.version = control::kProtocolVersion + 1;
  auto r = dial_now(s.io, s.url(), options);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error.code == "dial.refused");
  BOOST_TEST(r.http_status == 400u);
  std::string theirs = "version " + std::to_string(control::kProtocolVersion + 1);
  std::string ours = "version " + std::to_string(control::kProtocolVersion);
  BOOST_TEST(r.http_body.find(theirs) != std::string::npos);
  BOOST_TEST(r.http_body.find(ours) != std::string::npos);
  BOOST_TEST(r.error.detail.find(theirs) != std::string::npos, r.error.detail);
  BOOST_TEST(r.error.detail.find("400") != std::string::npos);
  BOOST_TEST(s.sink.opened_ids.empty());
  BOOST_TEST(s.listener->counters().refused_version == 1u);
}

BOOST_AUTO_TEST_CASE(refuses_an_upgrade_without_a_version_header) {
  Server s;
  std::string response = ask(s, upgrade_request(""));
  BOOST_TEST(starts_with(response, "HTTP/1.1 400 Bad Request\r\n"));
  BOOST_TEST(response.find("Weft-Control-Version") != std::string::npos);
  BOOST_TEST(response.find("version " + std::to_string(control::kProtocolVersion)) !=
             std::string::npos);
  std::string garbled = ask(s, upgrade_request("Weft-Control-Version: one\r\n"));
  BOOST_TEST(starts_with(garbled, "HTTP/1.1 400 Bad Request\r\n"));
  BOOST_TEST(s.listener->counters().refused_version == 2u);
}

BOOST_AUTO_TEST_CASE(refuses_the_control_path_without_upgrade_headers) {
  Server s;
  std::string response =
      ask(s, "POST /weft/control HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  BOOST_TEST(starts_with(response, "HTTP/1.1 400 Bad Request\r\n"));
  BOOST_TEST(response.find("Upgrade: weft-control") != std::string::npos);
  std::string get = ask(s, "GET /weft/control HTTP/1.1\r\nHost: x\r\n\r\n");
  BOOST_TEST(starts_with(get, "HTTP/1.1 405 Method Not Allowed\r\n"));
  BOOST_TEST(get.find("Allow: POST\r\n") != std::string::npos);
  BOOST_TEST(s.listener->counters().refused_upgrade == 1u);
  BOOST_TEST(s.listener->counters().refused_method == 1u);
}

BOOST_AUTO_TEST_CASE(answers_health_checks) {
  Server s;
  auto c = RawClient::start(s.io, s.listener->port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  BOOST_REQUIRE(run_until(s.io, [&] { return c->closed; }));
  BOOST_TEST(starts_with(c->response, "HTTP/1.1 200 OK\r\n"));
  BOOST_TEST(c->body() == "ok\n");
  BOOST_TEST(s.listener->counters().health_checks == 1u);
}

BOOST_AUTO_TEST_CASE(answers_404_for_other_paths) {
  Server s;
  std::string response = ask(s, "GET /ts2021 HTTP/1.1\r\nHost: x\r\n\r\n");
  BOOST_TEST(starts_with(response, "HTTP/1.1 404 Not Found\r\n"));
  BOOST_TEST(s.listener->counters().not_found == 1u);
}

BOOST_AUTO_TEST_CASE(answers_400_to_a_malformed_request_and_closes) {
  Server s;
  std::string response = ask(s, "NOT HTTP AT ALL\r\n\r\n");
  BOOST_TEST(starts_with(response, "HTTP/1.1 400 Bad Request\r\n"));
  BOOST_TEST(s.listener->counters().malformed == 1u);
  std::string with_body =
      ask(s, "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
  BOOST_TEST(starts_with(with_body, "HTTP/1.1 400 Bad Request\r\n"));
  BOOST_TEST(s.listener->counters().malformed == 2u);
}

BOOST_AUTO_TEST_CASE(hands_a_plain_route_its_request_with_body_peer_and_transport) {
  ControlListenerConfig config = loopback();
  std::vector<serve::HttpRequest> seen;
  config.routes.push_back({"/api/", 16, [&seen](const serve::HttpRequest& r) {
                             seen.push_back(r);
                             serve::HttpAnswer a;
                             a.status = 201;
                             a.body = "{\"got\": " + std::to_string(r.body.size()) + "}";
                             a.headers.emplace_back("X-Weft", "yes");
                             return a;
                           }});
  Server s(std::move(config));
  std::string response = ask(s, "DELETE /api/v1/x?y=1 HTTP/1.1\r\nHost: x\r\n"
                                "Authorization: Bearer t\r\nContent-Length: 5\r\n\r\nhello");
  BOOST_TEST(starts_with(response, "HTTP/1.1 201 Created\r\n"));
  BOOST_TEST(response.find("X-Weft: yes\r\n") != std::string::npos);
  BOOST_TEST(response.find("Content-Type: application/json\r\n") != std::string::npos);
  BOOST_REQUIRE(seen.size() == 1u);
  BOOST_TEST(seen[0].method == "DELETE");
  BOOST_TEST(seen[0].target == "/api/v1/x?y=1");
  BOOST_TEST(seen[0].body == "hello");
  BOOST_TEST(seen[0].header("authorization") == "Bearer t");
  BOOST_TEST(seen[0].peer.to_string() == "127.0.0.1");
  BOOST_TEST(!seen[0].tls);
  // A body beyond the route's limit is 413 and never reaches it; other paths keep their rules.
  std::string big = ask(s, "POST /api/v1/x HTTP/1.1\r\nHost: x\r\nContent-Length: 17\r\n\r\n" +
                               std::string(17, 'a'));
  BOOST_TEST(starts_with(big, "HTTP/1.1 413 Payload Too Large\r\n"));
  BOOST_TEST(s.listener->counters().body_too_large == 1u);
  BOOST_TEST(seen.size() == 1u);
  BOOST_TEST(starts_with(ask(s, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"), "HTTP/1.1 200 OK\r\n"));
  BOOST_TEST(s.listener->counters().routed == 1u);
}

BOOST_AUTO_TEST_CASE(answers_431_to_headers_beyond_8_kib) {
  Server s;
  std::string big = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(9000, 'a') +
                    "\r\n\r\n";
  std::string response = ask(s, big);
  BOOST_TEST(starts_with(response, "HTTP/1.1 431 Request Header Fields Too Large\r\n"));
  BOOST_TEST(s.listener->counters().header_too_large == 1u);
  std::string fits = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(7000, 'a') +
                     "\r\n\r\n";
  BOOST_TEST(starts_with(ask(s, fits), "HTTP/1.1 200 OK\r\n"));
}

BOOST_AUTO_TEST_CASE(closes_a_request_that_does_not_arrive_in_time) {
  auto config = loopback();
  config.request_timeout = std::chrono::milliseconds(100);
  Server s(config);
  auto c = RawClient::start(s.io, s.listener->port(), "GET /healthz HTTP/1.1\r\n");
  BOOST_REQUIRE(run_until(s.io, [&] { return c->closed; }));
  BOOST_TEST(c->response.empty());
  BOOST_TEST(s.listener->counters().request_timeouts == 1u);
}

BOOST_AUTO_TEST_CASE(refuses_connections_beyond_the_limit_with_503) {
  auto config = loopback();
  config.max_connections = 1;
  Server s(config);
  auto first = dial_now(s.io, s.url());
  BOOST_REQUIRE(first.ok());
  ClientEnd one{first.stream};
  one.start();
  auto second = dial_now(s.io, s.url());
  BOOST_REQUIRE(!second.ok());
  BOOST_TEST(second.http_status == 503u);
  BOOST_TEST(second.http_body.find("connection limit") != std::string::npos);
  BOOST_TEST(s.listener->counters().refused_capacity == 1u);

  one.stream->close();
  BOOST_REQUIRE(run_until(s.io, [&] { return s.sink.closed_ids.size() == 1; }));
  auto third = dial_now(s.io, s.url());
  BOOST_REQUIRE(third.ok());
  // Ids count up and are never reused: the refused connection took one too.
  BOOST_REQUIRE(run_until(s.io, [&] { return s.sink.opened_ids.size() == 2; }));
  BOOST_TEST(s.sink.opened_ids[0] == 1u);
  BOOST_TEST(s.sink.opened_ids[1] == 3u);
}

BOOST_AUTO_TEST_CASE(send_with_close_after_delivers_the_last_bytes_then_closes) {
  Server s(loopback(), /*echo=*/false);
  auto r = dial_now(s.io, s.url());
  BOOST_REQUIRE(r.ok());
  ClientEnd client{r.stream};
  client.start();
  client.send("bye?");
  BOOST_REQUIRE(run_until(s.io, [&] { return client.closed; }));
  BOOST_TEST(client.received == "bye");
  BOOST_TEST(std::string(to_string(client.end)) == "peer closed");
  BOOST_REQUIRE(run_until(s.io, [&] { return s.sink.closed_ids.size() == 1; }));
  BOOST_TEST(s.listener->connections() == 0u);
  BOOST_TEST(!s.listener->send(1, {'x'}));
}

BOOST_AUTO_TEST_CASE(reports_a_client_that_goes_away) {
  Server s;
  auto r = dial_now(s.io, s.url());
  BOOST_REQUIRE(r.ok());
  ClientEnd client{r.stream};
  client.start();
  BOOST_REQUIRE(run_until(s.io, [&] { return s.sink.opened_ids.size() == 1; }));
  client.stream->close();
  BOOST_REQUIRE(run_until(s.io, [&] { return s.sink.closed_ids.size() == 1; }));
  BOOST_TEST(s.sink.closed_ids[0] == 1u);
}

BOOST_AUTO_TEST_CASE(closes_a_slow_reader_when_its_queue_overflows) {
  auto config = loopback();
  config.pump.max_queued_bytes = 256 * 1024;
  Server s(config, /*echo=*/false);
  std::string version = "Weft-Control-Version: " + std::to_string(control::kProtocolVersion) +
                        "\r\n";
  auto c = RawClient::start(s.io, s.listener->port(), upgrade_request(version));
  c->stop_reading();
  BOOST_REQUIRE(run_until(s.io, [&] { return s.sink.opened_ids.size() == 1; }));
  std::vector<uint8_t> chunk(64 * 1024, 0x5a);
  int sends = 0;
  // Socket buffers take the first megabytes; then the queue grows past its limit.
  while (sends < 100000 && s.listener->send(1, chunk)) {
    ++sends;
    s.io.poll();
  }
  BOOST_TEST_MESSAGE("sends accepted before the limit: " << sends);
  BOOST_TEST(sends > 4);  // the socket buffers took some before the queue filled
  BOOST_TEST(sends < 100000);
  BOOST_REQUIRE(run_until(s.io, [&] { return s.sink.closed_ids.size() == 1; }));
  BOOST_TEST(s.listener->counters().slow_readers_closed == 1u);
}

BOOST_AUTO_TEST_CASE(destroying_the_listener_closes_its_connections) {
  auto s = std::make_unique<Server>();
  boost::asio::io_context& io = s->io;
  auto r = dial_now(io, s->url());
  BOOST_REQUIRE(r.ok());
  ClientEnd client{r.stream};
  client.start();
  BOOST_REQUIRE(run_until(io, [&] { return s->sink.opened_ids.size() == 1; }));
  s->listener.reset();
  BOOST_REQUIRE(run_until(io, [&] { return client.closed; }));
  BOOST_TEST(s->sink.closed_ids.empty());  // the sink is not called once the listener is gone
}

BOOST_AUTO_TEST_CASE(upgrades_over_tls_with_a_self_signed_certificate) {
  // scripts/setup installs openssl: its absence is a broken setup, not a reason to pass.
  BOOST_REQUIRE_MESSAGE(std::system("command -v openssl >/dev/null 2>&1") == 0,
                        "openssl is not installed (scripts/setup installs it)");
  TempDir dir;
  std::string cert = dir.file("cert.pem");
  std::string key = dir.file("key.pem");
  std::string cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
                    "-days 2 -subj /CN=weft-test -addext subjectAltName=IP:127.0.0.1 -keyout " +
                    key + " -out " + cert + " >/dev/null 2>&1";
  BOOST_REQUIRE(std::system(cmd.c_str()) == 0);
  auto config = loopback();
  config.tls = serve::TlsFiles{cert, key};
  Server s(config);

  node::DialOptions trusted;
  trusted.ca_file = cert;
  auto r = dial_now(s.io, s.url("https"), trusted);
  BOOST_REQUIRE_MESSAGE(r.ok(), r.error.detail);
  ClientEnd client{r.stream};
  client.start();
  client.send("over tls");
  BOOST_REQUIRE(run_until(s.io, [&] { return client.received == "over tls"; }));

  // The system's roots do not vouch for it.
  auto untrusted = dial_now(s.io, s.url("https"));
  BOOST_REQUIRE(!untrusted.ok());
  BOOST_TEST(untrusted.error.code == "dial.tls");
  BOOST_REQUIRE(run_until(s.io, [&] { return s.listener->counters().tls_handshake_failures == 1; }));
}

BOOST_AUTO_TEST_CASE(refuses_to_open_with_a_missing_certificate) {
  boost::asio::io_context io;
  Sink sink;
  auto config = loopback();
  config.tls = serve::TlsFiles{"/nonexistent/cert.pem", "/nonexistent/key.pem"};
  auto l = ControlListener::open(io, config, sink);
  BOOST_REQUIRE(!l.ok());
  BOOST_TEST(l.error().code == "serve.tls");
  BOOST_TEST(l.error().detail.find("/nonexistent/cert.pem") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(refuses_to_open_on_a_port_in_use) {
  Server s;
  boost::asio::io_context io;
  Sink sink;
  auto config = loopback();
  config.listen.port = s.listener->port();
  auto l = ControlListener::open(io, config, sink);
  BOOST_REQUIRE(!l.ok());
  BOOST_TEST(l.error().code == "serve.listen");
}

BOOST_AUTO_TEST_SUITE_END()
