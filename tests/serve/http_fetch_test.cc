// The server's outbound HTTP requests (serve/http_fetch.h) against a local server: GET and POST
// with their headers, a non-2xx status as an answer, the answer's size cap, the deadline, URLs
// that are not http(s), a refused connection, TLS to a server that does not speak it.
#define BOOST_TEST_MODULE serve_http_fetch
#include <boost/test/unit_test.hpp>

#include <optional>

#include "serve/fake_http_server.h"
#include "serve/http_fetch.h"
#include "serve/test_io.h"

using namespace weft;
using weft::test::FakeHttpServer;

namespace {

struct Fetcher {
  /// Runs one request to its end: what `done` was given.
  Result<serve::HttpFetchAnswer> fetch(serve::HttpFetchRequest r) {
    std::optional<Result<serve::HttpFetchAnswer>> out;
    serve::http_fetch(io, std::move(r), [&](Result<serve::HttpFetchAnswer> a) { out.emplace(std::move(a)); });
    BOOST_REQUIRE(test::run_until(io, [&] { return out.has_value(); }));
    return std::move(*out);
  }
  Result<serve::HttpFetchAnswer> get(const std::string& url) {
    serve::HttpFetchRequest r;
    r.url = url;
    return fetch(std::move(r));
  }
  boost::asio::io_context io;
};

std::string error_code(const Result<serve::HttpFetchAnswer>& r) { return r ? "" : r.error().code; }

}  // namespace

BOOST_AUTO_TEST_CASE(gets_a_document_with_its_status) {
  Fetcher f;
  FakeHttpServer server(f.io, [](const FakeHttpServer::Request& r) {
    return FakeHttpServer::Answer{200, "{\"target\":\"" + r.target + "\"}"};
  });
  auto a = f.get(server.url("/.well-known/openid-configuration?x=1"));
  BOOST_REQUIRE_MESSAGE(a.ok(), (a ? "" : a.error().detail));
  BOOST_TEST(a->status == 200u);
  BOOST_TEST(a->body == "{\"target\":\"/.well-known/openid-configuration?x=1\"}");
  BOOST_REQUIRE(server.requests.size() == 1u);
  BOOST_TEST(server.requests[0].method == "GET");
  BOOST_TEST(server.requests[0].host == "127.0.0.1:" + std::to_string(server.port()));
  BOOST_TEST(server.requests[0].authorization.empty());
}

BOOST_AUTO_TEST_CASE(posts_a_form_with_its_authorization) {
  Fetcher f;
  FakeHttpServer server(f.io, [](const FakeHttpServer::Request&) {
    return FakeHttpServer::Answer{200, "{}"};
  });
  serve::HttpFetchRequest r;
  r.url = server.url("/token");
  r.method = "POST";
  r.content_type = "application/x-www-form-urlencoded";
  r.authorization = "Basic d2VmdDpzZWNyZXQ=";
  r.body = "grant_type=authorization_code&code=abc";
  BOOST_REQUIRE(f.fetch(r).ok());
  BOOST_REQUIRE(server.requests.size() == 1u);
  const auto& got = server.requests[0];
  BOOST_TEST(got.method == "POST");
  BOOST_TEST(got.target == "/token");
  BOOST_TEST(got.content_type == "application/x-www-form-urlencoded");
  BOOST_TEST(got.authorization == "Basic d2VmdDpzZWNyZXQ=");
  BOOST_TEST(got.body == "grant_type=authorization_code&code=abc");
}

BOOST_AUTO_TEST_CASE(a_status_other_than_2xx_is_an_answer) {
  Fetcher f;
  FakeHttpServer server(f.io, [](const FakeHttpServer::Request&) {
    return FakeHttpServer::Answer{400, R"({"error":"invalid_grant"})"};
  });
  auto a = f.get(server.url("/token"));
  BOOST_REQUIRE(a.ok());
  BOOST_TEST(a->status == 400u);
  BOOST_TEST(a->body == R"({"error":"invalid_grant"})");
}

