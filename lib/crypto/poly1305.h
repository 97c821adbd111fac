// Poly1305 (RFC 8439 section 2.5) in radix 2^26: a portable one-block-at-a-time path and AVX-512F
// and AVX2 paths for long runs of blocks. Internal to lib/crypto (the AEAD, tests, bench).
#pragma once

#include <cstddef>
#include <cstdint>

namespace weft::crypto::detail {

inline constexpr std::size_t kPoly1305BlockSize = 16;

/// Where runs of blocks go: the vector paths need the CPU's support (have_avx512(),
/// have_avx2()); shorter runs and padded tails always take the portable path.
enum class Poly1305Path { kPortable, kAvx2, kAvx512 };

/// One message's authenticator. The key must never authenticate two messages.
class Poly1305 {
 public:
  /// `key` is r || s (32 bytes); r is clamped here.
  Poly1305(const uint8_t key[32], Poly1305Path path);
  ~Poly1305();
  Poly1305(const Poly1305&) = delete;
  Poly1305& operator=(const Poly1305&) = delete;

  /// Absorbs `count` full 16-byte blocks, each with the 2^128 bit (section 2.5.1).
  void blocks(const uint8_t* m, std::size_t count);
  /// Absorbs `len` bytes followed by zeros up to a multiple of 16 (the AEAD's pad16).
  void update_padded(const uint8_t* m, std::size_t len);
  /// Writes the 16-byte tag. The object must not be used afterwards.
  void finish(uint8_t tag[16]);

 private:
  void portable_blocks(const uint8_t* m, std::size_t count);

  uint32_t h_[5] = {0, 0, 0, 0, 0};  // the accumulator, 26-bit limbs (limb 1 may exceed 2^26)
  uint32_t r_[5];                    // clamped r, 26-bit limbs
  uint32_t pad_[4];                  // s, little-endian words
  Poly1305Path path_;
};

/// The AVX-512F path: absorbs the largest multiple of 8 of `count` blocks into h (26-bit
/// limbs) with the clamped r; returns the number of blocks absorbed.
std::size_t poly1305_blocks_avx512(uint32_t h[5], const uint32_t r[5], const uint8_t* m,
                                   std::size_t count);
/// The AVX2 path: the same for the largest multiple of 4 of `count`.
std::size_t poly1305_blocks_avx2(uint32_t h[5], const uint32_t r[5], const uint8_t* m,
                                 std::size_t count);

/// h = the sum of the vector lanes' accumulators `t` (limb by limb, each below 2^40), carried
/// back to 26-bit limbs.
void poly1305_from_lane_sums(uint64_t t[5], uint32_t h[5]);

/// h = h * r mod 2^130 - 5 on 26-bit limbs (inputs below 2^28 per limb; output limbs below
/// 2^26 except limb 1, below 2^26 + 2^10).
void poly1305_mul(uint32_t h[5], const uint32_t r[5]);

}  // namespace weft::crypto::detail
