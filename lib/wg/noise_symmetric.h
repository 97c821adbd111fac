// Noise's CipherState and SymmetricState objects (Noise spec rev. 34, sections 5.1 and 5.2) for the
// 25519_ChaChaPoly_BLAKE2s suite: the transcript and key schedule under WireGuard's handshake.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "crypto/crypto.h"

namespace weft::wg {

/// A key with a 64-bit nonce counter (Noise 5.1). ChaChaPoly nonces are 32 zero bits followed by
/// the little-endian counter, which is crypto::aead_seal's layout. Non-copyable; wipes its key.
class CipherState {
 public:
  CipherState() = default;
  CipherState(const CipherState&) = delete;
  CipherState& operator=(const CipherState&) = delete;
  ~CipherState();

  /// Sets the key and resets the nonce to zero.
  void initialize_key(const crypto::Key32& key);
  /// Forgets the key (back to the "empty" state of Noise 5.1).
  void clear();
  bool has_key() const { return has_key_; }
  uint64_t nonce() const { return n_; }

  /// Writes len + 16 bytes to out (or copies the plaintext when there is no key yet). Returns
  /// false, writing nothing, when the nonce space is exhausted (2^64 - 1 is reserved).
  bool encrypt_with_ad(const uint8_t* ad, std::size_t ad_len, const uint8_t* plain,
                       std::size_t len, uint8_t* out);
  /// Writes len - 16 bytes to out (len bytes when there is no key). Returns false on a bad tag,
  /// len < 16 or an exhausted nonce; the nonce advances only on success.
  bool decrypt_with_ad(const uint8_t* ad, std::size_t ad_len, const uint8_t* cipher,
                       std::size_t len, uint8_t* out);

 private:
  crypto::Key32 k_{};
  uint64_t n_ = 0;
  bool has_key_ = false;
};

/// Chaining key, handshake hash and the current CipherState (Noise 5.2). WireGuard keeps ck and h
/// per peer between messages, so the state can be resumed from them; the cipher key never
/// outlives a message there (every key is used once, with nonce 0).
class SymmetricState {
 public:
  SymmetricState() = default;
  SymmetricState(const SymmetricState&) = delete;
  SymmetricState& operator=(const SymmetricState&) = delete;
  ~SymmetricState();

  /// InitializeSymmetric: h = name zero-padded to 32 bytes, or HASH(name) when longer; ck = h.
  void initialize(std::string_view protocol_name);
  /// Continues from a chaining key and hash saved after an earlier message (no cipher key).
  void resume(const crypto::Key32& chaining_key, const crypto::Key32& hash);

  void mix_hash(const uint8_t* data, std::size_t len);
  /// ck, k = HKDF(ck, input, 2); the nonce restarts at zero.
  void mix_key(const uint8_t* input, std::size_t len);
  /// ck, t, k = HKDF(ck, input, 3); MixHash(t). Used for the psk token.
  void mix_key_and_hash(const uint8_t* input, std::size_t len);
  /// Encrypts with h as associated data, then mixes the ciphertext into h. Writes len + 16 bytes
  /// (len when no key has been mixed yet). False only when the nonce space is exhausted.
  bool encrypt_and_hash(const uint8_t* plain, std::size_t len, uint8_t* out);
  /// Inverse of encrypt_and_hash. False on a bad tag or short input; h is then unchanged.
  bool decrypt_and_hash(const uint8_t* cipher, std::size_t len, uint8_t* out);
  /// Split: the two transport keys HKDF(ck, empty, 2); the initiator sends with `first`.
  void split(crypto::Key32& first, crypto::Key32& second) const;

  const crypto::Key32& chaining_key() const { return ck_; }
  const crypto::Key32& hash() const { return h_; }

 private:
  crypto::Key32 ck_{};
  crypto::Key32 h_{};
  CipherState cipher_;
};

}  // namespace weft::wg
