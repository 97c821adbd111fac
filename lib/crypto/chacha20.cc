// ChaCha20 (RFC 8439 sections 2.1-2.4), portable: one 64-byte block at a time; and the CPU
// checks that let the AEAD (chacha20_poly1305.cc) choose the AVX-512 or AVX2 version.
#include "crypto/chacha20.h"

#include <cstring>

#include "crypto/crypto.h"

namespace weft::crypto::detail {
namespace {

uint32_t load32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

void store32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
  p[2] = static_cast<uint8_t>(v >> 16);
  p[3] = static_cast<uint8_t>(v >> 24);
}

uint32_t rotl(uint32_t v, int n) { return (v << n) | (v >> (32 - n)); }

void quarter_round(uint32_t* x, int a, int b, int c, int d) {
  x[a] += x[b]; x[d] = rotl(x[d] ^ x[a], 16);
  x[c] += x[d]; x[b] = rotl(x[b] ^ x[c], 12);
  x[a] += x[b]; x[d] = rotl(x[d] ^ x[a], 8);
  x[c] += x[d]; x[b] = rotl(x[b] ^ x[c], 7);
}

// RFC 8439 section 2.3: the block function, serialised little-endian into `out`.
void block(const uint32_t state[16], uint8_t out[64]) {
  uint32_t x[16];
  std::memcpy(x, state, sizeof(x));
  for (int i = 0; i < 10; ++i) {
    quarter_round(x, 0, 4, 8, 12);
    quarter_round(x, 1, 5, 9, 13);
    quarter_round(x, 2, 6, 10, 14);
    quarter_round(x, 3, 7, 11, 15);
    quarter_round(x, 0, 5, 10, 15);
    quarter_round(x, 1, 6, 11, 12);
    quarter_round(x, 2, 7, 8, 13);
    quarter_round(x, 3, 4, 9, 14);
  }
  for (int i = 0; i < 16; ++i) store32(out + 4 * i, x[i] + state[i]);
  secure_zero(x, sizeof(x));
}

bool detect_avx512() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f");
}

bool detect_avx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2");
}

}  // namespace

bool have_avx512() {
  static const bool yes = detect_avx512();
  return yes;
}

bool have_avx2() {
  static const bool yes = detect_avx2();
  return yes;
}

void chacha20_xor_portable(const uint8_t key[32], const uint8_t nonce[12], uint32_t counter,
                           const uint8_t* in, uint8_t* out, std::size_t len,
                           uint8_t* first_block) {
  uint32_t state[16] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};  // "expand 32-byte k"
  for (int i = 0; i < 8; ++i) state[4 + i] = load32(key + 4 * i);
  state[12] = counter;
  for (int i = 0; i < 3; ++i) state[13 + i] = load32(nonce + 4 * i);
  if (first_block != nullptr) {
    block(state, first_block);
    ++state[12];
  }
  uint8_t stream[kChaChaBlockSize];
  while (len != 0) {
    block(state, stream);
    ++state[12];
    const std::size_t n = len < kChaChaBlockSize ? len : kChaChaBlockSize;
    for (std::size_t i = 0; i < n; ++i) out[i] = (in != nullptr ? in[i] : 0) ^ stream[i];
    if (in != nullptr) in += n;
    out += n;
    len -= n;
  }
  secure_zero(state, sizeof(state));
  secure_zero(stream, sizeof(stream));
}

}  // namespace weft::crypto::detail
