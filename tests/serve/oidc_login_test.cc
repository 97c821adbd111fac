// The OIDC login driver (serve/oidc_login.h) against a local provider (discovery document, JWK
// Set, token endpoint on a FakeHttpServer) with a fake coordinator behind it: readiness, the
// redirect, the code exchange, key rotation (one JWK Set refetch for an unknown kid, at most one
// per interval), a key that stays unknown, a replayed state, links no node waits on.
#define BOOST_TEST_MODULE serve_oidc_login
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <sstream>

#include "core/random.h"
#include "identity/login.h"
#include "runtime/clock.h"
#include "serve/fake_http_server.h"
#include "serve/oidc_login.h"
#include "serve/test_io.h"
#include "support/jwt_signer.h"

using namespace weft;
using weft::test::FakeHttpServer;

namespace {

struct FakeSink : serve::LoginSink {
  bool login_waiting(std::string_view id) override { return waiting.count(std::string(id)) != 0; }
  Result<coord::LoginResult> complete_login(std::string_view id,
                                            const coord::ProvenIdentity& who) override {
    waiting.erase(std::string(id));
    logged_in.push_back(who);
    coord::LoginResult r;
    r.user = who.email;
    r.device = coord::DeviceId{7};
    r.hostname = "laptop";
    return r;
  }
  void refuse_login(std::string_view id, const std::string& code, const std::string&) override {
    waiting.erase(std::string(id));
    refused.push_back(code);
  }
  std::set<std::string> waiting;
  std::vector<coord::ProvenIdentity> logged_in;
  std::vector<std::string> refused;
};

// The provider: its JWK Set and the ID token its token endpoint hands out are the test's to set.
struct Provider {
  explicit Provider(boost::asio::io_context& io)
      : server(io, [this](const FakeHttpServer::Request& r) { return answer(r); }) {}

  FakeHttpServer::Answer answer(const FakeHttpServer::Request& r) {
    if (r.target == "/.well-known/openid-configuration") {
      return {200, R"({"issuer":")" + issuer() + R"(","authorization_endpoint":")" +
                       server.url("/auth") + R"(","token_endpoint":")" + server.url("/token") +
                       R"(","jwks_uri":")" + server.url("/jwks") +
                       R"(","code_challenge_methods_supported":["S256"]})"};
    }
    if (r.target == "/jwks") return {200, jwks};
    if (r.target == "/token") {
      return {200, R"({"access_token":"x","token_type":"Bearer","id_token":")" + id_token + "\"}"};
    }
    return {404, "{}"};
  }
  std::string issuer() const { return server.url(""); }
  /// An ID token for `nonce`, signed by `key`, issued now.
  std::string token(const testing::JwtSigner& key, const std::string& nonce) const {
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    return key.sign(R"({"iss":")" + issuer() + R"(","sub":"u-alice","aud":"weft","iat":)" +
                    std::to_string(now) + R"(,"exp":)" + std::to_string(now + 300) +
                    R"(,"nonce":")" + nonce +
                    R"(","email":"alice@example.com","email_verified":true,"groups":["eng"]})");
  }

  FakeHttpServer server;
  std::string jwks;
  std::string id_token;
};

struct World {
  explicit World(std::chrono::seconds min_refetch = std::chrono::seconds(30)) {
    provider.jwks = key1.jwks();
    serve::OidcLoginConfig config;
    config.settings.issuer = provider.issuer();
    config.settings.client_id = "weft";
    config.settings.client_secret = "secret";
    config.settings.redirect_uri = "https://weft.example/oidc/callback";
    config.jwks_min_refetch = min_refetch;
    login = std::make_unique<serve::OidcLogin>(io, config, sink, clock, rng, log);
    login->start();
    BOOST_REQUIRE(test::run_until(io, [&] { return login->ready(); }));
  }

  /// GETs `target` from the login routes and runs until it is answered.
  serve::WebAnswer get(const std::string& target) {
    std::optional<serve::WebAnswer> out;
    BOOST_REQUIRE(login->handle(target, [&](serve::WebAnswer a) { out.emplace(std::move(a)); }));
    BOOST_REQUIRE(test::run_until(io, [&] { return out.has_value(); }));
    return std::move(*out);
  }
  /// Opens a login link for a waiting node: the provider URL's state and nonce.
  std::pair<std::string, std::string> begin(const std::string& id) {
    sink.waiting.insert(id);
    const serve::WebAnswer a = get("/login/" + id);
    BOOST_REQUIRE(a.status == 302u);
    const auto q = a.location.find('?');
    BOOST_REQUIRE(a.location.substr(0, q) == provider.server.url("/auth"));
    const std::string query = a.location.substr(q + 1);
    return {identity::query_param(query, "state").value_or(""),
            identity::query_param(query, "nonce").value_or("")};
  }
  /// One whole login whose ID token is signed by `key`: the callback's answer.
  serve::WebAnswer login_with(const testing::JwtSigner& key, const std::string& id) {
    auto [state, nonce] = begin(id);
    provider.id_token = provider.token(key, nonce);
    return get("/oidc/callback?code=c-" + id + "&state=" + state);
  }

  boost::asio::io_context io;
  runtime::MonotonicClock clock;
  core::SeededRandom rng{5};
  std::ostringstream log;
  FakeSink sink;
  testing::JwtSigner key1{"ES256", "k1"};
  Provider provider{io};
  std::unique_ptr<serve::OidcLogin> login;
};

}  // namespace

