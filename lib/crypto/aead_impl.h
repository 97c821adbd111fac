// Which ChaCha20-Poly1305 (RFC 8439 section 2.8) the facade runs, and each of them by name for
// tests and benchmarks. Internal to lib/crypto.
#pragma once

#include <cstddef>
#include <cstdint>

namespace weft::crypto::detail {

enum class AeadImpl {
  kOpenSsl,   // OpenSSL 3 EVP "ChaCha20-Poly1305"
  kPortable,  // weft's own, one block at a time (reference for the vector path)
  kAvx2,      // weft's own with AVX2 (chacha20_avx2.cc, poly1305_avx2.cc)
  kAvx512,    // weft's own with AVX-512F (chacha20_avx512.cc, poly1305_avx512.cc)
};

/// The one the facade uses: kAvx512 when this CPU has AVX-512F, else kAvx2 with AVX2, else
/// kOpenSsl.
AeadImpl aead_impl();
const char* aead_impl_name(AeadImpl impl);

/// The facade's seal/open contracts (crypto.h), run by `impl`. kAvx512 needs have_avx512(),
/// kAvx2 have_avx2().
void aead_seal_with(AeadImpl impl, const uint8_t key[32], const uint8_t nonce[12],
                    const uint8_t* plain, std::size_t len, const uint8_t* ad, std::size_t ad_len,
                    uint8_t* out);
bool aead_open_with(AeadImpl impl, const uint8_t key[32], const uint8_t nonce[12],
                    const uint8_t* cipher, std::size_t len, const uint8_t* ad,
                    std::size_t ad_len, uint8_t* out);

// The OpenSSL one (chacha20_poly1305_evp.cc). A context made with a key keeps its key
// schedule, and then `key` may be null in seal/open.
void* evp_aead_new(const uint8_t* key);
void evp_aead_free(void* ctx);
void evp_aead_seal(void* ctx, const uint8_t* key, const uint8_t nonce[12], const uint8_t* plain,
                   std::size_t len, const uint8_t* ad, std::size_t ad_len, uint8_t* out);
bool evp_aead_open(void* ctx, const uint8_t* key, const uint8_t nonce[12], const uint8_t* cipher,
                   std::size_t len, const uint8_t* ad, std::size_t ad_len, uint8_t* out);

}  // namespace weft::crypto::detail
