// JWK Set parsing (identity/jwks.h): RSA and P-256 keys to PEM, strict members and sizes.
#define BOOST_TEST_MODULE identity_jwks
#include <boost/test/unit_test.hpp>

#include "identity/jwks.h"
#include "support/jwt_signer.h"

using namespace weft;
using namespace weft::identity;

namespace {
std::string code_of(const Result<Jwks>& r) { return r ? "ok" : r.error().code; }
}  // namespace

BOOST_AUTO_TEST_CASE(reads_rsa_and_ec_keys_and_skips_others) {
  testing::JwtSigner rsa("RS256", "r1"), ec("ES256", "e1");
  auto set = parse_jwks("{\"keys\":[" + rsa.jwk() + "," + ec.jwk() +
                        R"(,{"kty":"OKP","crv":"Ed25519","x":"AAAA"},{"kty":"RSA","use":"enc","n":"AQAB","e":"AQAB"}]})");
  BOOST_REQUIRE_MESSAGE(set.ok(), code_of(set));
  BOOST_TEST(set->keys.size() == 2u);
  BOOST_TEST(set->skipped == 2u);
  BOOST_TEST(set->find("r1", JwsAlg::kRs256) != nullptr);
  BOOST_TEST(set->find("e1", JwsAlg::kEs256) != nullptr);
  BOOST_TEST(set->find("e1", JwsAlg::kRs256) == nullptr);
  BOOST_TEST(set->keys[0].pem.rfind("-----BEGIN PUBLIC KEY-----", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(rejects_malformed_sets) {
  BOOST_TEST(code_of(parse_jwks("")) == "jwks.malformed");
  BOOST_TEST(code_of(parse_jwks("[]")) == "jwks.malformed");
  BOOST_TEST(code_of(parse_jwks(R"({"keys":{}})")) == "jwks.malformed");
  BOOST_TEST(code_of(parse_jwks(R"({"keys":[]})")) == "jwks.empty");
  BOOST_TEST(code_of(parse_jwks(R"({"keys":[{"kty":1}]})")) == "jwks.malformed");
  // Padding and the standard alphabet are not base64url.
  BOOST_TEST(code_of(parse_jwks(R"({"keys":[{"kty":"RSA","n":"AQAB==","e":"AQAB"}]})")) == "jwks.malformed");
  BOOST_TEST(code_of(parse_jwks(R"({"keys":[{"kty":"RSA","n":"a+b/","e":"AQAB"}]})")) == "jwks.malformed");
}

BOOST_AUTO_TEST_CASE(rejects_weak_or_broken_keys) {
  // A 512-bit modulus.
  const std::string small(86, 'A');
  BOOST_TEST(code_of(parse_jwks(R"({"keys":[{"kty":"RSA","n":"w)" + small.substr(1) + R"(","e":"AQAB"}]})")) ==
             "jwks.bad_key");
  testing::JwtSigner ec("ES256", "e1");
  std::string jwk = ec.jwk();
  // A point off the curve: y changed.
  const auto y = jwk.find("\"y\":\"") + 5;
  jwk[y] = jwk[y] == 'A' ? 'B' : 'A';
  BOOST_TEST(code_of(parse_jwks("{\"keys\":[" + jwk + "]}")) == "jwks.bad_key");
  // A private member.
  testing::JwtSigner rsa("RS256", "r1");
  std::string priv = rsa.jwk();
  priv.insert(1, R"("d":"AQAB",)");
  BOOST_TEST(code_of(parse_jwks("{\"keys\":[" + priv + "]}")) == "jwks.bad_key");
}

BOOST_AUTO_TEST_CASE(rejects_duplicate_kids) {
  testing::JwtSigner a("RS256", "k"), b("RS256", "k");
  BOOST_TEST(code_of(parse_jwks("{\"keys\":[" + a.jwk() + "," + b.jwk() + "]}")) == "jwks.duplicate_kid");
}
