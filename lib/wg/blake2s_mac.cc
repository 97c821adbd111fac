// Keyed BLAKE2s per RFC 7693 section 3 (compression function F, sigma schedule, IV), used for
// WireGuard's mac2 whose key is the 16-byte cookie.
#include "wg/blake2s_mac.h"

#include <cassert>
#include <cstring>

#include "crypto/crypto.h"

namespace weft::wg {
namespace {

constexpr uint32_t kIv[8] = {0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A,
                             0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19};
constexpr uint8_t kSigma[10][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
    {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
    {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
    {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
    {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
};

uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

void mix(uint32_t* v, int a, int b, int c, int d, uint32_t x, uint32_t y) {
  v[a] = v[a] + v[b] + x;
  v[d] = rotr(v[d] ^ v[a], 16);
  v[c] = v[c] + v[d];
  v[b] = rotr(v[b] ^ v[c], 12);
  v[a] = v[a] + v[b] + y;
  v[d] = rotr(v[d] ^ v[a], 8);
  v[c] = v[c] + v[d];
  v[b] = rotr(v[b] ^ v[c], 7);
}

void compress(uint32_t* h, const uint8_t* block, uint64_t t, bool last) {
  uint32_t m[16];
  for (int i = 0; i < 16; ++i) {
    const uint8_t* p = block + 4 * i;
    m[i] = uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
  }
  uint32_t v[16];
  for (int i = 0; i < 8; ++i) {
    v[i] = h[i];
    v[i + 8] = kIv[i];
  }
  v[12] ^= static_cast<uint32_t>(t);
  v[13] ^= static_cast<uint32_t>(t >> 32);
  if (last) v[14] = ~v[14];
  for (const auto& s : kSigma) {
    mix(v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
    mix(v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
    mix(v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
    mix(v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
    mix(v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
    mix(v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
    mix(v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
    mix(v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
  }
  for (int i = 0; i < 8; ++i) h[i] ^= v[i] ^ v[i + 8];
  crypto::secure_zero(m, sizeof m);
  crypto::secure_zero(v, sizeof v);
}

}  // namespace

void blake2s_keyed(const uint8_t* key, std::size_t key_len, const uint8_t* data, std::size_t len,
                   uint8_t* out, std::size_t out_len) {
  assert(key_len <= 32 && out_len >= 1 && out_len <= 32);
  uint32_t h[8];
  std::memcpy(h, kIv, sizeof h);
  h[0] ^= 0x01010000u ^ static_cast<uint32_t>(key_len << 8) ^ static_cast<uint32_t>(out_len);

  uint8_t block[64];
  uint64_t t = 0;
  // The key, zero-padded, is the first block (RFC 7693 section 3.3); when the message is empty
  // it is also the last one.
  std::size_t off = 0;
  if (key_len > 0) {
    std::memset(block, 0, sizeof block);
    std::memcpy(block, key, key_len);
    t = 64;
    compress(h, block, t, len == 0);
  }
  if (len > 0 || key_len == 0) {
    while (len - off > 64) {
      t += 64;
      compress(h, data + off, t, false);
      off += 64;
    }
    std::size_t rest = len - off;
    std::memset(block, 0, sizeof block);
    if (rest > 0) std::memcpy(block, data + off, rest);
    t += rest;
    compress(h, block, t, true);
  }
  uint8_t full[32];
  for (int i = 0; i < 8; ++i) {
    for (int j = 0; j < 4; ++j) full[4 * i + j] = static_cast<uint8_t>(h[i] >> (8 * j));
  }
  std::memcpy(out, full, out_len);
  crypto::secure_zero(block, sizeof block);
  crypto::secure_zero(h, sizeof h);
  crypto::secure_zero(full, sizeof full);
}

}  // namespace weft::wg
