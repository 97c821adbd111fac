// The HTTP admin API against a coordinator over an in-memory store: bearer tokens only over TLS
// or from loopback, expired and revoked tokens get 401 and change nothing, a policy-scoped token
// sets the policy but cannot remove nodes, and every answer keeps the admin socket's JSON shape.
#define BOOST_TEST_MODULE serve_api_http
#include <boost/test/unit_test.hpp>

#include <rapidjson/document.h>

#include <memory>
#include <string>

#include "coord/coordinator.h"
#include "coord/registry.h"
#include "serve/api_http.h"
#include "support/memory_state_store.h"
#include "support/test_keys.h"

using namespace weft;
using namespace std::chrono_literals;

namespace {

const char* const kPolicy = R"({"acls": [{"action": "accept", "src": ["*"], "dst": ["*:*"]}]})";

struct Api {
  Api() {
    config.server_key = test::random_private<core::MachinePrivateKey>(rng);
    rng.fill(config.auth_key_secret.data(), config.auth_key_secret.size());
    auto c = coord::Coordinator::create(config, coord::RegistryConfig{}, store.state(), store, now,
                                        rng);
    BOOST_REQUIRE(c.ok());
    coordinator = std::move(c).value();
    BOOST_REQUIRE(coordinator->create_user("alice@example.com", coord::Role::kMember, now).ok());
  }
  std::string token(coord::ApiScope scope, core::Duration expiry = 24h) {
    auto t = coordinator->create_api_token(scope, expiry, now, rng);
    BOOST_REQUIRE(t.ok());
    return t->text;
  }
  serve::ApiOutcome call(const std::string& method, const std::string& target,
                         const std::string& token, std::string body = {}, bool tls = false,
                         const char* peer = "127.0.0.1",
                         const char* content_type = "application/json") {
    serve::HttpRequest r;
    r.method = method;
    r.target = target;
    r.headers.emplace_back("Content-Type", content_type);
    if (!token.empty()) r.headers.emplace_back("authorization", "Bearer " + token);
    r.body = std::move(body);
    r.peer = *util::IpAddress::parse(peer);
    r.tls = tls;
    serve::ApiOutcome out = serve::handle_api_request(*coordinator, r, now, rng);
    rapidjson::Document d;
    d.Parse(out.answer.body.data(), out.answer.body.size());
    BOOST_REQUIRE_MESSAGE(!d.HasParseError() && d.IsObject() && d.HasMember("ok"),
                          out.answer.body);
    return out;
  }
  static std::string code(const serve::ApiOutcome& o) {
    rapidjson::Document d;
    d.Parse(o.answer.body.data(), o.answer.body.size());
    return d.HasMember("error") ? d["error"]["code"].GetString() : "";
  }
  uint64_t policy_version() const { return coordinator->policy_history().back().version; }

  core::SeededRandom rng{21};
  core::Now now{std::chrono::seconds(1), core::WallTime(std::chrono::hours(24 * 365 * 56))};
  coord::CoordinatorConfig config;
  test::MemoryStore store;
  std::unique_ptr<coord::Coordinator> coordinator;
};

}  // namespace

BOOST_AUTO_TEST_CASE(refuses_a_request_without_a_bearer_token) {
  Api api;
  for (const char* header : {"", "Basic YWxpY2U6eA==", "Bearer", "Bearer  "}) {
    serve::HttpRequest r;
    r.method = "GET";
    r.target = "/api/v1/status";
    if (*header) r.headers.emplace_back("Authorization", header);
    r.peer = *util::IpAddress::parse("127.0.0.1");
    auto out = serve::handle_api_request(*api.coordinator, r, api.now, api.rng);
    BOOST_TEST(out.answer.status == 401u);
    BOOST_TEST(!out.answer.headers.empty());
    BOOST_TEST(!out.log.empty());
  }
}

