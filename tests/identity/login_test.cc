// The login attempts (identity/login.h): state, nonce and PKCE per attempt, single use, expiry
// on a fake clock; token endpoint answers; the allow-lists and group names (identity/claims.h).
#define BOOST_TEST_MODULE identity_login
#include <boost/test/unit_test.hpp>

#include "core/random.h"
#include "identity/login.h"
#include "support/jwt_signer.h"

using namespace weft;
using namespace weft::identity;

namespace {

const core::WallTime kWall = core::WallTime{} + std::chrono::seconds(1'800'000'000);

ProviderMetadata provider() {
  return {"https://idp.example", "https://idp.example/auth", "https://idp.example/token",
          "https://idp.example/jwks"};
}

OidcSettings settings(Allowlist allowed = {}) {
  return {"https://idp.example", "weft", "s3cret", "https://weft.example/oidc/callback",
          std::move(allowed)};
}

std::string param(const std::string& url, const std::string& name) {
  return query_param(url.substr(url.find('?') + 1), name).value_or("");
}

std::string token_body(const testing::JwtSigner& s, const std::string& nonce,
                       const std::string& email = "alice@example.com") {
  const std::string claims = R"({"iss":"https://idp.example","sub":"u-1","aud":"weft","iat":1800000000,"exp":1800000300,"nonce":")" +
                             nonce + R"(","email":")" + email + R"(","email_verified":true,"groups":["Eng","ops@corp.example","bad name"]})";
  return R"({"access_token":"x","token_type":"Bearer","id_token":")" + s.sign(claims) + "\"}";
}

