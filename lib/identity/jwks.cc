// JWK Set (RFC 7517) to OpenSSL public keys (PEM for libjwt): RSA n/e and EC P-256 x/y only.
#include "identity/jwks.h"

#include <memory>
#include <set>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "hujson/parser.h"
#include "identity/base64url.h"

namespace weft::identity {
namespace {

Error malformed(std::string detail) { return make_error("jwks.malformed", std::move(detail)); }
Error bad_key(std::string detail) { return make_error("jwks.bad_key", std::move(detail)); }

struct Deleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
};
template <class T>
using Owned = std::unique_ptr<T, Deleter>;

// A member that must be a string when present; nullptr when absent.
Result<const std::string*> string_member(const hujson::Value& o, std::string_view name) {
  const hujson::Value* v = o.find(name);
  if (v == nullptr) return static_cast<const std::string*>(nullptr);
  if (!v->is_string()) return malformed("\"" + std::string(name) + "\" is not a string");
  return &v->text;
}

Result<std::vector<uint8_t>> bytes_member(const hujson::Value& o, std::string_view name) {
  auto s = string_member(o, name);
  if (!s) return s.error();
  if (*s == nullptr) return malformed("a key has no \"" + std::string(name) + "\"");
  auto bytes = base64url_decode(**s);
  if (!bytes || bytes->empty()) {
    return malformed("\"" + std::string(name) + "\" is not canonical base64url");
  }
  return std::move(*bytes);
}

Result<std::string> to_pem(EVP_PKEY* key) {
  Owned<BIO> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key) != 1) return bad_key("cannot encode the key");
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

Result<std::string> from_params(const char* type, OSSL_PARAM_BLD* bld) {
  Owned<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(bld));
  Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return bad_key(std::string("OpenSSL refuses the ") + type + " key");
  }
  Owned<EVP_PKEY> key(raw);
  Owned<EVP_PKEY_CTX> check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    return bad_key(std::string("the ") + type + " public key fails OpenSSL's check");
  }
  return to_pem(key.get());
}

Result<std::string> rsa_pem(const hujson::Value& k) {
  auto n = bytes_member(k, "n");
  if (!n) return n.error();
  auto e = bytes_member(k, "e");
  if (!e) return e.error();
  if ((*n)[0] == 0 || (*e)[0] == 0) return malformed("\"n\" or \"e\" has a leading zero byte");
  const std::size_t bits = n->size() * 8;
  if (bits < kMinRsaBits || bits > kMaxRsaBits) {
    return bad_key("an RSA modulus of " + std::to_string(bits) + " bits (weft takes " +
                   std::to_string(kMinRsaBits) + ".." + std::to_string(kMaxRsaBits) + ")");
  }
  if (e->size() > 4 || (e->back() & 1) == 0 || (e->size() == 1 && e->back() < 3)) {
    return bad_key("an RSA exponent that is even, below 3 or above 32 bits");
  }
  Owned<BIGNUM> bn_n(BN_bin2bn(n->data(), static_cast<int>(n->size()), nullptr));
  Owned<BIGNUM> bn_e(BN_bin2bn(e->data(), static_cast<int>(e->size()), nullptr));
  Owned<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
  if (!bn_n || !bn_e || !bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return bad_key("cannot build the RSA key");
  }
  return from_params("RSA", bld.get());
}

Result<std::string> ec_pem(const hujson::Value& k) {
  auto x = bytes_member(k, "x");
  if (!x) return x.error();
  auto y = bytes_member(k, "y");
  if (!y) return y.error();
  // RFC 7518 section 6.2.1.2: exactly the field size, leading zeros kept.
  if (x->size() != 32 || y->size() != 32) return bad_key("a P-256 coordinate is not 32 bytes");
  std::vector<uint8_t> point{0x04};
  point.insert(point.end(), x->begin(), x->end());
  point.insert(point.end(), y->begin(), y->end());
  Owned<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return bad_key("cannot build the EC key");
  }
  return from_params("EC", bld.get());
}

// One key: a usable Jwk, nullopt for a key weft does not use, or an error.
Result<std::optional<Jwk>> parse_key(const hujson::Value& k) {
  if (!k.is_object()) return malformed("a key is not an object");
  auto kty = string_member(k, "kty");
  auto use = string_member(k, "use");
  auto alg = string_member(k, "alg");
  auto kid = string_member(k, "kid");
  auto crv = string_member(k, "crv");
  for (const auto* r : {&kty, &use, &alg, &kid, &crv})
    if (!*r) return r->error();
  if (*kty == nullptr) return malformed("a key has no \"kty\"");
  if (k.find("d") != nullptr || k.find("p") != nullptr) {
    return bad_key("the set holds a private key member (\"d\" or \"p\")");
  }
  if (*use != nullptr && **use != "sig") return std::optional<Jwk>();
  Jwk out;
  if (*kid != nullptr) out.kid = **kid;
  Result<std::string> pem = std::string();
  if (**kty == "RSA") {
    if (*alg != nullptr && **alg != "RS256") return std::optional<Jwk>();
    out.alg = JwsAlg::kRs256;
    pem = rsa_pem(k);
  } else if (**kty == "EC") {
    if (*crv == nullptr) return malformed("an EC key has no \"crv\"");
    if (**crv != "P-256" || (*alg != nullptr && **alg != "ES256")) return std::optional<Jwk>();
    out.alg = JwsAlg::kEs256;
    pem = ec_pem(k);
  } else {
    return std::optional<Jwk>();
  }
  if (!pem) return pem.error();
  out.pem = std::move(*pem);
  return std::optional<Jwk>(std::move(out));
}

}  // namespace

const char* to_string(JwsAlg alg) { return alg == JwsAlg::kEs256 ? "ES256" : "RS256"; }

const Jwk* Jwks::find(std::string_view kid, JwsAlg alg) const {
  if (kid.empty()) {
    return keys.size() == 1 && keys[0].alg == alg ? &keys[0] : nullptr;
  }
  for (const Jwk& k : keys)
    if (k.kid == kid && k.alg == alg) return &k;
  return nullptr;
}

Result<Jwks> parse_jwks(std::string_view text) {
  if (text.size() > kMaxJwksBytes) return malformed("the key set is larger than 256 KiB");
  hujson::ParseOutcome doc = hujson::parse(text, hujson::ParseLimits{kMaxJwksBytes, 16});
  if (!doc.value) {
    return malformed(doc.errors.empty() ? "not JSON" : "not JSON: " + doc.errors[0].message);
  }
  const hujson::Value* keys = doc.value->find("keys");
  if (keys == nullptr || !keys->is_array()) return malformed("no \"keys\" array");
  if (keys->items.size() > kMaxJwksKeys) return malformed("more than 64 keys");
  Jwks out;
  std::set<std::string> kids;
  for (const hujson::Value& k : keys->items) {
    auto key = parse_key(k);
    if (!key) return key.error();
    if (!*key) {
      ++out.skipped;
      continue;
    }
    if (!(*key)->kid.empty() && !kids.insert((*key)->kid).second) {
      return make_error("jwks.duplicate_kid", "two keys with kid \"" + (*key)->kid + "\"");
    }
    out.keys.push_back(std::move(**key));
  }
  if (out.keys.empty()) return make_error("jwks.empty", "no RS256 or ES256 signing key in the set");
  return out;
}

}  // namespace weft::identity
