// ChaCha20 (RFC 8439 section 2.3-2.4): the keystream XORed over a buffer, portable and with
// AVX-512 or AVX2. Internal to lib/crypto (the AEAD in chacha20_poly1305.cc, tests, bench).
#pragma once

#include <cstddef>
#include <cstdint>

namespace weft::crypto::detail {

inline constexpr std::size_t kChaChaBlockSize = 64;

// Every implementation below XORs the keystream of (key, nonce) from block `counter` over
// `len` bytes of `in` into `out` (out may equal in; with in null the keystream itself is
// written). When `first_block` is not null, the keystream of block `counter` is written there
// (64 bytes) instead and the data starts at block counter + 1: the AEAD's Poly1305 key and its
// ciphertext in one pass. The 32-bit block counter must not wrap. The AEAD picks one by the CPU
// (chacha20_poly1305.cc); tests and the bench call each by name.

/// The portable implementation (one block at a time), always available.
void chacha20_xor_portable(const uint8_t key[32], const uint8_t nonce[12], uint32_t counter,
                           const uint8_t* in, uint8_t* out, std::size_t len,
                           uint8_t* first_block);

/// The AVX-512F implementation (eight blocks at a time). Call only when have_avx512() is true.
void chacha20_xor_avx512(const uint8_t key[32], const uint8_t nonce[12], uint32_t counter,
                         const uint8_t* in, uint8_t* out, std::size_t len, uint8_t* first_block);

/// The AVX2 implementation (eight blocks at a time). Call only when have_avx2() is true.
void chacha20_xor_avx2(const uint8_t key[32], const uint8_t nonce[12], uint32_t counter,
                       const uint8_t* in, uint8_t* out, std::size_t len, uint8_t* first_block);

/// True when this CPU and the OS support AVX-512F, or AVX2 (each checked once).
bool have_avx512();
bool have_avx2();

}  // namespace weft::crypto::detail
