// Poly1305 (RFC 8439 section 2.5), portable, in radix 2^26: five limbs, so that every partial
// product fits 64 bits and the reduction mod 2^130 - 5 is a multiplication by 5.
#include "crypto/poly1305.h"

#include "crypto/crypto.h"

namespace weft::crypto::detail {
namespace {

constexpr uint32_t kMask26 = (uint32_t{1} << 26) - 1;

uint64_t load64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

uint32_t load32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

// A 128-bit little-endian number, as 26-bit limbs.
void split26(uint64_t lo, uint64_t hi, uint32_t out[5]) {
  out[0] = static_cast<uint32_t>(lo) & kMask26;
  out[1] = static_cast<uint32_t>(lo >> 26) & kMask26;
  out[2] = static_cast<uint32_t>((lo >> 52) | (hi << 12)) & kMask26;
  out[3] = static_cast<uint32_t>(hi >> 14) & kMask26;
  out[4] = static_cast<uint32_t>(hi >> 40);
}

}  // namespace

void poly1305_mul(uint32_t h[5], const uint32_t r[5]) {
  const uint64_t r0 = r[0], r1 = r[1], r2 = r[2], r3 = r[3], r4 = r[4];
  // 2^130 = 5 (mod p): a product's part above limb 4 comes back multiplied by 5.
  const uint64_t s1 = r1 * 5, s2 = r2 * 5, s3 = r3 * 5, s4 = r4 * 5;
  const uint64_t h0 = h[0], h1 = h[1], h2 = h[2], h3 = h[3], h4 = h[4];
  uint64_t d0 = h0 * r0 + h1 * s4 + h2 * s3 + h3 * s2 + h4 * s1;
  uint64_t d1 = h0 * r1 + h1 * r0 + h2 * s4 + h3 * s3 + h4 * s2;
  uint64_t d2 = h0 * r2 + h1 * r1 + h2 * r0 + h3 * s4 + h4 * s3;
  uint64_t d3 = h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * s4;
  uint64_t d4 = h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0;
  d1 += d0 >> 26;
  d2 += d1 >> 26;
  d3 += d2 >> 26;
  d4 += d3 >> 26;
  uint64_t t0 = (d0 & kMask26) + (d4 >> 26) * 5;
  h[0] = static_cast<uint32_t>(t0 & kMask26);
  h[1] = static_cast<uint32_t>((d1 & kMask26) + (t0 >> 26));
  h[2] = static_cast<uint32_t>(d2 & kMask26);
  h[3] = static_cast<uint32_t>(d3 & kMask26);
  h[4] = static_cast<uint32_t>(d4 & kMask26);
}

void poly1305_from_lane_sums(uint64_t t[5], uint32_t h[5]) {
  t[1] += t[0] >> 26;
  t[2] += t[1] >> 26;
  t[3] += t[2] >> 26;
  t[4] += t[3] >> 26;
  const uint64_t t0 = (t[0] & kMask26) + (t[4] >> 26) * 5;
  h[0] = static_cast<uint32_t>(t0 & kMask26);
  h[1] = static_cast<uint32_t>((t[1] & kMask26) + (t0 >> 26));
  h[2] = static_cast<uint32_t>(t[2] & kMask26);
  h[3] = static_cast<uint32_t>(t[3] & kMask26);
  h[4] = static_cast<uint32_t>(t[4] & kMask26);
}

Poly1305::Poly1305(const uint8_t key[32], Poly1305Path path) : path_(path) {
  // Section 2.5.1's clamp: the top four bits of r's bytes 3, 7, 11, 15 and the bottom two bits
  // of bytes 4, 8, 12 cleared.
  const uint64_t lo = load64(key) & 0x0ffffffc0fffffffULL;
  const uint64_t hi = load64(key + 8) & 0x0ffffffc0ffffffcULL;
  split26(lo, hi, r_);
  for (int i = 0; i < 4; ++i) pad_[i] = load32(key + 16 + 4 * i);
}

Poly1305::~Poly1305() {
  secure_zero(r_, sizeof(r_));
  secure_zero(pad_, sizeof(pad_));
  secure_zero(h_, sizeof(h_));
}

void Poly1305::portable_blocks(const uint8_t* m, std::size_t count) {
  for (; count != 0; --count, m += kPoly1305BlockSize) {
    uint32_t limbs[5];
    split26(load64(m), load64(m + 8), limbs);
    for (int i = 0; i < 5; ++i) h_[i] += limbs[i];
    h_[4] += uint32_t{1} << 24;  // the 2^128 bit
    poly1305_mul(h_, r_);
  }
}

void Poly1305::blocks(const uint8_t* m, std::size_t count) {
  // Below these run lengths, making r^2..r^8 (r^2..r^4) costs about what the vector path saves.
  std::size_t done = 0;
  if (path_ == Poly1305Path::kAvx512 && count >= 16) {
    done = poly1305_blocks_avx512(h_, r_, m, count);
  } else if (path_ == Poly1305Path::kAvx2 && count >= 8) {
    done = poly1305_blocks_avx2(h_, r_, m, count);
  }
  m += done * kPoly1305BlockSize;
  count -= done;
  portable_blocks(m, count);
}

void Poly1305::update_padded(const uint8_t* m, std::size_t len) {
  const std::size_t whole = len / kPoly1305BlockSize;
  blocks(m, whole);
  const std::size_t rest = len % kPoly1305BlockSize;
  if (rest != 0) {
    uint8_t last[kPoly1305BlockSize] = {};
    for (std::size_t i = 0; i < rest; ++i) last[i] = m[whole * kPoly1305BlockSize + i];
    portable_blocks(last, 1);
  }
}

void Poly1305::finish(uint8_t tag[16]) {
  uint32_t h0 = h_[0], h1 = h_[1], h2 = h_[2], h3 = h_[3], h4 = h_[4];
  // Carry until every limb is below 2^26. The first pass can leave limb 1 at 2^26 (a carry out
  // of limb 0 after the wrap-around); then limb 0 is small, and the second pass ends with no
  // carry out of limb 0.
  for (int pass = 0; pass < 2; ++pass) {
    h2 += h1 >> 26; h1 &= kMask26;
    h3 += h2 >> 26; h2 &= kMask26;
    h4 += h3 >> 26; h3 &= kMask26;
    h0 += (h4 >> 26) * 5; h4 &= kMask26;
    h1 += h0 >> 26; h0 &= kMask26;
  }
  // g = h + 5 - 2^130; when it does not go negative, h >= p and h - p = g is the residue.
  uint32_t g0 = h0 + 5;
  uint32_t g1 = h1 + (g0 >> 26); g0 &= kMask26;
  uint32_t g2 = h2 + (g1 >> 26); g1 &= kMask26;
  uint32_t g3 = h3 + (g2 >> 26); g2 &= kMask26;
  uint32_t g4 = h4 + (g3 >> 26) - (uint32_t{1} << 26); g3 &= kMask26;
  const uint32_t use_g = (g4 >> 31) - 1;  // all ones when g4 did not borrow
  h0 = (h0 & ~use_g) | (g0 & use_g);
  h1 = (h1 & ~use_g) | (g1 & use_g);
  h2 = (h2 & ~use_g) | (g2 & use_g);
  h3 = (h3 & ~use_g) | (g3 & use_g);
  h4 = (h4 & ~use_g) | (g4 & use_g);
  // tag = (h + s) mod 2^128, as four little-endian words.
  const uint32_t w0 = h0 | (h1 << 26);
  const uint32_t w1 = (h1 >> 6) | (h2 << 20);
  const uint32_t w2 = (h2 >> 12) | (h3 << 14);
  const uint32_t w3 = (h3 >> 18) | (h4 << 8);
  uint64_t f = uint64_t{w0} + pad_[0];
  const uint32_t out0 = static_cast<uint32_t>(f);
  f = uint64_t{w1} + pad_[1] + (f >> 32);
  const uint32_t out1 = static_cast<uint32_t>(f);
  f = uint64_t{w2} + pad_[2] + (f >> 32);
  const uint32_t out2 = static_cast<uint32_t>(f);
  f = uint64_t{w3} + pad_[3] + (f >> 32);
  const uint32_t out3 = static_cast<uint32_t>(f);
  const uint32_t words[4] = {out0, out1, out2, out3};
  for (int i = 0; i < 4; ++i) {
    for (int b = 0; b < 4; ++b) tag[4 * i + b] = static_cast<uint8_t>(words[i] >> (8 * b));
  }
}

}  // namespace weft::crypto::detail
