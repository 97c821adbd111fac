// Internal to lib/crypto (tests and bench only): HMAC-BLAKE2s through OpenSSL's EVP_MAC "HMAC",
// kept as an independent cross-check of hmac_blake2s() and as the slower baseline it is measured
// against. Not part of the facade; protocol code uses hmac_blake2s().
#pragma once

#include "crypto/crypto.h"

namespace weft::crypto::detail {

/// Same result as hmac_blake2s(); aborts only if OpenSSL cannot allocate.
Hash32 hmac_blake2s_evp_mac(const uint8_t* key, std::size_t key_len, const uint8_t* data,
                            std::size_t len);

}  // namespace weft::crypto::detail
