// Poly1305 (RFC 8439 section 2.5) with AVX2, for CPUs without AVX-512F: poly1305_avx512.cc's
// method on four 64-bit lanes, so four accumulators multiplied by r^4 per step and by r^(4-j)
// in the last step.
#include "crypto/crypto.h"
#include "crypto/poly1305.h"
#include "crypto/simd.h"

namespace weft::crypto::detail {
namespace {

struct Limbs {
  __m256i v[5];
};

WEFT_AVX2 inline __m256i madd(__m256i acc, __m256i a, __m256i b) {
  return _mm256_add_epi64(acc, _mm256_mul_epu32(a, b));
}

// H = H * R mod 2^130 - 5 per lane with S = 5 R, carried as poly1305_mul does.
WEFT_AVX2 inline void mul(Limbs& h, const Limbs& r, const Limbs& s) {
  const __m256i* H = h.v;
  const __m256i* R = r.v;
  const __m256i* S = s.v;
  __m256i d0 = _mm256_mul_epu32(H[0], R[0]);
  d0 = madd(madd(madd(madd(d0, H[1], S[4]), H[2], S[3]), H[3], S[2]), H[4], S[1]);
  __m256i d1 = _mm256_mul_epu32(H[0], R[1]);
  d1 = madd(madd(madd(madd(d1, H[1], R[0]), H[2], S[4]), H[3], S[3]), H[4], S[2]);
  __m256i d2 = _mm256_mul_epu32(H[0], R[2]);
  d2 = madd(madd(madd(madd(d2, H[1], R[1]), H[2], R[0]), H[3], S[4]), H[4], S[3]);
  __m256i d3 = _mm256_mul_epu32(H[0], R[3]);
  d3 = madd(madd(madd(madd(d3, H[1], R[2]), H[2], R[1]), H[3], R[0]), H[4], S[4]);
  __m256i d4 = _mm256_mul_epu32(H[0], R[4]);
  d4 = madd(madd(madd(madd(d4, H[1], R[3]), H[2], R[2]), H[3], R[1]), H[4], R[0]);
  const __m256i mask = _mm256_set1_epi64x((1 << 26) - 1);
  d1 = _mm256_add_epi64(d1, _mm256_srli_epi64(d0, 26));
  d2 = _mm256_add_epi64(d2, _mm256_srli_epi64(d1, 26));
  d3 = _mm256_add_epi64(d3, _mm256_srli_epi64(d2, 26));
  d4 = _mm256_add_epi64(d4, _mm256_srli_epi64(d3, 26));
  const __m256i c4 = _mm256_srli_epi64(d4, 26);
  const __m256i t0 = _mm256_add_epi64(_mm256_and_si256(d0, mask),
                                      _mm256_add_epi64(c4, _mm256_slli_epi64(c4, 2)));
  h.v[0] = _mm256_and_si256(t0, mask);
  h.v[1] = _mm256_add_epi64(_mm256_and_si256(d1, mask), _mm256_srli_epi64(t0, 26));
  h.v[2] = _mm256_and_si256(d2, mask);
  h.v[3] = _mm256_and_si256(d3, mask);
  h.v[4] = _mm256_and_si256(d4, mask);
}

// Adds four consecutive blocks, block j to lane j, each with the 2^128 bit.
WEFT_AVX2 inline void add_blocks(Limbs& h, const uint8_t* m) {
  const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(m));       // blocks 0, 1
  const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(m + 32));  // blocks 2, 3
  // unpack gives lanes in the order 0, 2, 1, 3; the permute puts them back.
  const __m256i lo =
      _mm256_permute4x64_epi64(_mm256_unpacklo_epi64(a, b), _MM_SHUFFLE(3, 1, 2, 0));
  const __m256i hi =
      _mm256_permute4x64_epi64(_mm256_unpackhi_epi64(a, b), _MM_SHUFFLE(3, 1, 2, 0));
  const __m256i mask = _mm256_set1_epi64x((1 << 26) - 1);
  const __m256i m0 = _mm256_and_si256(lo, mask);
  const __m256i m1 = _mm256_and_si256(_mm256_srli_epi64(lo, 26), mask);
  const __m256i m2 = _mm256_and_si256(
      _mm256_or_si256(_mm256_srli_epi64(lo, 52), _mm256_slli_epi64(hi, 12)), mask);
  const __m256i m3 = _mm256_and_si256(_mm256_srli_epi64(hi, 14), mask);
  const __m256i m4 = _mm256_or_si256(_mm256_srli_epi64(hi, 40), _mm256_set1_epi64x(1 << 24));
  h.v[0] = _mm256_add_epi64(h.v[0], m0);
  h.v[1] = _mm256_add_epi64(h.v[1], m1);
  h.v[2] = _mm256_add_epi64(h.v[2], m2);
  h.v[3] = _mm256_add_epi64(h.v[3], m3);
  h.v[4] = _mm256_add_epi64(h.v[4], m4);
}

WEFT_AVX2 inline Limbs times5(const Limbs& r) {
  Limbs s;
  for (int i = 0; i < 5; ++i) s.v[i] = _mm256_add_epi64(r.v[i], _mm256_slli_epi64(r.v[i], 2));
  return s;
}

}  // namespace

WEFT_AVX2 std::size_t poly1305_blocks_avx2(uint32_t h[5], const uint32_t r[5], const uint8_t* m,
                                           std::size_t count) {
  const std::size_t groups = count / 4;
  if (groups == 0) return 0;
  // r^2 .. r^4 on the scalar side (three multiplications).
  uint32_t p[4][5];
  for (int i = 0; i < 5; ++i) p[0][i] = r[i];
  for (int k = 1; k < 4; ++k) {
    for (int i = 0; i < 5; ++i) p[k][i] = p[k - 1][i];
    poly1305_mul(p[k], r);
  }
  Limbs rj, r4, acc;
  for (int i = 0; i < 5; ++i) {
    rj.v[i] = _mm256_setr_epi64x(p[3][i], p[2][i], p[1][i], p[0][i]);  // lane j: r^(4-j)
    r4.v[i] = _mm256_set1_epi64x(p[3][i]);
    acc.v[i] = _mm256_setr_epi64x(h[i], 0, 0, 0);
  }
  secure_zero(p, sizeof(p));
  const Limbs sj = times5(rj);
  const Limbs s4 = times5(r4);
  for (std::size_t g = 0; g + 1 < groups; ++g, m += 64) {
    add_blocks(acc, m);
    mul(acc, r4, s4);
  }
  add_blocks(acc, m);
  mul(acc, rj, sj);
  alignas(32) uint64_t lanes[5][4];
  uint64_t t[5];
  for (int i = 0; i < 5; ++i) {
    _mm256_store_si256(reinterpret_cast<__m256i*>(lanes[i]), acc.v[i]);
    t[i] = lanes[i][0] + lanes[i][1] + lanes[i][2] + lanes[i][3];
  }
  poly1305_from_lane_sums(t, h);
  secure_zero(t, sizeof(t));
  secure_zero(lanes, sizeof(lanes));
  return groups * 4;
}

}  // namespace weft::crypto::detail
