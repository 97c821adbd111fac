// The node's control dial against canned servers on 127.0.0.1: server URLs, every failure it
// names, and bytes that follow the 101 answer. The dial against the real listener (upgrade,
// version refusal, TLS) is in tests/serve/control_listener_test.cc.
#define BOOST_TEST_MODULE node_control_dial
#include <boost/test/unit_test.hpp>

#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>

#include "node/control_dial.h"
#include "node/dial_now.h"
#include "serve/test_io.h"

using namespace weft;
using util::parse_server_url;
using test::dial_now;
using test::run_until;
using tcp = boost::asio::ip::tcp;

namespace {

/// Accepts one connection, reads the request head, then writes `answer` (nothing when
/// `silent`) and keeps the connection open.
struct CannedServer {
  CannedServer(boost::asio::io_context& io, std::string answer, bool silent = false)
      : acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0}),
        socket(io),
        answer(std::move(answer)),
        silent(silent) {
    acceptor.async_accept(socket, [this](const boost::system::error_code& ec) {
      if (ec) return;
      boost::asio::async_read_until(
          socket, boost::asio::dynamic_buffer(request), "\r\n\r\n",
          [this](const boost::system::error_code& ec, std::size_t) {
            if (ec || this->silent) return;
            boost::asio::async_write(socket, boost::asio::buffer(this->answer),
                                     [](const boost::system::error_code&, std::size_t) {});
          });
    });
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port());
  }

  tcp::acceptor acceptor;
  tcp::socket socket;
  std::string answer;
  bool silent;
  std::string request;
};


}  // namespace

BOOST_AUTO_TEST_SUITE(control_dial)

BOOST_AUTO_TEST_CASE(parses_server_urls_with_default_ports) {
  auto a = parse_server_url("https://ctl.example.com");
  BOOST_REQUIRE(a.ok());
  BOOST_TEST(a->tls);
  BOOST_TEST(a->host == "ctl.example.com");
  BOOST_TEST(a->port == 443);
  BOOST_TEST(a->to_string() == "https://ctl.example.com:443");
  auto b = parse_server_url("HTTP://127.0.0.1:8080/");
  BOOST_REQUIRE(b.ok());
  BOOST_TEST(!b->tls);
  BOOST_TEST(b->port == 8080);
  BOOST_TEST(b->authority() == "127.0.0.1:8080");
  auto c = parse_server_url("http://[::1]:9000");
  BOOST_REQUIRE(c.ok());
  BOOST_TEST(c->host == "::1");
  BOOST_TEST(c->authority() == "[::1]:9000");
  auto d = parse_server_url("http://[fd7a:115c:a1e0::1]");
  BOOST_REQUIRE(d.ok());
  BOOST_TEST(d->port == 80);
}

BOOST_AUTO_TEST_CASE(refuses_malformed_server_urls) {
  for (const char* bad :
       {"ctl.example.com", "ftp://ctl.example.com", "https://ctl.example.com/path",
        "https://ctl.example.com?x=1", "https://user@ctl.example.com", "https://", "https://:443",
        "http://host:0", "http://host:65536", "http://host:80x", "http://::1:80",
        "http://[127.0.0.1]:80", "http://[::1", "http://[::1]x", "http://ho st"}) {
    auto r = parse_server_url(bad);
    BOOST_TEST(!r.ok(), bad);
    if (!r.ok()) BOOST_TEST(r.error().code == "dial.url");
  }
}

BOOST_AUTO_TEST_CASE(sends_the_upgrade_request_and_delivers_bytes_after_the_101) {
  boost::asio::io_context io;
  CannedServer server(io,
                      "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
                      "Upgrade: weft-control\r\n\r\nFIRST");
  auto r = dial_now(io, server.url());
  BOOST_REQUIRE_MESSAGE(r.ok(), r.error.detail);
  BOOST_TEST(r.http_status == 101u);
  BOOST_TEST(server.request.find("POST /weft/control HTTP/1.1\r\n") == 0u);
  BOOST_TEST(server.request.find("Upgrade: weft-control\r\n") != std::string::npos);
  BOOST_TEST(server.request.find("Weft-Control-Version: " +
                                 std::to_string(control::kProtocolVersion) + "\r\n") !=
             std::string::npos);
  std::string received;
  stream::PumpHandlers h;
  h.bytes = [&](core::ByteView d) { received.append(reinterpret_cast<const char*>(d.data), d.size); };
  r.stream->start(std::move(h));
  BOOST_REQUIRE(run_until(io, [&] { return received == "FIRST"; }));
}

