// Noise CipherState / SymmetricState (Noise spec rev. 34, 5.1-5.2) over the crypto facade:
// HASH = BLAKE2s-256, HKDF = crypto::wg_kdf (HMAC-BLAKE2s), cipher = ChaCha20-Poly1305.
#include "wg/noise_symmetric.h"

#include <cstring>
#include <limits>

namespace weft::wg {

namespace {
// Noise reserves the last nonce value (5.1), so a counter never wraps.
constexpr uint64_t kMaxNonce = std::numeric_limits<uint64_t>::max();
}  // namespace

CipherState::~CipherState() { clear(); }

void CipherState::clear() {
  crypto::secure_zero(k_.data(), k_.size());
  n_ = 0;
  has_key_ = false;
}

void CipherState::initialize_key(const crypto::Key32& key) {
  k_ = key;
  n_ = 0;
  has_key_ = true;
}

bool CipherState::encrypt_with_ad(const uint8_t* ad, std::size_t ad_len, const uint8_t* plain,
                                  std::size_t len, uint8_t* out) {
  if (!has_key_) {
    if (len != 0 && out != plain) std::memmove(out, plain, len);
    return true;
  }
  if (n_ == kMaxNonce) return false;
  crypto::aead_seal(k_, n_, plain, len, ad, ad_len, out);
  ++n_;
  return true;
}

bool CipherState::decrypt_with_ad(const uint8_t* ad, std::size_t ad_len, const uint8_t* cipher,
                                  std::size_t len, uint8_t* out) {
  if (!has_key_) {
    if (len != 0 && out != cipher) std::memmove(out, cipher, len);
    return true;
  }
  if (n_ == kMaxNonce || len < crypto::kAeadTagSize) return false;
  if (!crypto::aead_open(k_, n_, cipher, len, ad, ad_len, out)) return false;
  ++n_;
  return true;
}

SymmetricState::~SymmetricState() {
  crypto::secure_zero(ck_.data(), ck_.size());
  crypto::secure_zero(h_.data(), h_.size());
}

void SymmetricState::initialize(std::string_view protocol_name) {
  const auto* name = reinterpret_cast<const uint8_t*>(protocol_name.data());
  if (protocol_name.size() <= h_.size()) {
    h_.fill(0);
    std::memcpy(h_.data(), name, protocol_name.size());
  } else {
    h_ = crypto::blake2s256(name, protocol_name.size());
  }
  ck_ = h_;
  cipher_.clear();
}

void SymmetricState::resume(const crypto::Key32& chaining_key, const crypto::Key32& hash) {
  ck_ = chaining_key;
  h_ = hash;
  cipher_.clear();
}

void SymmetricState::mix_hash(const uint8_t* data, std::size_t len) {
  h_ = crypto::blake2s256(h_.data(), h_.size(), data, len);
}

void SymmetricState::mix_key(const uint8_t* input, std::size_t len) {
  crypto::Key32 k;
  crypto::wg_kdf(ck_, input, len, &ck_, &k, nullptr);
  cipher_.initialize_key(k);
  crypto::secure_zero(k.data(), k.size());
}

void SymmetricState::mix_key_and_hash(const uint8_t* input, std::size_t len) {
  crypto::Key32 t, k;
  crypto::wg_kdf(ck_, input, len, &ck_, &t, &k);
  mix_hash(t.data(), t.size());
  cipher_.initialize_key(k);
  crypto::secure_zero(t.data(), t.size());
  crypto::secure_zero(k.data(), k.size());
}

bool SymmetricState::encrypt_and_hash(const uint8_t* plain, std::size_t len, uint8_t* out) {
  if (!cipher_.encrypt_with_ad(h_.data(), h_.size(), plain, len, out)) return false;
  mix_hash(out, cipher_.has_key() ? len + crypto::kAeadTagSize : len);
  return true;
}

bool SymmetricState::decrypt_and_hash(const uint8_t* cipher, std::size_t len, uint8_t* out) {
  // h must cover the ciphertext, which `out` may overwrite when it aliases `cipher`.
  crypto::Key32 next = crypto::blake2s256(h_.data(), h_.size(), cipher, len);
  if (!cipher_.decrypt_with_ad(h_.data(), h_.size(), cipher, len, out)) return false;
  h_ = next;
  return true;
}

void SymmetricState::split(crypto::Key32& first, crypto::Key32& second) const {
  crypto::wg_kdf(ck_, nullptr, 0, &first, &second, nullptr);
}

}  // namespace weft::wg