BOOST_AUTO_TEST_CASE(refuses_an_answer_beyond_its_cap) {
  Fetcher f;
  FakeHttpServer server(f.io, [](const FakeHttpServer::Request&) {
    return FakeHttpServer::Answer{200, std::string(4096, 'x')};
  });
  serve::HttpFetchRequest r;
  r.url = server.url("/jwks");
  r.max_answer_bytes = 4095;
  auto a = f.fetch(r);
  BOOST_TEST(error_code(a) == "serve.fetch", (a ? std::to_string(a->body.size()) : a.error().detail));
  r.max_answer_bytes = 4096;
  BOOST_TEST(f.fetch(r).ok());
}

BOOST_AUTO_TEST_CASE(refuses_a_chunked_answer_beyond_its_cap) {
  // No Content-Length: the body arrives in chunks, the cap holds as they come.
  Fetcher f;
  boost::asio::ip::tcp::acceptor acceptor(f.io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  boost::asio::ip::tcp::socket peer(f.io);
  std::string request(1024, '\0');
  const std::string answer = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000\r\n" +
                             std::string(4096, 'x') + "\r\n0\r\n\r\n";
  acceptor.async_accept(peer, [&](const boost::system::error_code& ec) {
    if (ec) return;
    peer.async_read_some(boost::asio::buffer(request), [&](const boost::system::error_code&, std::size_t) {
      boost::asio::async_write(peer, boost::asio::buffer(answer),
                               [](const boost::system::error_code&, std::size_t) {});
    });
  });
  serve::HttpFetchRequest r;
  r.url = "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()) + "/jwks";
  r.max_answer_bytes = 4000;
  BOOST_TEST(error_code(f.fetch(r)) == "serve.fetch");
}

BOOST_AUTO_TEST_CASE(gives_up_at_its_deadline) {
  Fetcher f;
  FakeHttpServer server(f.io, [](const FakeHttpServer::Request&) {
    FakeHttpServer::Answer a;
    a.silent = true;
    return a;
  });
  serve::HttpFetchRequest r;
  r.url = server.url("/slow");
  r.timeout = std::chrono::milliseconds(200);
  const auto start = std::chrono::steady_clock::now();
  auto a = f.fetch(r);
  BOOST_TEST(error_code(a) == "serve.fetch");
  BOOST_TEST(a.error().detail.find(server.url("/slow")) != std::string::npos, a.error().detail);
  BOOST_TEST((std::chrono::steady_clock::now() - start < std::chrono::seconds(5)));
}

BOOST_AUTO_TEST_CASE(refuses_urls_that_are_not_http) {
  Fetcher f;
  for (const char* url : {"ftp://example.com/x", "example.com", "http://", "http://user@127.0.0.1/",
                          "http://127.0.0.1:99999/", "http://127.0.0.1:80a/", "http://[::1/"}) {
    BOOST_TEST(error_code(f.get(url)) == "serve.fetch_url", url);
  }
}

BOOST_AUTO_TEST_CASE(a_refused_connection_is_an_error) {
  Fetcher f;
  uint16_t port;
  {
    FakeHttpServer gone(f.io, [](const FakeHttpServer::Request&) { return FakeHttpServer::Answer{}; });
    port = gone.port();
  }
  auto a = f.get("http://127.0.0.1:" + std::to_string(port) + "/");
  BOOST_TEST(error_code(a) == "serve.fetch");
  BOOST_TEST(a.error().detail.find("cannot connect") != std::string::npos, a.error().detail);
}

BOOST_AUTO_TEST_CASE(https_to_a_plain_server_fails_the_handshake) {
  Fetcher f;
  FakeHttpServer server(f.io, [](const FakeHttpServer::Request&) { return FakeHttpServer::Answer{}; });
  auto a = f.get("https://127.0.0.1:" + std::to_string(server.port()) + "/");
  BOOST_TEST(error_code(a) == "serve.fetch");
}
