// Internal to lib/crypto: the cached OpenSSL 3 algorithm fetches (see openssl_algorithms.h).
#include "crypto/openssl_algorithms.h"

#include <cstdio>
#include <cstdlib>

namespace weft::crypto::detail {

void fatal(const char* what) {
  std::fprintf(stderr, "weft::crypto: fatal: %s\n", what);
  std::abort();
}

namespace {

template <class T>
T* must(T* handle, const char* what) {
  if (handle == nullptr) fatal(what);
  return handle;
}

}  // namespace

// The handles are deliberately never freed: they live until exit, and freeing them from a static
// destructor would race with OpenSSL's own atexit cleanup.
const EVP_MD* blake2s256_md() {
  static const EVP_MD* md =
      must(EVP_MD_fetch(nullptr, "BLAKE2S-256", nullptr), "OpenSSL lacks BLAKE2S-256");
  return md;
}

EVP_MAC* blake2s_mac() {
  static EVP_MAC* mac =
      must(EVP_MAC_fetch(nullptr, "BLAKE2SMAC", nullptr), "OpenSSL lacks BLAKE2SMAC");
  return mac;
}

EVP_MAC* hmac_mac() {
  static EVP_MAC* mac = must(EVP_MAC_fetch(nullptr, "HMAC", nullptr), "OpenSSL lacks HMAC");
  return mac;
}

const EVP_CIPHER* chacha20_poly1305_cipher() {
  static const EVP_CIPHER* cipher = must(EVP_CIPHER_fetch(nullptr, "ChaCha20-Poly1305", nullptr),
                                         "OpenSSL lacks ChaCha20-Poly1305");
  return cipher;
}

}  // namespace weft::crypto::detail
