// ChaCha20-Poly1305 AEAD (RFC 8439 section 2.8) on OpenSSL 3 EVP, with WireGuard's nonce
// (whitepaper section 5.4.6: 32 zero bits then the 64-bit little-endian counter).
#include <openssl/err.h>
#include <openssl/evp.h>

#include <cstring>
#include <memory>

#include "crypto/crypto.h"
#include "crypto/openssl_algorithms.h"

namespace weft::crypto {
namespace {

constexpr std::size_t kMaxChunk = std::size_t{1} << 30;  // EVP lengths are int

Nonce12 wireguard_nonce(uint64_t counter) {
  Nonce12 n{};
  for (int i = 0; i < 8; ++i) n[4 + i] = static_cast<uint8_t>(counter >> (8 * i));
  return n;
}

EVP_CIPHER_CTX* new_ctx() {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  if (ctx == nullptr) detail::fatal("EVP_CIPHER_CTX allocation failed");
  return ctx;
}

// Runs the cipher over `len` bytes; EVP takes int lengths, so large inputs go in chunks.
void update(EVP_CIPHER_CTX* ctx, const uint8_t* in, std::size_t len, uint8_t* out) {
  while (len != 0) {
    std::size_t n = len < kMaxChunk ? len : kMaxChunk;
    int outl = 0;
    if (EVP_CipherUpdate(ctx, out, &outl, in, static_cast<int>(n)) != 1 ||
        static_cast<std::size_t>(outl) != n) {
      detail::fatal("ChaCha20-Poly1305 update failed");
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
      detail::fatal("ChaCha20-Poly1305 AAD failed");
    }
    ad += n;
    ad_len -= n;
  }
}

// `key` is null when ctx already holds the key (AeadContext): only the nonce is set per packet.
void seal_with(EVP_CIPHER_CTX* ctx, const uint8_t* key, const Nonce12& nonce, const uint8_t* plain,
               std::size_t len, const uint8_t* ad, std::size_t ad_len, uint8_t* out) {
  const EVP_CIPHER* cipher = key != nullptr ? detail::chacha20_poly1305_cipher() : nullptr;
  if (EVP_CipherInit_ex2(ctx, cipher, key, nonce.data(), 1, nullptr) != 1) {
    detail::fatal("ChaCha20-Poly1305 init failed");
  }
  add_ad(ctx, ad, ad_len);
  update(ctx, plain, len, out);
  int outl = 0;
  uint8_t* tag = out + len;
  if (EVP_CipherFinal_ex(ctx, tag, &outl) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, static_cast<int>(kAeadTagSize), tag) != 1) {
    detail::fatal("ChaCha20-Poly1305 tag failed");
  }
}

bool open_with(EVP_CIPHER_CTX* ctx, const uint8_t* key, const Nonce12& nonce,
               const uint8_t* cipher_text, std::size_t len, const uint8_t* ad, std::size_t ad_len,
               uint8_t* out) {
  if (len < kAeadTagSize) return false;
  const std::size_t plain_len = len - kAeadTagSize;
  // Copied first: with out == cipher_text, decrypting must not be able to touch the tag.
  uint8_t tag[kAeadTagSize];
  std::memcpy(tag, cipher_text + plain_len, kAeadTagSize);
  const EVP_CIPHER* cipher = key != nullptr ? detail::chacha20_poly1305_cipher() : nullptr;
  if (EVP_CipherInit_ex2(ctx, cipher, key, nonce.data(), 0, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(kAeadTagSize), tag) != 1) {
    detail::fatal("ChaCha20-Poly1305 init failed");
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

struct CtxDeleter {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

}  // namespace

void chacha20_poly1305_seal(const Key32& key, const Nonce12& nonce, const uint8_t* plain,
                            std::size_t len, const uint8_t* ad, std::size_t ad_len, uint8_t* out) {
  std::unique_ptr<EVP_CIPHER_CTX, CtxDeleter> ctx(new_ctx());
  seal_with(ctx.get(), key.data(), nonce, plain, len, ad, ad_len, out);
}

bool chacha20_poly1305_open(const Key32& key, const Nonce12& nonce, const uint8_t* cipher,
                            std::size_t len, const uint8_t* ad, std::size_t ad_len, uint8_t* out) {
  std::unique_ptr<EVP_CIPHER_CTX, CtxDeleter> ctx(new_ctx());
  return open_with(ctx.get(), key.data(), nonce, cipher, len, ad, ad_len, out);
}

void aead_seal(const Key32& key, uint64_t counter, const uint8_t* plain, std::size_t len,
               const uint8_t* ad, std::size_t ad_len, uint8_t* out) {
  chacha20_poly1305_seal(key, wireguard_nonce(counter), plain, len, ad, ad_len, out);
}

bool aead_open(const Key32& key, uint64_t counter, const uint8_t* cipher, std::size_t len,
               const uint8_t* ad, std::size_t ad_len, uint8_t* out) {
  return chacha20_poly1305_open(key, wireguard_nonce(counter), cipher, len, ad, ad_len, out);
}

AeadContext::AeadContext(const Key32& key) : ctx_(new_ctx()), key_(key) {
  // The key schedule is set once here; seal()/open() re-initialise only the nonce.
  if (EVP_CipherInit_ex2(static_cast<EVP_CIPHER_CTX*>(ctx_), detail::chacha20_poly1305_cipher(),
                         key_.data(), nullptr, 1, nullptr) != 1) {
    detail::fatal("ChaCha20-Poly1305 key setup failed");
  }
}

AeadContext::~AeadContext() {
  EVP_CIPHER_CTX_free(static_cast<EVP_CIPHER_CTX*>(ctx_));  // cleanses the key schedule
  secure_zero(key_.data(), key_.size());
}

void AeadContext::seal(uint64_t counter, const uint8_t* plain, std::size_t len, uint8_t* out) {
  seal_with(static_cast<EVP_CIPHER_CTX*>(ctx_), nullptr, wireguard_nonce(counter), plain, len,
            nullptr, 0, out);
}

bool AeadContext::open(uint64_t counter, const uint8_t* cipher, std::size_t len, uint8_t* out) {
  return open_with(static_cast<EVP_CIPHER_CTX*>(ctx_), nullptr, wireguard_nonce(counter), cipher,
                   len, nullptr, 0, out);
}

}  // namespace weft::crypto
