// ID token validation (OpenID Connect Core 1.0 section 3.1.3.7) on libjwt 1.10: libjwt parses
// the JWS and checks the signature; the algorithm is pinned to the key's before it is asked.
#include "identity/id_token.h"

#include <cerrno>
#include <memory>

#include <jwt.h>

#include "hujson/parser.h"

namespace weft::identity {
namespace {

struct JwtDeleter {
  void operator()(jwt_t* j) const { jwt_free(j); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtDeleter>;

Error malformed(std::string detail) {
  return make_error("oidc.token_malformed", std::move(detail));
}

// A claim as JSON text (libjwt keeps the claims as a JSON object), parsed with weft's parser.
std::optional<hujson::Value> claim_json(jwt_t* j, const char* name) {
  char* text = jwt_get_grants_json(j, name);
  if (text == nullptr) return std::nullopt;
  std::string copy(text);
  free(text);  // NOLINT: libjwt allocates with malloc
  hujson::ParseOutcome v = hujson::parse(copy, hujson::ParseLimits{kMaxIdTokenBytes, 8});
  return v.value;
}

Result<std::optional<std::string>> string_claim(jwt_t* j, const char* name) {
  auto v = claim_json(j, name);
  if (!v) return std::optional<std::string>();
  if (!v->is_string()) return malformed(std::string("the \"") + name + "\" claim is not a string");
  return std::optional<std::string>(v->text);
}

// NumericDate (RFC 7519 section 2): an integer number of seconds; fractions are refused.
Result<std::optional<int64_t>> time_claim(jwt_t* j, const char* name) {
  auto v = claim_json(j, name);
  if (!v) return std::optional<int64_t>();
  if (!v->is_number() || v->text.find_first_of(".eE") != std::string::npos ||
      v->number < 0 || v->number > 1e13) {
    return malformed(std::string("the \"") + name + "\" claim is not a whole number of seconds");
  }
  return std::optional<int64_t>(static_cast<int64_t>(v->number));
}

std::optional<JwsAlg> alg_of(std::string_view text) {
  if (text == "RS256") return JwsAlg::kRs256;
  if (text == "ES256") return JwsAlg::kEs256;
  return std::nullopt;
}

}  // namespace

Result<IdTokenClaims> verify_id_token(std::string_view token, const Jwks& keys,
                                      const TokenExpectations& expect, core::WallTime now) {
  if (token.empty() || token.size() > kMaxIdTokenBytes) return malformed("empty or over 16 KiB");
  const std::string text(token);
  // A first decode without a key only reads the protected header: which key, which algorithm.
  jwt_t* raw = nullptr;
  if (jwt_decode(&raw, text.c_str(), nullptr, 0) != 0 || raw == nullptr) {
    return malformed("not a signed JWT");
  }
  JwtPtr header(raw);
  const char* alg_text = jwt_get_header(header.get(), "alg");
  const char* kid_text = jwt_get_header(header.get(), "kid");
  const std::optional<JwsAlg> alg = alg_text ? alg_of(alg_text) : std::nullopt;
  if (!alg) {
    return make_error("oidc.token_alg", std::string("the token is signed with \"") +
                                            (alg_text ? alg_text : "(none)") +
                                            "\"; weft takes RS256 and ES256 only");
  }
  const std::string kid = kid_text ? kid_text : "";
  const Jwk* key = keys.find(kid, *alg);
  if (key == nullptr) {
    return make_error("oidc.unknown_kid", "no " + std::string(to_string(*alg)) +
                                              " key with kid \"" + kid + "\" in the provider's set");
  }
  raw = nullptr;
  const int rc = jwt_decode(&raw, text.c_str(), reinterpret_cast<const unsigned char*>(key->pem.data()),
                            static_cast<int>(key->pem.size()));
  JwtPtr jwt(raw);
  if (rc != 0 || !jwt) return make_error("oidc.token_signature", "the signature does not verify");
  // libjwt takes the algorithm from the header: insist it is still the key's (an HMAC keyed
  // with the public key's PEM would otherwise verify).
  const jwt_alg_t want = *alg == JwsAlg::kEs256 ? JWT_ALG_ES256 : JWT_ALG_RS256;
  if (jwt_get_alg(jwt.get()) != want) return make_error("oidc.token_alg", "algorithm changed");

  IdTokenClaims out;
  auto iss = string_claim(jwt.get(), "iss");
  auto sub = string_claim(jwt.get(), "sub");
  auto nonce = string_claim(jwt.get(), "nonce");
  auto azp = string_claim(jwt.get(), "azp");
  auto email = string_claim(jwt.get(), "email");
  auto name = string_claim(jwt.get(), "name");
  for (auto* r : {&iss, &sub, &nonce, &azp, &email, &name})
    if (!*r) return r->error();
  if (!*iss || **iss != expect.issuer) {
    return make_error("oidc.token_issuer", "the token's issuer \"" + iss->value_or("") +
                                               "\" is not \"" + expect.issuer + "\"");
  }
  // aud: one string or an array of strings, which must hold our client id.
  auto aud = claim_json(jwt.get(), "aud");
  bool audience = false;
  std::size_t audiences = 0;
  if (aud && aud->is_string()) {
    audience = aud->text == expect.client_id;
    audiences = 1;
  } else if (aud && aud->is_array()) {
    for (const auto& a : aud->items) {
      if (!a.is_string()) return malformed("an \"aud\" entry is not a string");
      audience = audience || a.text == expect.client_id;
      ++audiences;
    }
  }
  if (!audience) return make_error("oidc.token_audience", "the token is not for this client");
  if ((audiences > 1 || *azp) && (!*azp || **azp != expect.client_id)) {
    return make_error("oidc.token_audience", "the token's azp is not this client");
  }
  auto exp = time_claim(jwt.get(), "exp");
  auto iat = time_claim(jwt.get(), "iat");
  if (!exp) return exp.error();
  if (!iat) return iat.error();
  const int64_t now_s =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (!*exp || now_s >= **exp + kClockSkew.count()) {
    return make_error("oidc.token_expired", "the ID token expired");
  }
  if (!*iat || **iat > now_s + kClockSkew.count() ||
      now_s - **iat > std::chrono::duration_cast<std::chrono::seconds>(kMaxTokenAge).count() +
                          kClockSkew.count()) {
    return make_error("oidc.token_iat", "the ID token was issued in the future or too long ago");
  }
  if (!*nonce || expect.nonce.empty() || **nonce != expect.nonce) {
    return make_error("oidc.token_nonce", "the token's nonce is not this login's");
  }
  if (!*sub || (*sub)->empty()) return make_error("oidc.token_subject", "the token has no sub");
  out.issuer = **iss;
  out.subject = **sub;
  out.email = email->value_or("");
  out.name = name->value_or("");
  if (auto v = claim_json(jwt.get(), "email_verified")) {
    if (!v->is_bool()) return malformed("\"email_verified\" is not a boolean");
    out.email_verified = v->boolean;
  }
  if (auto g = claim_json(jwt.get(), "groups")) {
    if (!g->is_array()) return malformed("\"groups\" is not an array");
    for (const auto& item : g->items) {
      if (!item.is_string()) return malformed("a \"groups\" entry is not a string");
      if (out.groups.size() < kMaxGroupsPerUser) out.groups.push_back(item.text);
    }
  }
  return out;
}

}  // namespace weft::identity
