// XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03 section 2) on Botan 2, whose ChaCha20Poly1305
// mode switches to the XChaCha construction for a 24-byte nonce. Used only for WireGuard cookie
// replies (whitepaper section 5.4.7), so per-call mode setup is acceptable; OpenSSL 3 lacks it.
#include <botan/aead.h>
#include <botan/exceptn.h>

#include <cstring>
#include <exception>
#include <memory>

#include "crypto/crypto.h"
#include "crypto/openssl_algorithms.h"

namespace weft::crypto {
namespace {

std::unique_ptr<Botan::AEAD_Mode> make_mode(const Key32& key, const std::array<uint8_t, 24>& nonce,
                                            const uint8_t* ad, std::size_t ad_len,
                                            Botan::Cipher_Dir dir) {
  std::unique_ptr<Botan::AEAD_Mode> mode = Botan::AEAD_Mode::create("ChaCha20Poly1305", dir);
  if (!mode) detail::fatal("Botan lacks ChaCha20Poly1305");
  mode->set_key(key.data(), key.size());
  mode->set_associated_data(ad, ad_len);
  mode->start(nonce.data(), nonce.size());
  return mode;
}

}  // namespace

void xaead_seal(const Key32& key, const std::array<uint8_t, 24>& nonce, const uint8_t* plain,
                std::size_t len, const uint8_t* ad, std::size_t ad_len, uint8_t* out) {
  try {
    auto mode = make_mode(key, nonce, ad, ad_len, Botan::ENCRYPTION);
    // secure_vector wipes itself on release, so the plaintext copy does not linger.
    Botan::secure_vector<uint8_t> buf(plain, plain + len);
    mode->finish(buf);
    if (buf.size() != len + kAeadTagSize) detail::fatal("XChaCha20-Poly1305 output size");
    std::memcpy(out, buf.data(), buf.size());
  } catch (const std::exception& e) {
    // Botan throws only on allocation failure or misuse here; neither may cross the facade.
    detail::fatal(e.what());
  }
}

bool xaead_open(const Key32& key, const std::array<uint8_t, 24>& nonce, const uint8_t* cipher,
                std::size_t len, const uint8_t* ad, std::size_t ad_len, uint8_t* out) {
  if (len < kAeadTagSize) return false;
  try {
    auto mode = make_mode(key, nonce, ad, ad_len, Botan::DECRYPTION);
    Botan::secure_vector<uint8_t> buf(cipher, cipher + len);
    mode->finish(buf);
    if (buf.size() != len - kAeadTagSize) return false;
    std::memcpy(out, buf.data(), buf.size());
    return true;
  } catch (const Botan::Invalid_Authentication_Tag&) {
    return false;
  } catch (const std::exception& e) {
    detail::fatal(e.what());
  }
}

}  // namespace weft::crypto
