// Poly1305 (RFC 8439 section 2.5) with AVX-512F: eight blocks at a time in eight independent
// accumulators (one per 64-bit lane), each multiplied by r^8 per step and by r^(8-j) in the last
// step, so that their sum is the sequential result (h + m1) r^n + m2 r^(n-1) + ... + mn r.
#include "crypto/crypto.h"
#include "crypto/poly1305.h"
#include "crypto/simd.h"

namespace weft::crypto::detail {
namespace {

struct Limbs {
  __m512i v[5];
};

// H = H * R mod 2^130 - 5 per lane, with S = 5 R (limbs 1-4); limbs carried back below 2^26
// (limb 1 below 2^26 + 2^10), as poly1305_mul does.
WEFT_AVX512 inline void mul(Limbs& h, const Limbs& r, const Limbs& s) {
  const __m512i* H = h.v;
  const __m512i* R = r.v;
  const __m512i* S = s.v;
#define WEFT_M(a, b) _mm512_mul_epu32(a, b)
  __m512i d0 = _mm512_add_epi64(
      _mm512_add_epi64(_mm512_add_epi64(WEFT_M(H[0], R[0]), WEFT_M(H[1], S[4])),
                       _mm512_add_epi64(WEFT_M(H[2], S[3]), WEFT_M(H[3], S[2]))),
      WEFT_M(H[4], S[1]));
  __m512i d1 = _mm512_add_epi64(
      _mm512_add_epi64(_mm512_add_epi64(WEFT_M(H[0], R[1]), WEFT_M(H[1], R[0])),
                       _mm512_add_epi64(WEFT_M(H[2], S[4]), WEFT_M(H[3], S[3]))),
      WEFT_M(H[4], S[2]));
  __m512i d2 = _mm512_add_epi64(
      _mm512_add_epi64(_mm512_add_epi64(WEFT_M(H[0], R[2]), WEFT_M(H[1], R[1])),
                       _mm512_add_epi64(WEFT_M(H[2], R[0]), WEFT_M(H[3], S[4]))),
      WEFT_M(H[4], S[3]));
  __m512i d3 = _mm512_add_epi64(
      _mm512_add_epi64(_mm512_add_epi64(WEFT_M(H[0], R[3]), WEFT_M(H[1], R[2])),
                       _mm512_add_epi64(WEFT_M(H[2], R[1]), WEFT_M(H[3], R[0]))),
      WEFT_M(H[4], S[4]));
  __m512i d4 = _mm512_add_epi64(
      _mm512_add_epi64(_mm512_add_epi64(WEFT_M(H[0], R[4]), WEFT_M(H[1], R[3])),
                       _mm512_add_epi64(WEFT_M(H[2], R[2]), WEFT_M(H[3], R[1]))),
      WEFT_M(H[4], R[0]));
#undef WEFT_M
  const __m512i mask = _mm512_set1_epi64((1 << 26) - 1);
  d1 = _mm512_add_epi64(d1, _mm512_srli_epi64(d0, 26));
  d2 = _mm512_add_epi64(d2, _mm512_srli_epi64(d1, 26));
  d3 = _mm512_add_epi64(d3, _mm512_srli_epi64(d2, 26));
  d4 = _mm512_add_epi64(d4, _mm512_srli_epi64(d3, 26));
  const __m512i c4 = _mm512_srli_epi64(d4, 26);
  __m512i t0 = _mm512_add_epi64(_mm512_and_si512(d0, mask),
                                _mm512_add_epi64(c4, _mm512_slli_epi64(c4, 2)));
  h.v[0] = _mm512_and_si512(t0, mask);
  h.v[1] = _mm512_add_epi64(_mm512_and_si512(d1, mask), _mm512_srli_epi64(t0, 26));
  h.v[2] = _mm512_and_si512(d2, mask);
  h.v[3] = _mm512_and_si512(d3, mask);
  h.v[4] = _mm512_and_si512(d4, mask);
}

// Adds eight consecutive blocks, block j to lane j, each with the 2^128 bit.
WEFT_AVX512 inline void add_blocks(Limbs& h, const uint8_t* m) {
  const __m512i a = _mm512_loadu_si512(m);
  const __m512i b = _mm512_loadu_si512(m + 64);
  const __m512i lo = _mm512_permutex2var_epi64(a, _mm512_set_epi64(14, 12, 10, 8, 6, 4, 2, 0), b);
  const __m512i hi = _mm512_permutex2var_epi64(a, _mm512_set_epi64(15, 13, 11, 9, 7, 5, 3, 1), b);
  const __m512i mask = _mm512_set1_epi64((1 << 26) - 1);
  const __m512i m0 = _mm512_and_si512(lo, mask);
  const __m512i m1 = _mm512_and_si512(_mm512_srli_epi64(lo, 26), mask);
  const __m512i m2 =
      _mm512_and_si512(_mm512_or_si512(_mm512_srli_epi64(lo, 52), _mm512_slli_epi64(hi, 12)), mask);
  const __m512i m3 = _mm512_and_si512(_mm512_srli_epi64(hi, 14), mask);
  const __m512i m4 = _mm512_or_si512(_mm512_srli_epi64(hi, 40), _mm512_set1_epi64(1 << 24));
  h.v[0] = _mm512_add_epi64(h.v[0], m0);
  h.v[1] = _mm512_add_epi64(h.v[1], m1);
  h.v[2] = _mm512_add_epi64(h.v[2], m2);
  h.v[3] = _mm512_add_epi64(h.v[3], m3);
  h.v[4] = _mm512_add_epi64(h.v[4], m4);
}

// 5 R, for the limbs that wrap around 2^130.
WEFT_AVX512 inline Limbs times5(const Limbs& r) {
  Limbs s;
  for (int i = 0; i < 5; ++i) s.v[i] = _mm512_add_epi64(r.v[i], _mm512_slli_epi64(r.v[i], 2));
  return s;
}

// Lane j of the result holds r^(8-j): r^2 once on the scalar side, then (r, r^2) times r^2 and
// (r .. r^4) times r^4 on eight lanes at once.
WEFT_AVX512 inline Limbs powers_of(const uint32_t r[5]) {
  uint32_t r2[5] = {r[0], r[1], r[2], r[3], r[4]};
  poly1305_mul(r2, r);
  Limbs low, mult;  // low: lane 0 = r^1, lane 1 = r^2, ...
  for (int i = 0; i < 5; ++i) {
    low.v[i] = _mm512_set_epi64(0, 0, 0, 0, 0, 0, r2[i], r[i]);
    mult.v[i] = _mm512_set1_epi64(r2[i]);
  }
  Limbs high = low;
  mul(high, mult, times5(mult));  // lanes 0, 1: r^3, r^4
  const __m512i pick34 = _mm512_set_epi64(0, 0, 0, 0, 9, 8, 1, 0);
  for (int i = 0; i < 5; ++i) {
    low.v[i] = _mm512_permutex2var_epi64(low.v[i], pick34, high.v[i]);  // r, r^2, r^3, r^4
    mult.v[i] = _mm512_permutexvar_epi64(_mm512_set1_epi64(3), low.v[i]);  // r^4 everywhere
  }
  high = low;
  mul(high, mult, times5(mult));  // lanes 0-3: r^5 .. r^8
  const __m512i reverse = _mm512_set_epi64(0, 1, 2, 3, 8 + 0, 8 + 1, 8 + 2, 8 + 3);
  Limbs out;
  for (int i = 0; i < 5; ++i) {
    // Lane j = r^(8-j): lanes 0-3 from high's 3..0 (r^8..r^5), lanes 4-7 from low's 3..0.
    out.v[i] = _mm512_permutex2var_epi64(low.v[i], reverse, high.v[i]);
  }
  secure_zero(r2, sizeof(r2));
  return out;
}

}  // namespace

WEFT_AVX512 std::size_t poly1305_blocks_avx512(uint32_t h[5], const uint32_t r[5],
                                               const uint8_t* m, std::size_t count) {
  const std::size_t groups = count / 8;
  if (groups == 0) return 0;
  // Lane j (block j of the last group) still needs r^(8-j); every earlier group r^8.
  const Limbs rj = powers_of(r);
  const Limbs sj = times5(rj);
  Limbs r8, acc;
  for (int i = 0; i < 5; ++i) {
    r8.v[i] = _mm512_permutexvar_epi64(_mm512_setzero_si512(), rj.v[i]);
    // The running accumulator joins lane 0, the first block's: it needs r^n as well.
    acc.v[i] = _mm512_set_epi64(0, 0, 0, 0, 0, 0, 0, h[i]);
  }
  const Limbs s8 = times5(r8);
  for (std::size_t g = 0; g + 1 < groups; ++g, m += 128) {
    add_blocks(acc, m);
    mul(acc, r8, s8);
  }
  add_blocks(acc, m);
  mul(acc, rj, sj);
  // Sum the lanes (each limb below 2^27, so eight of them fit easily) and carry.
  uint64_t t[5];
  for (int i = 0; i < 5; ++i) t[i] = _mm512_reduce_add_epi64(acc.v[i]);
  poly1305_from_lane_sums(t, h);
  secure_zero(t, sizeof(t));
  return groups * 8;
}

}  // namespace weft::crypto::detail
