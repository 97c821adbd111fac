// Secret hygiene helpers of the crypto facade: wiping and constant-time comparison.
#include <openssl/crypto.h>

#include "crypto/crypto.h"

namespace weft::crypto {

void secure_zero(void* p, std::size_t n) {
  if (n != 0) OPENSSL_cleanse(p, n);
}

bool constant_time_equal(const uint8_t* a, const uint8_t* b, std::size_t n) {
  return n == 0 || CRYPTO_memcmp(a, b, n) == 0;
}

}  // namespace weft::crypto
