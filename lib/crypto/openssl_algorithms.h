// Internal to lib/crypto: process-wide, lazily fetched OpenSSL 3 algorithm handles. Fetching by
// name per call costs microseconds in OpenSSL 3 (provider lookup), so each handle is fetched once.
#pragma once

#include <openssl/evp.h>

namespace weft::crypto::detail {

// Each returns a handle fetched on first use (thread-safe: C++ static initialisation) and kept for
// the life of the process. A missing algorithm means a broken OpenSSL install: the process aborts.
const EVP_MD* blake2s256_md();
EVP_MAC* blake2s_mac();
EVP_MAC* hmac_mac();
const EVP_CIPHER* chacha20_poly1305_cipher();

/// Aborts with `what` on stderr. For failures that only allocation exhaustion or a broken
/// library can cause; cores never see them as errors to handle.
[[noreturn]] void fatal(const char* what);

}  // namespace weft::crypto::detail
