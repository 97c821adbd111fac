// The one crypto facade of weft: every primitive WireGuard (and the rest of weft) needs, mapped
// to OpenSSL 3 libcrypto or Botan 2 as docs/crypto.md records. Callers never see either lib.
// C++17-clean: the WireGuard core that uses it is also driven from ns-3 translation units.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace weft::crypto {

inline constexpr std::size_t kKeySize = 32;         // X25519 keys, ChaCha20 keys, BLAKE2s-256
inline constexpr std::size_t kAeadTagSize = 16;     // Poly1305 tag
inline constexpr std::size_t kXNonceSize = 24;      // XChaCha20-Poly1305 nonce
inline constexpr std::size_t kHashSize = 32;        // BLAKE2s-256 output
inline constexpr std::size_t kMac16Size = 16;       // keyed BLAKE2s with 16-byte output (mac1/mac2)

using Key32 = std::array<uint8_t, 32>;
using Hash32 = std::array<uint8_t, 32>;
using Mac16 = std::array<uint8_t, 16>;
using Nonce12 = std::array<uint8_t, 12>;  // RFC 8439 96-bit nonce

// Errors: these functions cannot fail on valid arguments. Allocation failure inside OpenSSL or
// Botan aborts the process (it is not an error a protocol core could handle); authentication
// failures and low-order points are reported through the bool results documented below.

/// Overwrites memory in a way the optimizer may not elide.
void secure_zero(void* p, std::size_t n);

/// Constant-time comparison of two equal-length buffers.
bool constant_time_equal(const uint8_t* a, const uint8_t* b, std::size_t n);

// ---- X25519 (RFC 7748) ----
/// Clamps and returns a private key derived from 32 random bytes (caller supplies randomness).
Key32 x25519_private_from_random(const Key32& random_bytes);
Key32 x25519_public(const Key32& private_key);
/// Diffie-Hellman. Returns false when the result is the all-zero point (low-order input).
bool x25519(const Key32& private_key, const Key32& peer_public, Key32& shared_out);

// ---- BLAKE2s (RFC 7693) ----
Hash32 blake2s256(const uint8_t* data, std::size_t len);
/// BLAKE2s-256 over the concatenation of two buffers (WireGuard's HASH(a || b)).
Hash32 blake2s256(const uint8_t* a, std::size_t alen, const uint8_t* b, std::size_t blen);
/// Keyed BLAKE2s (RFC 7693 section 2.5) with a 1..32-byte key and a 1..32-byte output written to
/// `out`. The output length is part of the parameter block, so a shorter MAC is not a truncation.
/// Returns false (writing nothing) when key_len or out_len is outside 1..32.
bool blake2s_keyed(const uint8_t* key, std::size_t key_len, const uint8_t* data, std::size_t len,
                   uint8_t* out, std::size_t out_len);
/// Keyed BLAKE2s with 16-byte output (WireGuard's MAC(key, input)); key is 32 bytes.
Mac16 blake2s_mac16(const Key32& key, const uint8_t* data, std::size_t len);
/// HMAC-BLAKE2s-256 (RFC 2104 over BLAKE2s, block size 64).
Hash32 hmac_blake2s(const uint8_t* key, std::size_t key_len, const uint8_t* data, std::size_t len);
/// WireGuard's KDF_n(key, input) for n = 1, 2, 3 (HKDF with HMAC-BLAKE2s). out2/out3 may be null.
/// Any output may alias chaining_key (all outputs are computed before any is written).
void wg_kdf(const Key32& chaining_key, const uint8_t* input, std::size_t len, Key32* out1,
            Key32* out2, Key32* out3);

// ---- ChaCha20-Poly1305 (RFC 8439) ----
/// RFC 8439 section 2.8 AEAD with an explicit 96-bit nonce. Writes len + 16 bytes to `out`;
/// out may equal plain.
void chacha20_poly1305_seal(const Key32& key, const Nonce12& nonce, const uint8_t* plain,
                            std::size_t len, const uint8_t* ad, std::size_t ad_len, uint8_t* out);
/// Inverse of chacha20_poly1305_seal: writes len - 16 bytes. Returns false on a bad tag or
/// len < 16; out is then zeroed (bad tag) or untouched (short input). out may equal cipher.
bool chacha20_poly1305_open(const Key32& key, const Nonce12& nonce, const uint8_t* cipher,
                            std::size_t len, const uint8_t* ad, std::size_t ad_len, uint8_t* out);

// WireGuard's use of it, with a 64-bit counter nonce:
/// Seals `len` bytes of `plain` into `out` (len + 16 bytes). out may equal plain (in place).
/// The 96-bit nonce is 32 zero bits followed by the little-endian 64-bit counter.
void aead_seal(const Key32& key, uint64_t counter, const uint8_t* plain, std::size_t len,
               const uint8_t* ad, std::size_t ad_len, uint8_t* out);
/// Opens `len` bytes (ciphertext + tag) into `out` (len - 16 bytes). Returns false on a bad tag
/// or len < 16; out is then unspecified. out may equal cipher.
bool aead_open(const Key32& key, uint64_t counter, const uint8_t* cipher, std::size_t len,
               const uint8_t* ad, std::size_t ad_len, uint8_t* out);

/// A ChaCha20-Poly1305 context bound to one key, reused across packets on the hot path
/// (avoids per-packet key setup). Not thread-safe; one per thread per keypair.
/// seal/open behave as aead_seal/aead_open with empty associated data (WireGuard transport
/// data messages have none), including in-place use and the false results of open.
class AeadContext {
 public:
  explicit AeadContext(const Key32& key);
  ~AeadContext();
  AeadContext(const AeadContext&) = delete;
  AeadContext& operator=(const AeadContext&) = delete;
  void seal(uint64_t counter, const uint8_t* plain, std::size_t len, uint8_t* out);
  bool open(uint64_t counter, const uint8_t* cipher, std::size_t len, uint8_t* out);
  /// The key it is bound to (copied into the jobs of other threads' contexts).
  const Key32& key() const { return key_; }

 private:
  void* ctx_;  // owned EVP_CIPHER_CTX when OpenSSL runs the AEAD, else null
  Key32 key_;
};

// ---- XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha) for cookie replies ----
/// Same buffer contract as aead_seal/aead_open (out may equal the input). xaead_open returns
/// false on a bad tag or len < 16, leaving out untouched.
void xaead_seal(const Key32& key, const std::array<uint8_t, 24>& nonce, const uint8_t* plain,
                std::size_t len, const uint8_t* ad, std::size_t ad_len, uint8_t* out);
bool xaead_open(const Key32& key, const std::array<uint8_t, 24>& nonce, const uint8_t* cipher,
                std::size_t len, const uint8_t* ad, std::size_t ad_len, uint8_t* out);

}  // namespace weft::crypto