struct Fixture {
  core::SeededRandom rng{7};
  core::Now now{std::chrono::seconds(100), kWall};
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(builds_an_authorization_url_with_pkce_state_and_nonce, Fixture) {
  Logins logins(settings());
  const std::string url = logins.begin("login-1", provider(), now, rng);
  BOOST_TEST(url.rfind("https://idp.example/auth?response_type=code&", 0) == 0u);
  BOOST_TEST(param(url, "client_id") == "weft");
  BOOST_TEST(param(url, "redirect_uri") == "https://weft.example/oidc/callback");
  BOOST_TEST(param(url, "code_challenge_method") == "S256");
  BOOST_TEST(param(url, "state").size() == 43u);
  BOOST_TEST(param(url, "nonce").size() == 43u);
  BOOST_TEST(param(url, "state") != param(url, "nonce"));
  auto x = logins.callback(param(url, "state"), "code-1", "", "", now);
  BOOST_REQUIRE(x.ok());
  BOOST_TEST(x->login_id == "login-1");
  BOOST_TEST(x->expect.nonce == param(url, "nonce"));
  const std::string verifier = query_param(x->form_body, "code_verifier").value();
  BOOST_TEST(pkce_challenge(verifier) == param(url, "code_challenge"));
  BOOST_TEST(query_param(x->form_body, "code").value() == "code-1");
  BOOST_TEST(x->authorization == "Basic d2VmdDpzM2NyZXQ=");
}

BOOST_AUTO_TEST_CASE(pkce_challenge_matches_rfc7636_appendix_b) {
  BOOST_TEST(pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") ==
             "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

BOOST_FIXTURE_TEST_CASE(rejects_a_replayed_state, Fixture) {
  Logins logins(settings());
  const std::string url = logins.begin("login-1", provider(), now, rng);
  BOOST_TEST(logins.callback(param(url, "state"), "code-1", "", "", now).ok());
  auto again = logins.callback(param(url, "state"), "code-1", "", "", now);
  BOOST_REQUIRE(!again.ok());
  BOOST_TEST(again.error().code == "oidc.unknown_state");
  BOOST_TEST(logins.counters().unknown_state == 1u);
  BOOST_TEST(!logins.callback("forged", "code-1", "", "", now).ok());
}

BOOST_FIXTURE_TEST_CASE(forgets_attempts_after_their_lifetime, Fixture) {
  Logins logins(settings());
  const std::string url = logins.begin("login-1", provider(), now, rng);
  BOOST_TEST(logins.next_deadline().value() == now.mono + kLoginAttemptLifetime);
  core::Now later{now.mono + kLoginAttemptLifetime, kWall};
  logins.on_deadline(later);
  BOOST_TEST(logins.attempts() == 0u);
  BOOST_TEST(logins.callback(param(url, "state"), "c", "", "", later).error().code == "oidc.unknown_state");
}

BOOST_FIXTURE_TEST_CASE(a_provider_error_consumes_the_state, Fixture) {
  Logins logins(settings());
  const std::string url = logins.begin("login-1", provider(), now, rng);
  auto r = logins.callback(param(url, "state"), "", "access_denied", "the user said no", now);
  BOOST_TEST(r.error().code == "oidc.provider_error");
  BOOST_TEST(r.error().detail.find("the user said no") != std::string::npos);
  BOOST_TEST(logins.attempts() == 0u);
}

BOOST_FIXTURE_TEST_CASE(finishes_with_the_mapped_identity, Fixture) {
  testing::JwtSigner s("ES256", "e1");
  const Jwks keys = parse_jwks(s.jwks()).value();
  Logins logins(settings());
  const std::string url = logins.begin("login-1", provider(), now, rng);
  auto x = logins.callback(param(url, "state"), "code-1", "", "", now).value();
  auto who = logins.finish(x, 200, token_body(s, x.expect.nonce), keys, kWall);
  BOOST_REQUIRE_MESSAGE(who.ok(), (who ? "" : who.error().detail));
  BOOST_TEST(who->email == "alice@example.com");
  BOOST_TEST(who->subject == "u-1");
  // "Eng" gets the user's domain; a value with a domain keeps it; "bad name" is dropped.
  BOOST_TEST(who->groups == (std::vector<std::string>{"group:eng@example.com", "group:ops@corp.example"}),
             boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(rejects_a_token_for_another_attempts_nonce, Fixture) {
  testing::JwtSigner s("RS256", "r1");
  const Jwks keys = parse_jwks(s.jwks()).value();
  Logins logins(settings());
  const std::string a = logins.begin("login-a", provider(), now, rng);
  const std::string b = logins.begin("login-b", provider(), now, rng);
  auto xa = logins.callback(param(a, "state"), "code-a", "", "", now).value();
  auto xb = logins.callback(param(b, "state"), "code-b", "", "", now).value();
  // b's token handed to a's exchange (a swapped or injected code).
  auto r = logins.finish(xa, 200, token_body(s, xb.expect.nonce), keys, kWall);
  BOOST_TEST(r.error().code == "oidc.token_nonce");
}

BOOST_FIXTURE_TEST_CASE(rejects_a_code_used_twice, Fixture) {
  testing::JwtSigner s("RS256", "r1");
  const Jwks keys = parse_jwks(s.jwks()).value();
  Logins logins(settings());
  const std::string url = logins.begin("login-1", provider(), now, rng);
  auto x = logins.callback(param(url, "state"), "code-1", "", "", now).value();
  // RFC 6749 section 4.1.2: a provider answers a reused code with invalid_grant.
  auto r = logins.finish(x, 400, R"({"error":"invalid_grant","error_description":"grant request is invalid"})", keys, kWall);
  BOOST_TEST(r.error().code == "oidc.token_endpoint");
  BOOST_TEST(r.error().detail.find("invalid_grant") != std::string::npos);
  BOOST_TEST(logins.counters().refused == 1u);
}

BOOST_FIXTURE_TEST_CASE(applies_the_allowlists, Fixture) {
  testing::JwtSigner s("RS256", "r1");
  const Jwks keys = parse_jwks(s.jwks()).value();
  auto run = [&](Allowlist allowed, const std::string& email) {
    Logins logins(settings(std::move(allowed)));
    const std::string url = logins.begin("l", provider(), now, rng);
    auto x = logins.callback(param(url, "state"), "c", "", "", now).value();
    auto r = logins.finish(x, 200, token_body(s, x.expect.nonce, email), keys, kWall);
    return r ? std::string("ok") : r.error().code + ": " + r.error().detail;
  };
  BOOST_TEST(run({{"example.com"}, {}, {}}, "alice@example.com") == "ok");
  const std::string refused = run({{"example.com"}, {}, {}}, "mallory@other.org");
  BOOST_TEST(refused.rfind("oidc.not_allowed: mallory@other.org may not join", 0) == 0u);
  BOOST_TEST(refused.find("example.com") != std::string::npos);
  BOOST_TEST(run({{"example.com"}, {"mallory@other.org"}, {}}, "mallory@other.org") == "ok");
  BOOST_TEST(run({{}, {}, {"eng"}}, "mallory@other.org") == "ok");  // member of "Eng"
}

BOOST_AUTO_TEST_CASE(group_names_follow_the_synced_group_syntax) {
  BOOST_TEST(group_name("Engineering", "a@Example.com").value() == "group:engineering@example.com");
  BOOST_TEST(group_name("sec@corp.example", "a@example.com").value() == "group:sec@corp.example");
  BOOST_TEST(!group_name("", "a@example.com"));
  BOOST_TEST(!group_name("a b", "a@example.com"));
  BOOST_TEST(!group_name("a@b@c", "a@example.com"));
  BOOST_TEST(!group_name("@x", "a@example.com"));
  BOOST_TEST(!group_name("x", "no-domain"));
}

BOOST_AUTO_TEST_CASE(parses_the_discovery_document) {
  const std::string doc = R"({"issuer":"https://idp.example","authorization_endpoint":"https://idp.example/auth",
    "token_endpoint":"https://idp.example/token","jwks_uri":"https://idp.example/jwks",
    "code_challenge_methods_supported":["S256"]})";
  BOOST_TEST(parse_discovery(doc, "https://idp.example").ok());
  BOOST_TEST(parse_discovery(doc, "https://other.example").error().code == "oidc.discovery");
  BOOST_TEST(!parse_discovery("{}", "https://idp.example").ok());
  BOOST_TEST(!parse_discovery(R"({"issuer":"i","authorization_endpoint":"ftp://x","token_endpoint":"https://t","jwks_uri":"https://j"})", "i").ok());
}

BOOST_AUTO_TEST_CASE(decodes_query_parameters) {
  BOOST_TEST(query_param("a=1&state=x%2By+z&b", "state").value() == "x+y z");
  BOOST_TEST(!query_param("a=1", "state"));
  BOOST_TEST(!query_param("state=%G0", "state"));
  BOOST_TEST(!query_param("state=%4", "state"));
  BOOST_TEST(url_encode("a b/+") == "a%20b%2F%2B");
}
