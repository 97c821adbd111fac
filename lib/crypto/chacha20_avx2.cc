// ChaCha20 (RFC 8439 section 2.3) with AVX2, for CPUs without AVX-512F. Eight blocks at a time
// with one register per state word (lane j = block j), transposed into blocks at the end; up to
// four left over with chacha20_avx512.cc's layout on 256-bit registers (one 128-bit lane per
// block, a register per row). AVX2 has no vector rotate: 16 and 8 bits are byte shuffles, 12
// and 7 two shifts.
#include <cstring>

#include "crypto/chacha20.h"
#include "crypto/crypto.h"
#include "crypto/simd.h"

namespace weft::crypto::detail {
namespace {

struct Rows {
  __m256i a, b, c, d;
};

WEFT_AVX2 inline __m256i rotl16(__m256i v) {
  const __m256i k = _mm256_setr_epi8(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13, 2, 3,
                                     0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
  return _mm256_shuffle_epi8(v, k);
}

WEFT_AVX2 inline __m256i rotl8(__m256i v) {
  const __m256i k = _mm256_setr_epi8(3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14, 3, 0,
                                     1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14);
  return _mm256_shuffle_epi8(v, k);
}

template <int N>
WEFT_AVX2 inline __m256i rotl(__m256i v) {
  return _mm256_or_si256(_mm256_slli_epi32(v, N), _mm256_srli_epi32(v, 32 - N));
}

WEFT_AVX2 inline void quarter_rounds(Rows& s) {
  s.a = _mm256_add_epi32(s.a, s.b);
  s.d = rotl16(_mm256_xor_si256(s.d, s.a));
  s.c = _mm256_add_epi32(s.c, s.d);
  s.b = rotl<12>(_mm256_xor_si256(s.b, s.c));
  s.a = _mm256_add_epi32(s.a, s.b);
  s.d = rotl8(_mm256_xor_si256(s.d, s.a));
  s.c = _mm256_add_epi32(s.c, s.d);
  s.b = rotl<7>(_mm256_xor_si256(s.b, s.c));
}

WEFT_AVX2 inline void diagonalize(Rows& s) {
  s.b = _mm256_shuffle_epi32(s.b, _MM_SHUFFLE(0, 3, 2, 1));
  s.c = _mm256_shuffle_epi32(s.c, _MM_SHUFFLE(1, 0, 3, 2));
  s.d = _mm256_shuffle_epi32(s.d, _MM_SHUFFLE(2, 1, 0, 3));
}

WEFT_AVX2 inline void undiagonalize(Rows& s) {
  s.b = _mm256_shuffle_epi32(s.b, _MM_SHUFFLE(2, 1, 0, 3));
  s.c = _mm256_shuffle_epi32(s.c, _MM_SHUFFLE(1, 0, 3, 2));
  s.d = _mm256_shuffle_epi32(s.d, _MM_SHUFFLE(0, 3, 2, 1));
}

WEFT_AVX2 inline void finish(Rows& s, const Rows& in) {
  s.a = _mm256_add_epi32(s.a, in.a);
  s.b = _mm256_add_epi32(s.b, in.b);
  s.c = _mm256_add_epi32(s.c, in.c);
  s.d = _mm256_add_epi32(s.d, in.d);
}

// Rows -> two contiguous 64-byte blocks, each as two 256-bit halves: block k = lane k of a, b,
// then lane k of c, d.
WEFT_AVX2 inline void to_blocks(const Rows& s, __m256i out[4]) {
  out[0] = _mm256_permute2x128_si256(s.a, s.b, 0x20);  // block 0: a0 b0
  out[1] = _mm256_permute2x128_si256(s.c, s.d, 0x20);  //          c0 d0
  out[2] = _mm256_permute2x128_si256(s.a, s.b, 0x31);  // block 1: a1 b1
  out[3] = _mm256_permute2x128_si256(s.c, s.d, 0x31);  //          c1 d1
}

WEFT_AVX2 inline void quarter_round(__m256i& a, __m256i& b, __m256i& c, __m256i& d) {
  a = _mm256_add_epi32(a, b);
  d = rotl16(_mm256_xor_si256(d, a));
  c = _mm256_add_epi32(c, d);
  b = rotl<12>(_mm256_xor_si256(b, c));
  a = _mm256_add_epi32(a, b);
  d = rotl8(_mm256_xor_si256(d, a));
  c = _mm256_add_epi32(c, d);
  b = rotl<7>(_mm256_xor_si256(b, c));
}

// Eight registers holding one word of eight blocks each -> eight registers holding eight
// consecutive words of one block each (an 8 x 8 transpose of 32-bit words).
WEFT_AVX2 inline void transpose8(const __m256i* a, __m256i* out, int stride) {
  const __m256i t0 = _mm256_unpacklo_epi32(a[0], a[1]);
  const __m256i t1 = _mm256_unpackhi_epi32(a[0], a[1]);
  const __m256i t2 = _mm256_unpacklo_epi32(a[2], a[3]);
  const __m256i t3 = _mm256_unpackhi_epi32(a[2], a[3]);
  const __m256i t4 = _mm256_unpacklo_epi32(a[4], a[5]);
  const __m256i t5 = _mm256_unpackhi_epi32(a[4], a[5]);
  const __m256i t6 = _mm256_unpacklo_epi32(a[6], a[7]);
  const __m256i t7 = _mm256_unpackhi_epi32(a[6], a[7]);
  const __m256i s0 = _mm256_unpacklo_epi64(t0, t2);  // words of blocks 0 | 4
  const __m256i s1 = _mm256_unpackhi_epi64(t0, t2);  // 1 | 5
  const __m256i s2 = _mm256_unpacklo_epi64(t1, t3);  // 2 | 6
  const __m256i s3 = _mm256_unpackhi_epi64(t1, t3);  // 3 | 7
  const __m256i s4 = _mm256_unpacklo_epi64(t4, t6);
  const __m256i s5 = _mm256_unpackhi_epi64(t4, t6);
  const __m256i s6 = _mm256_unpacklo_epi64(t5, t7);
  const __m256i s7 = _mm256_unpackhi_epi64(t5, t7);
  out[0 * stride] = _mm256_permute2x128_si256(s0, s4, 0x20);
  out[1 * stride] = _mm256_permute2x128_si256(s1, s5, 0x20);
  out[2 * stride] = _mm256_permute2x128_si256(s2, s6, 0x20);
  out[3 * stride] = _mm256_permute2x128_si256(s3, s7, 0x20);
  out[4 * stride] = _mm256_permute2x128_si256(s0, s4, 0x31);
  out[5 * stride] = _mm256_permute2x128_si256(s1, s5, 0x31);
  out[6 * stride] = _mm256_permute2x128_si256(s2, s6, 0x31);
  out[7 * stride] = _mm256_permute2x128_si256(s3, s7, 0x31);
}

// Eight blocks from `state` (block j at its counter + j): block j's halves in out[2j], out[2j+1].
WEFT_AVX2 inline void eight_blocks(const uint32_t state[16], __m256i out[16]) {
  __m256i x[16];
  for (int i = 0; i < 16; ++i) x[i] = _mm256_set1_epi32(static_cast<int>(state[i]));
  const __m256i counters = _mm256_add_epi32(x[12], _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  x[12] = counters;
  for (int i = 0; i < 10; ++i) {
    quarter_round(x[0], x[4], x[8], x[12]);
    quarter_round(x[1], x[5], x[9], x[13]);
    quarter_round(x[2], x[6], x[10], x[14]);
    quarter_round(x[3], x[7], x[11], x[15]);
    quarter_round(x[0], x[5], x[10], x[15]);
    quarter_round(x[1], x[6], x[11], x[12]);
    quarter_round(x[2], x[7], x[8], x[13]);
    quarter_round(x[3], x[4], x[9], x[14]);
  }
  for (int i = 0; i < 16; ++i) {
    const __m256i in = i == 12 ? counters : _mm256_set1_epi32(static_cast<int>(state[i]));
    x[i] = _mm256_add_epi32(x[i], in);
  }
  transpose8(x, out, 2);
  transpose8(x + 8, out + 1, 2);
}

// Four blocks (lane k of `in` at counter + k, and the next set two further on), as eight halves.
WEFT_AVX2 inline void four_blocks(const Rows& in, __m256i out[8]) {
  const __m256i two = _mm256_setr_epi32(2, 0, 0, 0, 2, 0, 0, 0);
  const Rows in2{in.a, in.b, in.c, _mm256_add_epi32(in.d, two)};
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

WEFT_AVX2 inline void two_blocks(const Rows& in, __m256i out[4]) {
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

WEFT_AVX2 void chacha20_xor_avx2(const uint8_t key[32], const uint8_t nonce[12],
                                 uint32_t counter, const uint8_t* in, uint8_t* out,
                                 std::size_t len, uint8_t* first_block) {
  uint32_t state[16] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};  // "expand 32-byte k"
  std::memcpy(state + 4, key, 32);  // little-endian words on x86
  state[12] = counter;
  std::memcpy(state + 13, nonce, 12);
  std::size_t skip = first_block != nullptr ? 1 : 0;
  std::size_t blocks_left = skip + (len + kChaChaBlockSize - 1) / kChaChaBlockSize;
  __m256i ks[16];
  while (blocks_left != 0) {
    const std::size_t n = blocks_left > 4 ? 8 : blocks_left > 2 ? 4 : 2;
    if (n == 8) {
      eight_blocks(state, ks);
    } else {
      const auto* words = reinterpret_cast<const __m128i*>(state);
      Rows rows;
      rows.a = _mm256_broadcastsi128_si256(_mm_loadu_si128(words));
      rows.b = _mm256_broadcastsi128_si256(_mm_loadu_si128(words + 1));
      rows.c = _mm256_broadcastsi128_si256(_mm_loadu_si128(words + 2));
      rows.d = _mm256_add_epi32(_mm256_broadcastsi128_si256(_mm_loadu_si128(words + 3)),
                                _mm256_setr_epi32(0, 0, 0, 0, 1, 0, 0, 0));
      if (n == 4) {
        four_blocks(rows, ks);
      } else {
        two_blocks(rows, ks);
      }
    }
    state[12] += static_cast<uint32_t>(n);
    const std::size_t used = blocks_left < n ? blocks_left : n;
    for (std::size_t k = 0; k < used; ++k) {
      const __m256i lo = ks[2 * k];
      const __m256i hi = ks[2 * k + 1];
      if (skip != 0) {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(first_block), lo);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(first_block + 32), hi);
        skip = 0;
        continue;
      }
      if (len >= kChaChaBlockSize) {
        auto* o = reinterpret_cast<__m256i*>(out);
        if (in != nullptr) {
          const auto* i = reinterpret_cast<const __m256i*>(in);
          _mm256_storeu_si256(o, _mm256_xor_si256(_mm256_loadu_si256(i), lo));
          _mm256_storeu_si256(o + 1, _mm256_xor_si256(_mm256_loadu_si256(i + 1), hi));
          in += kChaChaBlockSize;
        } else {
          _mm256_storeu_si256(o, lo);
          _mm256_storeu_si256(o + 1, hi);
        }
        out += kChaChaBlockSize;
        len -= kChaChaBlockSize;
      } else {
        alignas(32) uint8_t stream[kChaChaBlockSize];
        _mm256_store_si256(reinterpret_cast<__m256i*>(stream), lo);
        _mm256_store_si256(reinterpret_cast<__m256i*>(stream + 32), hi);
        for (std::size_t i = 0; i < len; ++i) out[i] = (in != nullptr ? in[i] : 0) ^ stream[i];
        secure_zero(stream, sizeof(stream));
        len = 0;
      }
    }
    blocks_left -= used;
  }
  // The key's copy and the last keystream (register spills are beyond reach).
  secure_zero(state, sizeof(state));
  secure_zero(ks, sizeof(ks));
}

}  // namespace weft::crypto::detail
