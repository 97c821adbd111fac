// Internal to lib/crypto: a reusable BLAKE2s-256 streaming hasher (one EVP_MD_CTX), so HMAC and
// the WireGuard KDF pay one context allocation per call instead of one per hash.
#pragma once

#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>

namespace weft::crypto::detail {

class Blake2sHasher {
 public:
  Blake2sHasher();
  ~Blake2sHasher();
  Blake2sHasher(const Blake2sHasher&) = delete;
  Blake2sHasher& operator=(const Blake2sHasher&) = delete;

  /// Starts a new hash; may be called again after final().
  void init();
  void update(const uint8_t* data, std::size_t len);
  /// Writes the 32-byte digest.
  void final(uint8_t* out32);

 private:
  EVP_MD_CTX* ctx_;
};

}  // namespace weft::crypto::detail
