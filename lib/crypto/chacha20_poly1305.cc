// ChaCha20-Poly1305 AEAD (RFC 8439 section 2.8) for the facade: weft's own composition of
// ChaCha20 and Poly1305 where the CPU has AVX-512F or AVX2, OpenSSL's EVP otherwise, and WireGuard's
// nonce (whitepaper section 5.4.6: 32 zero bits then the 64-bit little-endian counter).
#include "crypto/aead_impl.h"
#include "crypto/chacha20.h"
#include "crypto/crypto.h"
#include "crypto/poly1305.h"

namespace weft::crypto {
namespace detail {
namespace {

// Own ChaCha20 keeps a 32-bit block counter: block 0 is the Poly1305 key, so the data may use
// blocks 1 .. 2^32 - 1. Longer inputs (256 GiB; never a packet) go to OpenSSL rather than wrap
// onto block 0's keystream.
constexpr uint64_t kOwnMaxLength = ((uint64_t{1} << 32) - 1) * kChaChaBlockSize;

Nonce12 wireguard_nonce(uint64_t counter) {
  Nonce12 n{};
  for (int i = 0; i < 8; ++i) n[4 + i] = static_cast<uint8_t>(counter >> (8 * i));
  return n;
}

void chacha20(AeadImpl impl, const uint8_t key[32], const uint8_t nonce[12], uint32_t counter,
              const uint8_t* in, uint8_t* out, std::size_t len, uint8_t* first_block) {
  switch (impl) {
    case AeadImpl::kAvx512:
      chacha20_xor_avx512(key, nonce, counter, in, out, len, first_block);
      return;
    case AeadImpl::kAvx2:
      chacha20_xor_avx2(key, nonce, counter, in, out, len, first_block);
      return;
    default:
      chacha20_xor_portable(key, nonce, counter, in, out, len, first_block);
  }
}

Poly1305Path poly1305_path(AeadImpl impl) {
  switch (impl) {
    case AeadImpl::kAvx512: return Poly1305Path::kAvx512;
    case AeadImpl::kAvx2: return Poly1305Path::kAvx2;
    default: return Poly1305Path::kPortable;
  }
}

// Section 2.8: Poly1305 over pad16(ad) || pad16(cipher) || le64(ad_len) || le64(len).
void tag_of(AeadImpl impl, const uint8_t poly_key[32], const uint8_t* ad, std::size_t ad_len,
            const uint8_t* cipher, std::size_t len, uint8_t tag[16]) {
  Poly1305 mac(poly_key, poly1305_path(impl));
  mac.update_padded(ad, ad_len);
  mac.update_padded(cipher, len);
  uint8_t lengths[16];
  for (int i = 0; i < 8; ++i) {
    lengths[i] = static_cast<uint8_t>(static_cast<uint64_t>(ad_len) >> (8 * i));
    lengths[8 + i] = static_cast<uint8_t>(static_cast<uint64_t>(len) >> (8 * i));
  }
  mac.blocks(lengths, 1);
  mac.finish(tag);
}

void own_seal(AeadImpl impl, const uint8_t key[32], const uint8_t nonce[12], const uint8_t* plain,
              std::size_t len, const uint8_t* ad, std::size_t ad_len, uint8_t* out) {
  // Block 0's keystream is the one-time Poly1305 key (section 2.6); the data starts at block 1.
  uint8_t block0[kChaChaBlockSize];
  chacha20(impl, key, nonce, 0, plain, out, len, block0);
  tag_of(impl, block0, ad, ad_len, out, len, out + len);
  secure_zero(block0, sizeof(block0));
}

bool own_open(AeadImpl impl, const uint8_t key[32], const uint8_t nonce[12],
              const uint8_t* cipher, std::size_t len, const uint8_t* ad, std::size_t ad_len,
              uint8_t* out) {
  if (len < kAeadTagSize) return false;
  const std::size_t plain_len = len - kAeadTagSize;
  // The tag is checked before anything is decrypted, so out (which may be cipher) is written
  // only with authenticated plaintext. The Poly1305 key's block is made together with the
  // keystream of the next seven (one pass of the eight-block path), kept until the tag is known.
  constexpr std::size_t kHeadBlocks = 7;
  uint8_t block0[kChaChaBlockSize];
  alignas(64) uint8_t head_stream[kHeadBlocks * kChaChaBlockSize];
  const std::size_t head = plain_len < sizeof(head_stream) ? plain_len : sizeof(head_stream);
  chacha20(impl, key, nonce, 0, nullptr, head_stream, head, block0);
  uint8_t tag[kAeadTagSize];
  tag_of(impl, block0, ad, ad_len, cipher, plain_len, tag);
  secure_zero(block0, sizeof(block0));
  const bool authentic = constant_time_equal(tag, cipher + plain_len, kAeadTagSize);
  secure_zero(tag, sizeof(tag));  // after a refusal, a valid tag for the forger's message
  if (!authentic) {
    secure_zero(head_stream, head);
    secure_zero(out, plain_len);  // as the OpenSSL path leaves it
    return false;
  }
  for (std::size_t i = 0; i < head; ++i) out[i] = cipher[i] ^ head_stream[i];
  secure_zero(head_stream, head);
  if (plain_len > head) {
    chacha20(impl, key, nonce, 1 + kHeadBlocks, cipher + head, out + head, plain_len - head,
             nullptr);
  }
  return true;
}

}  // namespace

AeadImpl aead_impl() {
  if (have_avx512()) return AeadImpl::kAvx512;
  if (have_avx2()) return AeadImpl::kAvx2;
  return AeadImpl::kOpenSsl;
}

const char* aead_impl_name(AeadImpl impl) {
  switch (impl) {
    case AeadImpl::kOpenSsl: return "openssl";
    case AeadImpl::kPortable: return "weft-portable";
    case AeadImpl::kAvx2: return "weft-avx2";
    case AeadImpl::kAvx512: return "weft-avx512";
  }
  return "?";
}

void aead_seal_with(AeadImpl impl, const uint8_t key[32], const uint8_t nonce[12],
                    const uint8_t* plain, std::size_t len, const uint8_t* ad, std::size_t ad_len,
                    uint8_t* out) {
  if (impl == AeadImpl::kOpenSsl || len > kOwnMaxLength) {
    void* ctx = evp_aead_new(nullptr);
    evp_aead_seal(ctx, key, nonce, plain, len, ad, ad_len, out);
    evp_aead_free(ctx);
    return;
  }
  own_seal(impl, key, nonce, plain, len, ad, ad_len, out);
}

bool aead_open_with(AeadImpl impl, const uint8_t key[32], const uint8_t nonce[12],
                    const uint8_t* cipher, std::size_t len, const uint8_t* ad,
                    std::size_t ad_len, uint8_t* out) {
  if (impl == AeadImpl::kOpenSsl || len > kOwnMaxLength + kAeadTagSize) {
    void* ctx = evp_aead_new(nullptr);
    const bool ok = evp_aead_open(ctx, key, nonce, cipher, len, ad, ad_len, out);
    evp_aead_free(ctx);
    return ok;
  }
  return own_open(impl, key, nonce, cipher, len, ad, ad_len, out);
}

}  // namespace detail

void chacha20_poly1305_seal(const Key32& key, const Nonce12& nonce, const uint8_t* plain,
                            std::size_t len, const uint8_t* ad, std::size_t ad_len, uint8_t* out) {
  detail::aead_seal_with(detail::aead_impl(), key.data(), nonce.data(), plain, len, ad, ad_len,
                         out);
}

bool chacha20_poly1305_open(const Key32& key, const Nonce12& nonce, const uint8_t* cipher,
                            std::size_t len, const uint8_t* ad, std::size_t ad_len, uint8_t* out) {
  return detail::aead_open_with(detail::aead_impl(), key.data(), nonce.data(), cipher, len, ad,
                                ad_len, out);
}

void aead_seal(const Key32& key, uint64_t counter, const uint8_t* plain, std::size_t len,
               const uint8_t* ad, std::size_t ad_len, uint8_t* out) {
  chacha20_poly1305_seal(key, detail::wireguard_nonce(counter), plain, len, ad, ad_len, out);
}

bool aead_open(const Key32& key, uint64_t counter, const uint8_t* cipher, std::size_t len,
               const uint8_t* ad, std::size_t ad_len, uint8_t* out) {
  return chacha20_poly1305_open(key, detail::wireguard_nonce(counter), cipher, len, ad, ad_len,
                                out);
}

AeadContext::AeadContext(const Key32& key) : ctx_(nullptr), key_(key) {
  // OpenSSL's context keeps the key schedule, set once here; weft's own needs none.
  if (detail::aead_impl() == detail::AeadImpl::kOpenSsl) ctx_ = detail::evp_aead_new(key_.data());
}

AeadContext::~AeadContext() {
  if (ctx_ != nullptr) detail::evp_aead_free(ctx_);
  secure_zero(key_.data(), key_.size());
}

void AeadContext::seal(uint64_t counter, const uint8_t* plain, std::size_t len, uint8_t* out) {
  const Nonce12 nonce = detail::wireguard_nonce(counter);
  if (ctx_ != nullptr) {
    detail::evp_aead_seal(ctx_, nullptr, nonce.data(), plain, len, nullptr, 0, out);
  } else {
    detail::aead_seal_with(detail::aead_impl(), key_.data(), nonce.data(), plain, len,
                           nullptr, 0, out);
  }
}

bool AeadContext::open(uint64_t counter, const uint8_t* cipher, std::size_t len, uint8_t* out) {
  const Nonce12 nonce = detail::wireguard_nonce(counter);
  if (ctx_ != nullptr) {
    return detail::evp_aead_open(ctx_, nullptr, nonce.data(), cipher, len, nullptr, 0, out);
  }
  return detail::aead_open_with(detail::aead_impl(), key_.data(), nonce.data(), cipher, len,
                                nullptr, 0, out);
}

}  // namespace weft::crypto