BOOST_AUTO_TEST_CASE(exchanges_the_code_and_hands_the_identity_on) {
  World w;
  BOOST_TEST(w.log.str().find("identity provider " + w.provider.issuer() + " ready (1 signing keys)") !=
             std::string::npos, w.log.str());
  const serve::WebAnswer a = w.login_with(w.key1, "L1");
  BOOST_TEST(a.status == 200u);
  BOOST_TEST(a.body.find("Logged in as alice@example.com") != std::string::npos, a.body);
  BOOST_REQUIRE(w.sink.logged_in.size() == 1u);
  BOOST_TEST(w.sink.logged_in[0].subject == "u-alice");
  BOOST_TEST(w.sink.logged_in[0].groups == std::vector<std::string>{"group:eng@example.com"});
  // The token request: the code, the PKCE verifier, the client's credentials.
  const auto& token = w.provider.server.requests.back();
  BOOST_TEST(token.method == "POST");
  BOOST_TEST(token.target == "/token");
  BOOST_TEST(token.authorization.rfind("Basic ", 0) == 0u);
  BOOST_TEST(identity::query_param(token.body, "code").value_or("") == "c-L1");
  BOOST_TEST(identity::query_param(token.body, "code_verifier").has_value());
  BOOST_TEST(w.provider.server.count("/jwks") == 1u);
}

BOOST_AUTO_TEST_CASE(a_rotated_key_is_fetched_once_and_a_second_unknown_kid_waits) {
  World w;
  testing::JwtSigner key2{"RS256", "k2"};
  w.provider.jwks = key2.jwks();  // the provider rotated
  const serve::WebAnswer a = w.login_with(key2, "L1");
  BOOST_TEST(a.status == 200u, a.body);
  BOOST_TEST(w.provider.server.count("/jwks") == 2u);
  BOOST_TEST(w.log.str().find("JWK Set refetched for an unknown key id (1 signing keys)") !=
             std::string::npos, w.log.str());
  // Another unknown kid within the interval is refused without asking the provider again.
  testing::JwtSigner key3{"ES256", "k3"};
  w.provider.jwks = key3.jwks();
  const serve::WebAnswer b = w.login_with(key3, "L2");
  BOOST_TEST(b.status == 403u);
  BOOST_TEST(w.provider.server.count("/jwks") == 2u);
  BOOST_TEST(w.sink.refused == std::vector<std::string>{"oidc.unknown_kid"});
}

BOOST_AUTO_TEST_CASE(a_key_the_refetched_set_lacks_is_refused) {
  World w(std::chrono::seconds(0));
  testing::JwtSigner unpublished{"ES256", "k9"};
  const serve::WebAnswer a = w.login_with(unpublished, "L1");
  BOOST_TEST(a.status == 403u);
  BOOST_TEST(a.body.find("Login refused") != std::string::npos, a.body);
  BOOST_TEST(w.provider.server.count("/jwks") == 2u);  // fetched again, still not there
  BOOST_TEST(w.sink.refused == std::vector<std::string>{"oidc.unknown_kid"});
  BOOST_TEST(w.sink.logged_in.empty());
  // The provider's published key still works.
  BOOST_TEST(w.login_with(w.key1, "L2").status == 200u);
}

BOOST_AUTO_TEST_CASE(a_replayed_callback_is_refused_without_a_token_request) {
  World w;
  auto [state, nonce] = w.begin("L1");
  w.provider.id_token = w.provider.token(w.key1, nonce);
  const std::string callback = "/oidc/callback?code=c1&state=" + state;
  BOOST_TEST(w.get(callback).status == 200u);
  const std::size_t tokens = w.provider.server.count("/token");
  const serve::WebAnswer again = w.get(callback);
  BOOST_TEST(again.status == 400u);
  BOOST_TEST(again.body.find("already used or has expired") != std::string::npos, again.body);
  BOOST_TEST(w.provider.server.count("/token") == tokens);
  BOOST_TEST(w.log.str().find("(oidc.unknown_state)") != std::string::npos, w.log.str());
}

BOOST_AUTO_TEST_CASE(a_link_no_node_waits_on_is_not_sent_to_the_provider) {
  World w;
  const serve::WebAnswer a = w.get("/login/nobody");
  BOOST_TEST(a.status == 404u);
  BOOST_TEST(a.location.empty());
  bool handled = w.login->handle("/elsewhere", [](serve::WebAnswer) {});
  BOOST_TEST(!handled);
}

BOOST_AUTO_TEST_CASE(answers_503_until_the_provider_is_reached) {
  boost::asio::io_context io;
  FakeHttpServer down(io, [](const FakeHttpServer::Request&) { return FakeHttpServer::Answer{500, "{}"}; });
  runtime::MonotonicClock clock;
  core::SeededRandom rng{1};
  std::ostringstream log;
  FakeSink sink;
  sink.waiting.insert("L1");
  serve::OidcLoginConfig config;
  config.settings.issuer = down.url("");
  config.settings.client_id = "weft";
  serve::OidcLogin login(io, config, sink, clock, rng, log);
  login.start();
  BOOST_REQUIRE(test::run_until(io, [&] { return !down.requests.empty() && !log.str().empty(); }));
  BOOST_TEST(!login.ready());
  BOOST_TEST(log.str().find("not ready: discovery answered HTTP 500; retrying in 10 s") !=
             std::string::npos, log.str());
  std::optional<serve::WebAnswer> out;
  login.handle("/login/L1", [&](serve::WebAnswer a) { out.emplace(std::move(a)); });
  BOOST_REQUIRE(out.has_value());
  BOOST_TEST(out->status == 503u);
}
