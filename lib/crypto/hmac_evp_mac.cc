// HMAC-BLAKE2s through OpenSSL's EVP_MAC "HMAC" (cross-check and benchmark baseline only).
#include "crypto/hmac_evp_mac.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <memory>

#include "crypto/openssl_algorithms.h"

namespace weft::crypto::detail {

Hash32 hmac_blake2s_evp_mac(const uint8_t* key, std::size_t key_len, const uint8_t* data,
                            std::size_t len) {
  struct MacCtxDeleter {
    void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
  };
  std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter> ctx(EVP_MAC_CTX_new(hmac_mac()));
  if (!ctx) fatal("EVP_MAC_CTX allocation failed");
  char digest[] = "BLAKE2S-256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  // OpenSSL's HMAC rejects a NULL key pointer even when the length is zero.
  static const uint8_t kEmpty = 0;
  Hash32 out;
  std::size_t written = 0;
  if (EVP_MAC_init(ctx.get(), key_len != 0 ? key : &kEmpty, key_len, params) != 1 ||
      (len != 0 && EVP_MAC_update(ctx.get(), data, len) != 1) ||
      EVP_MAC_final(ctx.get(), out.data(), &written, out.size()) != 1 || written != out.size()) {
    fatal("EVP_MAC HMAC-BLAKE2s failed");
  }
  return out;
}

}  // namespace weft::crypto::detail
