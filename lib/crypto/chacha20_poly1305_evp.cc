// ChaCha20-Poly1305 AEAD (RFC 8439 section 2.8) on OpenSSL 3 EVP: the facade's choice on CPUs
// without AVX-512, and the cross-check of weft's own in tests.
#include <openssl/err.h>
#include <openssl/evp.h>

#include <cstring>

#include "crypto/aead_impl.h"
#include "crypto/crypto.h"
#include "crypto/openssl_algorithms.h"

namespace weft::crypto::detail {
namespace {

constexpr std::size_t kMaxChunk = std::size_t{1} << 30;  // EVP lengths are int

// Runs the cipher over `len` bytes; EVP takes int lengths, so large inputs go in chunks.
void update(EVP_CIPHER_CTX* ctx, const uint8_t* in, std::size_t len, uint8_t* out) {
  while (len != 0) {
    std::size_t n = len < kMaxChunk ? len : kMaxChunk;
    int outl = 0;
    if (EVP_CipherUpdate(ctx, out, &outl, in, static_cast<int>(n)) != 1 ||
        static_cast<std::size_t>(outl) != n) {
      fatal("ChaCha20-Poly1305 update failed");
    }
    in += n;
    out += n;
    len -= n;
  }
}

void add_ad(EVP_CIPHER_CTX* ctx, const uint8_t* ad, std::size_t ad_len) {
  while (ad_len != 0) {
    std::size_t n = ad_len < kMaxChunk ? ad_len : kMaxChunk;
    int outl = 0;
    if (EVP_CipherUpdate(ctx, nullptr, &outl, ad, static_cast<int>(n)) != 1) {
      fatal("ChaCha20-Poly1305 AAD failed");
    }
    ad += n;
    ad_len -= n;
  }
}

}  // namespace

void* evp_aead_new(const uint8_t* key) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  if (ctx == nullptr) fatal("EVP_CIPHER_CTX allocation failed");
  if (key != nullptr &&
      EVP_CipherInit_ex2(ctx, chacha20_poly1305_cipher(), key, nullptr, 1, nullptr) != 1) {
    fatal("ChaCha20-Poly1305 key setup failed");
  }
  return ctx;
}

void evp_aead_free(void* ctx) {
  EVP_CIPHER_CTX_free(static_cast<EVP_CIPHER_CTX*>(ctx));  // cleanses the key schedule
}

void evp_aead_seal(void* context, const uint8_t* key, const uint8_t nonce[12],
                   const uint8_t* plain, std::size_t len, const uint8_t* ad, std::size_t ad_len,
                   uint8_t* out) {
  auto* ctx = static_cast<EVP_CIPHER_CTX*>(context);
  const EVP_CIPHER* cipher = key != nullptr ? chacha20_poly1305_cipher() : nullptr;
  if (EVP_CipherInit_ex2(ctx, cipher, key, nonce, 1, nullptr) != 1) {
    fatal("ChaCha20-Poly1305 init failed");
  }
  add_ad(ctx, ad, ad_len);
  update(ctx, plain, len, out);
  int outl = 0;
  uint8_t* tag = out + len;
  if (EVP_CipherFinal_ex(ctx, tag, &outl) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, static_cast<int>(kAeadTagSize), tag) != 1) {
    fatal("ChaCha20-Poly1305 tag failed");
  }
}

bool evp_aead_open(void* context, const uint8_t* key, const uint8_t nonce[12],
                   const uint8_t* cipher_text, std::size_t len, const uint8_t* ad,
                   std::size_t ad_len, uint8_t* out) {
  if (len < kAeadTagSize) return false;
  auto* ctx = static_cast<EVP_CIPHER_CTX*>(context);
  const std::size_t plain_len = len - kAeadTagSize;
  // Copied first: with out == cipher_text, decrypting must not be able to touch the tag.
  uint8_t tag[kAeadTagSize];
  std::memcpy(tag, cipher_text + plain_len, kAeadTagSize);
  const EVP_CIPHER* cipher = key != nullptr ? chacha20_poly1305_cipher() : nullptr;
  if (EVP_CipherInit_ex2(ctx, cipher, key, nonce, 0, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(kAeadTagSize), tag) != 1) {
    fatal("ChaCha20-Poly1305 init failed");
  }
  add_ad(ctx, ad, ad_len);
  update(ctx, cipher_text, plain_len, out);
  uint8_t sink[kAeadTagSize];
  int outl = 0;
  if (EVP_CipherFinal_ex(ctx, sink, &outl) != 1) {
    ERR_clear_error();
    // Unauthenticated plaintext must not leak to a caller that ignores the result.
    secure_zero(out, plain_len);
    return false;
  }
  return true;
}

}  // namespace weft::crypto::detail