BOOST_AUTO_TEST_CASE(refuses_plain_http_from_a_peer_that_is_not_loopback) {
  Api api;
  const std::string t = api.token(coord::ApiScope::kAll);
  const std::string id = t.substr(8, 16);
  auto plain = api.call("POST", "/api/v1/policy", t, std::string(R"({"text": )") + "\"{}\"}", false,
                        "10.0.0.2");
  BOOST_TEST(plain.answer.status == 403u);
  BOOST_TEST(Api::code(plain) == "api.insecure");
  BOOST_TEST(plain.log.find("plain HTTP") != std::string::npos);
  BOOST_TEST(api.policy_version() == 1u);
  BOOST_TEST(api.coordinator->api_tokens().tokens().begin()->second.uses == 0u);
  // The same over TLS, and in the clear from loopback (v4, v6, v4-mapped), is served.
  BOOST_TEST(api.call("GET", "/api/v1/status", t, {}, true, "10.0.0.2").answer.status == 200u);
  for (const char* peer : {"127.0.0.1", "127.3.4.5", "::1", "::ffff:127.0.0.1"})
    BOOST_TEST(api.call("GET", "/api/v1/status", t, {}, false, peer).answer.status == 200u, peer);
  for (const char* peer : {"::2", "::ffff:10.0.0.1", "128.0.0.1", "fe80::1"})
    BOOST_TEST(api.call("GET", "/api/v1/status", t, {}, false, peer).answer.status == 403u, peer);
}

BOOST_AUTO_TEST_CASE(expired_and_revoked_tokens_get_401_and_change_nothing) {
  Api api;
  const std::string expiring = api.token(coord::ApiScope::kAll, 1h);
  const std::string revoked = api.token(coord::ApiScope::kAll);
  BOOST_REQUIRE(api.coordinator
                    ->revoke_api_token(*coord::ApiTokenId::parse(revoked.substr(8, 16)), api.now)
                    .ok());
  api.now.wall += 1h;
  api.now.mono += 1h;
  const std::string body = std::string(R"({"text": )") + "\"{}\"}";
  auto late = api.call("POST", "/api/v1/policy", expiring, body);
  BOOST_TEST(late.answer.status == 401u);
  BOOST_TEST(Api::code(late) == "api_token.expired");
  auto gone = api.call("POST", "/api/v1/users", revoked, R"({"email": "eve@example.com"})");
  BOOST_TEST(gone.answer.status == 401u);
  BOOST_TEST(Api::code(gone) == "api_token.revoked");
  auto forged = api.call("GET", "/api/v1/status", "weftapi-0000000000000000-" + std::string(64, '0'));
  BOOST_TEST(forged.answer.status == 401u);
  BOOST_TEST(api.policy_version() == 1u);
  BOOST_TEST(api.coordinator->registry().find_user("eve@example.com") == nullptr);
}

BOOST_AUTO_TEST_CASE(a_policy_token_sets_the_policy_but_cannot_remove_nodes) {
  Api api;
  const std::string policy = api.token(coord::ApiScope::kPolicy);
  // The raw file, as curl --data-binary @policy.hujson -H 'Content-Type: application/hujson'.
  auto set = api.call("POST", "/api/v1/policy", policy, kPolicy, false, "127.0.0.1",
                      "application/hujson");
  BOOST_TEST(set.answer.status == 200u, set.answer.body);
  BOOST_TEST(api.policy_version() == 2u);
  auto bad = api.call("POST", "/api/v1/policy", policy, "{\"acls\": [}", false, "127.0.0.1",
                      "text/plain");
  BOOST_TEST(bad.answer.status == 422u);
  BOOST_TEST(api.policy_version() == 2u);
  auto remove = api.call("DELETE", "/api/v1/nodes/1", policy);
  BOOST_TEST(remove.answer.status == 403u);
  BOOST_TEST(Api::code(remove) == "api_token.scope");
  BOOST_TEST(api.call("GET", "/api/v1/nodes", policy).answer.status == 403u);
  // A nodes token gets as far as the registry (no node 1 here).
  const std::string nodes = api.token(coord::ApiScope::kNodes);
  auto missing = api.call("DELETE", "/api/v1/nodes/1", nodes);
  BOOST_TEST(missing.answer.status == 404u);
  BOOST_TEST(Api::code(missing) == "coord.unknown_device");
  // No token mints a token.
  auto mint = api.call("POST", "/api/v1/tokens", api.token(coord::ApiScope::kAll), "{}");
  BOOST_TEST(mint.answer.status == 403u);
  BOOST_TEST(api.coordinator->api_tokens().tokens().size() == 3u);
}

BOOST_AUTO_TEST_CASE(routes_refuse_before_asking_for_a_token) {
  Api api;
  BOOST_TEST(api.call("GET", "/api/v1/nope", "").answer.status == 404u);
  auto method = api.call("PATCH", "/api/v1/status", "");
  BOOST_TEST(method.answer.status == 405u);
  BOOST_TEST(api.call("DELETE", "/api/v1/nodes/x", "").answer.status == 400u);
}