BOOST_AUTO_TEST_CASE(carries_the_status_and_text_of_a_refusal) {
  boost::asio::io_context io;
  CannedServer server(io,
                      "HTTP/1.1 400 Bad Request\r\nContent-Length: 11\r\n\r\nnot today\r\n");
  auto r = dial_now(io, server.url());
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error.code == "dial.refused");
  BOOST_TEST(r.http_status == 400u);
  BOOST_TEST(r.http_body == "not today\r\n");
  BOOST_TEST(r.error.detail.find("answered 400 Bad Request: not today") != std::string::npos,
             r.error.detail);
}

BOOST_AUTO_TEST_CASE(refuses_a_switch_to_another_protocol) {
  boost::asio::io_context io;
  CannedServer server(io,
                      "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
                      "Upgrade: websocket\r\n\r\n");
  auto r = dial_now(io, server.url());
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error.code == "dial.http");
  BOOST_TEST(r.error.detail.find("websocket") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(refuses_an_answer_that_is_not_http) {
  boost::asio::io_context io;
  CannedServer server(io, "SSH-2.0-OpenSSH_9.2\r\n\r\n");
  auto r = dial_now(io, server.url());
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error.code == "dial.http");
  BOOST_TEST(r.http_status == 0u);
}

BOOST_AUTO_TEST_CASE(times_out_when_the_server_never_answers) {
  boost::asio::io_context io;
  CannedServer server(io, "", /*silent=*/true);
  node::DialOptions options;
  options.timeout = std::chrono::milliseconds(100);
  auto r = dial_now(io, server.url(), options);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error.code == "dial.timeout");
  BOOST_TEST(r.error.detail.find("100 ms") != std::string::npos, r.error.detail);
}

BOOST_AUTO_TEST_CASE(reports_a_refused_connection) {
  boost::asio::io_context io;
  uint16_t port;
  {
    tcp::acceptor probe(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    port = probe.local_endpoint().port();
  }  // closed: nothing listens there now
  auto r = dial_now(io, "http://127.0.0.1:" + std::to_string(port));
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error.code == "dial.connect");
  BOOST_TEST(r.error.detail.find("127.0.0.1:" + std::to_string(port)) != std::string::npos);
}

BOOST_AUTO_TEST_CASE(refuses_to_create_with_a_missing_ca_file) {
  boost::asio::io_context io;
  node::DialOptions options;
  options.ca_file = "/nonexistent/ca.pem";
  auto d = node::ControlDialer::create(io, "https://127.0.0.1:443", options);
  BOOST_REQUIRE(!d.ok());
  BOOST_TEST(d.error().code == "dial.tls_config");
  BOOST_TEST(d.error().detail.find("/nonexistent/ca.pem") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(fetches_the_servers_key_with_get_key) {
  boost::asio::io_context io;
  const std::string key = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
  CannedServer server(io, "HTTP/1.1 200 OK\r\nContent-Length: 45\r\nConnection: close\r\n\r\n" +
                              key + "\n");
  auto dialer = node::ControlDialer::create(io, server.url());
  BOOST_REQUIRE(dialer.ok());
  std::optional<Result<core::MachinePublicKey>> got;
  (*dialer)->fetch_key([&](Result<core::MachinePublicKey> r) { got = std::move(r); });
  BOOST_REQUIRE(run_until(io, [&] { return got.has_value(); }));
  BOOST_REQUIRE_MESSAGE(got->ok(), (got->ok() ? "" : got->error().detail));
  core::KeyBytes ones;
  ones.fill(1);
  BOOST_TEST(((*got)->bytes == ones));
  BOOST_TEST(server.request.rfind("GET /key HTTP/1.1\r\n", 0) == 0u, server.request);
}

BOOST_AUTO_TEST_CASE(refuses_a_key_answer_that_is_not_one_key) {
  boost::asio::io_context io;
  CannedServer server(io, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n");
  auto dialer = node::ControlDialer::create(io, server.url());
  BOOST_REQUIRE(dialer.ok());
  std::optional<Result<core::MachinePublicKey>> got;
  (*dialer)->fetch_key([&](Result<core::MachinePublicKey> r) { got = std::move(r); });
  BOOST_REQUIRE(run_until(io, [&] { return got.has_value(); }));
  BOOST_REQUIRE(!got->ok());
  BOOST_TEST(got->error().code == "dial.http");
}

BOOST_AUTO_TEST_SUITE_END()
