// A test identity provider's signing side: RSA and P-256 keys generated with OpenSSL, their JWK
// Set, and compact JWS tokens (RS256, ES256, or a forged header) over any claims. Tests only.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>

#include "identity/base64url.h"

namespace weft::testing {

class JwtSigner {
 public:
  /// "RS256" or "ES256".
  JwtSigner(std::string alg, std::string kid) : alg_(std::move(alg)), kid_(std::move(kid)) {
    key_ = alg_ == "ES256" ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")
                           : EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048});
    if (key_ == nullptr) throw std::runtime_error("keygen");
  }
  ~JwtSigner() { EVP_PKEY_free(key_); }
  JwtSigner(const JwtSigner&) = delete;
  JwtSigner& operator=(const JwtSigner&) = delete;

  /// This key as one JWK object.
  std::string jwk() const {
    if (alg_ == "ES256") {
      return R"({"kty":"EC","crv":"P-256","use":"sig","kid":")" + kid_ + R"(","x":")" +
             bn_b64(OSSL_PKEY_PARAM_EC_PUB_X, 32) + R"(","y":")" + bn_b64(OSSL_PKEY_PARAM_EC_PUB_Y, 32) +
             "\"}";
    }
    return R"({"kty":"RSA","use":"sig","alg":"RS256","kid":")" + kid_ + R"(","n":")" +
           bn_b64(OSSL_PKEY_PARAM_RSA_N, 0) + R"(","e":")" + bn_b64(OSSL_PKEY_PARAM_RSA_E, 0) + "\"}";
  }
  std::string jwks() const { return "{\"keys\":[" + jwk() + "]}"; }

  /// header.payload.signature with this key; `header` defaults to {alg, kid, typ}.
  std::string sign(const std::string& claims, std::string header = "") const {
    if (header.empty()) header = R"({"alg":")" + alg_ + R"(","kid":")" + kid_ + R"(","typ":"JWT"})";
    const std::string input = identity::base64url_encode(header) + "." + identity::base64url_encode(claims);
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    std::size_t len = 0;
    EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key_);
    EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size());
    std::vector<unsigned char> sig(len);
    EVP_DigestSign(ctx, sig.data(), &len, reinterpret_cast<const unsigned char*>(input.data()), input.size());
    EVP_MD_CTX_free(ctx);
    sig.resize(len);
    if (alg_ == "ES256") sig = raw_ecdsa(sig);
    return input + "." + identity::base64url_encode(sig.data(), sig.size());
  }

 private:
  std::string bn_b64(const char* name, int width) const {
    BIGNUM* bn = nullptr;
    EVP_PKEY_get_bn_param(key_, name, &bn);
    std::vector<unsigned char> out(width ? width : BN_num_bytes(bn));
    BN_bn2binpad(bn, out.data(), static_cast<int>(out.size()));
    BN_free(bn);
    return identity::base64url_encode(out.data(), out.size());
  }
  // JWS wants R || S, 32 bytes each (RFC 7518 section 3.4); OpenSSL signs DER.
  static std::vector<unsigned char> raw_ecdsa(const std::vector<unsigned char>& der) {
    const unsigned char* p = der.data();
    ECDSA_SIG* s = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
    std::vector<unsigned char> out(64);
    BN_bn2binpad(ECDSA_SIG_get0_r(s), out.data(), 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(s), out.data() + 32, 32);
    ECDSA_SIG_free(s);
    return out;
  }
  std::string alg_, kid_;
  EVP_PKEY* key_ = nullptr;
};

}  // namespace weft::testing
