// ChaCha20 (RFC 8439 section 2.3) with AVX-512F: four blocks per set of four registers, one
// 128-bit lane per block and one register per row of the state, two sets at a time.
#include <cstring>

#include "crypto/chacha20.h"
#include "crypto/crypto.h"
#include "crypto/simd.h"

namespace weft::crypto::detail {
namespace {

struct Rows {
  __m512i a, b, c, d;
};

WEFT_AVX512 inline void quarter_rounds(Rows& s) {
  s.a = _mm512_add_epi32(s.a, s.b);
  s.d = _mm512_rol_epi32(_mm512_xor_si512(s.d, s.a), 16);
  s.c = _mm512_add_epi32(s.c, s.d);
  s.b = _mm512_rol_epi32(_mm512_xor_si512(s.b, s.c), 12);
  s.a = _mm512_add_epi32(s.a, s.b);
  s.d = _mm512_rol_epi32(_mm512_xor_si512(s.d, s.a), 8);
  s.c = _mm512_add_epi32(s.c, s.d);
  s.b = _mm512_rol_epi32(_mm512_xor_si512(s.b, s.c), 7);
}

// Moves the diagonals of every block into columns, and back (section 2.3's inner block).
WEFT_AVX512 inline void diagonalize(Rows& s) {
  s.b = _mm512_shuffle_epi32(s.b, _MM_PERM_ADCB);
  s.c = _mm512_shuffle_epi32(s.c, _MM_PERM_BADC);
  s.d = _mm512_shuffle_epi32(s.d, _MM_PERM_CBAD);
}

WEFT_AVX512 inline void undiagonalize(Rows& s) {
  s.b = _mm512_shuffle_epi32(s.b, _MM_PERM_CBAD);
  s.c = _mm512_shuffle_epi32(s.c, _MM_PERM_BADC);
  s.d = _mm512_shuffle_epi32(s.d, _MM_PERM_ADCB);
}

// The keystream of four consecutive blocks, block k in 128-bit lane k of each row.
WEFT_AVX512 inline void finish(Rows& s, const Rows& in) {
  s.a = _mm512_add_epi32(s.a, in.a);
  s.b = _mm512_add_epi32(s.b, in.b);
  s.c = _mm512_add_epi32(s.c, in.c);
  s.d = _mm512_add_epi32(s.d, in.d);
}

// Rows -> four contiguous 64-byte blocks: out[k] = lane k of a, b, c, d.
WEFT_AVX512 inline void to_blocks(const Rows& s, __m512i out[4]) {
  const __m512i ab_lo = _mm512_shuffle_i32x4(s.a, s.b, _MM_SHUFFLE(1, 0, 1, 0));
  const __m512i ab_hi = _mm512_shuffle_i32x4(s.a, s.b, _MM_SHUFFLE(3, 2, 3, 2));
  const __m512i cd_lo = _mm512_shuffle_i32x4(s.c, s.d, _MM_SHUFFLE(1, 0, 1, 0));
  const __m512i cd_hi = _mm512_shuffle_i32x4(s.c, s.d, _MM_SHUFFLE(3, 2, 3, 2));
  out[0] = _mm512_shuffle_i32x4(ab_lo, cd_lo, _MM_SHUFFLE(2, 0, 2, 0));
  out[1] = _mm512_shuffle_i32x4(ab_lo, cd_lo, _MM_SHUFFLE(3, 1, 3, 1));
  out[2] = _mm512_shuffle_i32x4(ab_hi, cd_hi, _MM_SHUFFLE(2, 0, 2, 0));
  out[3] = _mm512_shuffle_i32x4(ab_hi, cd_hi, _MM_SHUFFLE(3, 1, 3, 1));
}

// Eight blocks from the state `in` (lane k at counter + k) and the next four lanes' state.
WEFT_AVX512 inline void eight_blocks(const Rows& in, __m512i out[8]) {
  const __m512i four = _mm512_set_epi32(0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 4);
  const Rows in2{in.a, in.b, in.c, _mm512_add_epi32(in.d, four)};
  Rows x = in;
  Rows y = in2;
  for (int i = 0; i < 10; ++i) {
    quarter_rounds(x);
    quarter_rounds(y);
    diagonalize(x);
    diagonalize(y);
    quarter_rounds(x);
    quarter_rounds(y);
    undiagonalize(x);
    undiagonalize(y);
  }
  finish(x, in);
  finish(y, in2);
  to_blocks(x, out);
  to_blocks(y, out + 4);
}

WEFT_AVX512 inline void four_blocks(const Rows& in, __m512i out[4]) {
  Rows x = in;
  for (int i = 0; i < 10; ++i) {
    quarter_rounds(x);
    diagonalize(x);
    quarter_rounds(x);
    undiagonalize(x);
  }
  finish(x, in);
  to_blocks(x, out);
}

}  // namespace

WEFT_AVX512 void chacha20_xor_avx512(const uint8_t key[32], const uint8_t nonce[12],
                                     uint32_t counter, const uint8_t* in, uint8_t* out,
                                     std::size_t len, uint8_t* first_block) {
  alignas(16) uint32_t row3[4] = {counter, 0, 0, 0};
  std::memcpy(row3 + 1, nonce, 12);  // little-endian words on x86
  Rows state;
  state.a = _mm512_broadcast_i32x4(_mm_set_epi32(0x6b206574, 0x79622d32, 0x3320646e, 0x61707865));
  state.b = _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(key)));
  state.c = _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(key + 16)));
  state.d = _mm512_add_epi32(_mm512_broadcast_i32x4(_mm_load_si128(reinterpret_cast<__m128i*>(row3))),
                             _mm512_set_epi32(0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0));
  // Blocks still to produce: the data's, and the first block when it is asked for.
  std::size_t skip = first_block != nullptr ? 1 : 0;
  std::size_t blocks_left = skip + (len + kChaChaBlockSize - 1) / kChaChaBlockSize;
  __m512i ks[8];
  while (blocks_left != 0) {
    const std::size_t n = blocks_left > 4 ? 8 : 4;
    if (n == 8) {
      eight_blocks(state, ks);
    } else {
      four_blocks(state, ks);
    }
    const __m512i step = _mm512_set_epi32(0, 0, 0, static_cast<int>(n), 0, 0, 0,
                                          static_cast<int>(n), 0, 0, 0, static_cast<int>(n), 0,
                                          0, 0, static_cast<int>(n));
    state.d = _mm512_add_epi32(state.d, step);
    const std::size_t used = blocks_left < n ? blocks_left : n;
    for (std::size_t k = 0; k < used; ++k) {
      if (skip != 0) {
        _mm512_storeu_si512(first_block, ks[k]);
        skip = 0;
        continue;
      }
      if (len >= kChaChaBlockSize) {
        if (in != nullptr) {
          _mm512_storeu_si512(out, _mm512_xor_si512(_mm512_loadu_si512(in), ks[k]));
          in += kChaChaBlockSize;
        } else {
          _mm512_storeu_si512(out, ks[k]);
        }
        out += kChaChaBlockSize;
        len -= kChaChaBlockSize;
      } else {
        // The last, partial block (byte masks would need AVX-512BW).
        alignas(64) uint8_t stream[kChaChaBlockSize];
        _mm512_store_si512(stream, ks[k]);
        for (std::size_t i = 0; i < len; ++i) out[i] = (in != nullptr ? in[i] : 0) ^ stream[i];
        secure_zero(stream, sizeof(stream));
        len = 0;
      }
    }
    blocks_left -= used;
  }
  secure_zero(ks, sizeof(ks));  // the last keystream (register spills are beyond reach)
}

}  // namespace weft::crypto::detail
