// ID token checks (identity/id_token.h): signature by a JWK of the set, algorithm pinned to the
// key, iss, aud, azp, exp, iat and nonce with the clock-skew allowance; a fake clock throughout.
#define BOOST_TEST_MODULE identity_id_token
#include <boost/test/unit_test.hpp>

#include "identity/base64url.h"
#include "identity/id_token.h"
#include "support/jwt_signer.h"

using namespace weft;
using namespace weft::identity;

namespace {

const core::WallTime kNow = core::WallTime{} + std::chrono::seconds(1'800'000'000);

std::string claims(const std::string& extra = "", int64_t iat = 1'800'000'000,
                   int64_t exp = 1'800'000'300, const std::string& aud = "\"weft\"",
                   const std::string& iss = "https://idp.example") {
  return R"({"iss":")" + iss + R"(","sub":"u-1","aud":)" + aud + R"(,"iat":)" + std::to_string(iat) +
         R"(,"exp":)" + std::to_string(exp) +
         R"(,"nonce":"n-1","email":"Alice@Example.com","email_verified":true,"groups":["eng","ops"])" +
         extra + "}";
}

TokenExpectations expect() { return {"https://idp.example", "weft", "n-1"}; }

Jwks keys_of(const testing::JwtSigner& s) { return parse_jwks(s.jwks()).value(); }

std::string code_of(const Result<IdTokenClaims>& r) { return r ? "ok" : r.error().code; }

}  // namespace

BOOST_AUTO_TEST_CASE(accepts_rs256_and_es256_tokens) {
  testing::JwtSigner rsa("RS256", "r1"), ec("ES256", "e1");
  auto a = verify_id_token(rsa.sign(claims()), keys_of(rsa), expect(), kNow);
  BOOST_REQUIRE_MESSAGE(a.ok(), code_of(a));
  BOOST_TEST(a->subject == "u-1");
  BOOST_TEST(a->email == "Alice@Example.com");
  BOOST_TEST(a->email_verified);
  BOOST_TEST(a->groups.size() == 2u);
  auto b = verify_id_token(ec.sign(claims()), keys_of(ec), expect(), kNow);
  BOOST_TEST(code_of(b) == "ok");
}

BOOST_AUTO_TEST_CASE(rejects_wrong_audience) {
  testing::JwtSigner s("RS256", "r1");
  BOOST_TEST(code_of(verify_id_token(s.sign(claims("", 1'800'000'000, 1'800'000'300, "\"other\"")),
                                     keys_of(s), expect(), kNow)) == "oidc.token_audience");
  // Several audiences: ours among them is not enough without azp naming us.
  BOOST_TEST(code_of(verify_id_token(s.sign(claims("", 1'800'000'000, 1'800'000'300, R"(["weft","x"])")),
                                     keys_of(s), expect(), kNow)) == "oidc.token_audience");
  BOOST_TEST(code_of(verify_id_token(s.sign(claims(R"(,"azp":"weft")", 1'800'000'000, 1'800'000'300,
                                                   R"(["weft","x"])")),
                                     keys_of(s), expect(), kNow)) == "ok");
}

BOOST_AUTO_TEST_CASE(rejects_wrong_issuer) {
  testing::JwtSigner s("RS256", "r1");
  BOOST_TEST(code_of(verify_id_token(s.sign(claims("", 1'800'000'000, 1'800'000'300, "\"weft\"",
                                                   "https://evil.example")),
                                     keys_of(s), expect(), kNow)) == "oidc.token_issuer");
}

BOOST_AUTO_TEST_CASE(rejects_expired_token_after_the_skew_allowance) {
  testing::JwtSigner s("RS256", "r1");
  const std::string t = s.sign(claims("", 1'799'999'900, 1'800'000'000));
  // Expired at kNow but within 60 s of skew: accepted; 61 s later: refused.
  BOOST_TEST(code_of(verify_id_token(t, keys_of(s), expect(), kNow)) == "ok");
  BOOST_TEST(code_of(verify_id_token(t, keys_of(s), expect(), kNow + std::chrono::seconds(61))) ==
             "oidc.token_expired");
}

BOOST_AUTO_TEST_CASE(rejects_tokens_issued_in_the_future_or_long_ago) {
  testing::JwtSigner s("RS256", "r1");
  BOOST_TEST(code_of(verify_id_token(s.sign(claims("", 1'800'000'120, 1'800'000'900)), keys_of(s),
                                     expect(), kNow)) == "oidc.token_iat");
  BOOST_TEST(code_of(verify_id_token(s.sign(claims("", 1'799'990'000, 1'800'090'000)), keys_of(s),
                                     expect(), kNow)) == "oidc.token_iat");
}

BOOST_AUTO_TEST_CASE(rejects_bad_signature) {
  testing::JwtSigner s("RS256", "r1"), other("RS256", "r1");
  // Signed by another key with the same kid.
  BOOST_TEST(code_of(verify_id_token(other.sign(claims()), keys_of(s), expect(), kNow)) ==
             "oidc.token_signature");
  // One claim changed after signing.
  std::string t = s.sign(claims());
  const auto dot1 = t.find('.'), dot2 = t.rfind('.');
  std::string forged = claims();
  forged.replace(forged.find("u-1"), 3, "u-2");
  t = t.substr(0, dot1 + 1) + base64url_encode(forged) + t.substr(dot2);
  BOOST_TEST(code_of(verify_id_token(t, keys_of(s), expect(), kNow)) == "oidc.token_signature");
}

BOOST_AUTO_TEST_CASE(rejects_alg_none_and_hmac_with_the_public_key) {
  testing::JwtSigner s("RS256", "r1");
  const std::string none = base64url_encode(std::string(R"({"alg":"none","kid":"r1"})")) + "." +
                           base64url_encode(claims()) + ".";
  BOOST_TEST(code_of(verify_id_token(none, keys_of(s), expect(), kNow)) == "oidc.token_alg");
  // An HS256 token: refused before any key is used as an HMAC secret.
  const std::string hs = s.sign(claims(), R"({"alg":"HS256","kid":"r1"})");
  BOOST_TEST(code_of(verify_id_token(hs, keys_of(s), expect(), kNow)) == "oidc.token_alg");
  // An ES256 header on a token for an RSA key finds no key.
  const std::string es = s.sign(claims(), R"({"alg":"ES256","kid":"r1"})");
  BOOST_TEST(code_of(verify_id_token(es, keys_of(s), expect(), kNow)) == "oidc.unknown_kid");
}

BOOST_AUTO_TEST_CASE(rejects_mismatched_or_missing_nonce) {
  testing::JwtSigner s("RS256", "r1");
  TokenExpectations e = expect();
  e.nonce = "n-2";
  BOOST_TEST(code_of(verify_id_token(s.sign(claims()), keys_of(s), e, kNow)) == "oidc.token_nonce");
  std::string no_nonce = claims();
  no_nonce.erase(no_nonce.find(R"("nonce":"n-1",)"), 14);
  BOOST_TEST(code_of(verify_id_token(s.sign(no_nonce), keys_of(s), expect(), kNow)) ==
             "oidc.token_nonce");
}

BOOST_AUTO_TEST_CASE(reports_an_unknown_kid_for_a_refetch) {
  testing::JwtSigner s("RS256", "rotated"), old("RS256", "r1");
  BOOST_TEST(code_of(verify_id_token(s.sign(claims()), keys_of(old), expect(), kNow)) ==
             "oidc.unknown_kid");
}

BOOST_AUTO_TEST_CASE(rejects_malformed_tokens_and_claims) {
  testing::JwtSigner s("RS256", "r1");
  for (const std::string t : {"", "a.b", "not a token", "....", "e30.e30.e30"})
    BOOST_TEST(code_of(verify_id_token(t, keys_of(s), expect(), kNow)) != "ok");
  std::string bad_groups = claims();
  bad_groups.replace(bad_groups.find(R"(["eng","ops"])"), 13, "\"eng\"");
  BOOST_TEST(code_of(verify_id_token(s.sign(bad_groups), keys_of(s), expect(), kNow)) ==
             "oidc.token_malformed");
}
