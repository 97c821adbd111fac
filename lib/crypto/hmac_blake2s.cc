// HMAC-BLAKE2s (RFC 2104 over BLAKE2s-256, block 64) and WireGuard's HKDF-style KDF1/2/3
// (WireGuard paper section 5.4, "Kdf_n"). HMAC is built here over the digest rather than through
// OpenSSL's EVP_MAC "HMAC": it is faster for WireGuard's short inputs (docs/crypto.md).
#include <cstring>

#include "crypto/blake2s_hasher.h"
#include "crypto/crypto.h"

namespace weft::crypto {
namespace {

constexpr std::size_t kBlockSize = 64;  // BLAKE2s block size: RFC 7693 section 2.1

// HMAC(key, a || b) using the caller's hasher.
void hmac(detail::Blake2sHasher& h, const uint8_t* key, std::size_t key_len, const uint8_t* a,
          std::size_t alen, const uint8_t* b, std::size_t blen, uint8_t* out32) {
  uint8_t k0[kBlockSize] = {};
  if (key_len > kBlockSize) {
    h.init();
    h.update(key, key_len);
    h.final(k0);
  } else if (key_len != 0) {
    std::memcpy(k0, key, key_len);
  }
  uint8_t pad[kBlockSize];
  uint8_t inner[kHashSize];
  for (std::size_t i = 0; i < kBlockSize; ++i) pad[i] = k0[i] ^ 0x36;
  h.init();
  h.update(pad, kBlockSize);
  h.update(a, alen);
  h.update(b, blen);
  h.final(inner);
  for (std::size_t i = 0; i < kBlockSize; ++i) pad[i] = k0[i] ^ 0x5c;
  h.init();
  h.update(pad, kBlockSize);
  h.update(inner, kHashSize);
  h.final(out32);
  secure_zero(k0, sizeof k0);
  secure_zero(pad, sizeof pad);
  secure_zero(inner, sizeof inner);
}

}  // namespace

Hash32 hmac_blake2s(const uint8_t* key, std::size_t key_len, const uint8_t* data, std::size_t len) {
  detail::Blake2sHasher h;
  Hash32 out;
  hmac(h, key, key_len, data, len, nullptr, 0, out.data());
  return out;
}

void wg_kdf(const Key32& chaining_key, const uint8_t* input, std::size_t len, Key32* out1,
            Key32* out2, Key32* out3) {
  // Outputs are computed into locals first: callers commonly pass the chaining key itself as
  // out1 (Noise's "ck, k = KDF2(ck, x)").
  detail::Blake2sHasher h;
  uint8_t prk[kHashSize];
  Key32 t1;
  Key32 t2;
  Key32 t3;
  hmac(h, chaining_key.data(), chaining_key.size(), input, len, nullptr, 0, prk);
  const uint8_t one = 0x01;
  hmac(h, prk, sizeof prk, &one, 1, nullptr, 0, t1.data());
  if (out2 != nullptr || out3 != nullptr) {
    const uint8_t two = 0x02;
    hmac(h, prk, sizeof prk, t1.data(), t1.size(), &two, 1, t2.data());
  }
  if (out3 != nullptr) {
    const uint8_t three = 0x03;
    hmac(h, prk, sizeof prk, t2.data(), t2.size(), &three, 1, t3.data());
  }
  secure_zero(prk, sizeof prk);
  if (out1 != nullptr) *out1 = t1;
  if (out2 != nullptr) *out2 = t2;
  if (out3 != nullptr) *out3 = t3;
  secure_zero(t1.data(), t1.size());
  secure_zero(t2.data(), t2.size());
  secure_zero(t3.data(), t3.size());
}

}  // namespace weft::crypto
