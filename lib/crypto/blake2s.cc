// BLAKE2s-256 and keyed BLAKE2s (RFC 7693) on OpenSSL 3: WireGuard's HASH() and MAC().
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <memory>

#include "crypto/blake2s_hasher.h"
#include "crypto/crypto.h"
#include "crypto/openssl_algorithms.h"

namespace weft::crypto {

namespace detail {

Blake2sHasher::Blake2sHasher() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr) detail::fatal("EVP_MD_CTX allocation failed");
}

Blake2sHasher::~Blake2sHasher() { EVP_MD_CTX_free(ctx_); }

void Blake2sHasher::init() {
  if (EVP_DigestInit_ex2(ctx_, blake2s256_md(), nullptr) != 1) fatal("BLAKE2s init failed");
}

void Blake2sHasher::update(const uint8_t* data, std::size_t len) {
  if (len != 0 && EVP_DigestUpdate(ctx_, data, len) != 1) fatal("BLAKE2s update failed");
}

void Blake2sHasher::final(uint8_t* out32) {
  unsigned int n = 0;
  if (EVP_DigestFinal_ex(ctx_, out32, &n) != 1 || n != kHashSize) fatal("BLAKE2s final failed");
}

}  // namespace detail

Hash32 blake2s256(const uint8_t* data, std::size_t len) {
  return blake2s256(data, len, nullptr, 0);
}

Hash32 blake2s256(const uint8_t* a, std::size_t alen, const uint8_t* b, std::size_t blen) {
  detail::Blake2sHasher h;
  h.init();
  h.update(a, alen);
  h.update(b, blen);
  Hash32 out;
  h.final(out.data());
  return out;
}

bool blake2s_keyed(const uint8_t* key, std::size_t key_len, const uint8_t* data, std::size_t len,
                   uint8_t* out, std::size_t out_len) {
  if (key_len < 1 || key_len > 32 || out_len < 1 || out_len > 32) return false;
  struct MacCtxDeleter {
    void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
  };
  std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter> ctx(EVP_MAC_CTX_new(detail::blake2s_mac()));
  if (!ctx) detail::fatal("EVP_MAC_CTX allocation failed");
  // The output size is a BLAKE2 parameter-block field, so a 16-byte MAC is not a truncated
  // 32-byte one: it must be set before the key initialises the state.
  std::size_t size = out_len;
  OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size),
                         OSSL_PARAM_construct_end()};
  std::size_t written = 0;
  if (EVP_MAC_init(ctx.get(), key, key_len, params) != 1 ||
      (len != 0 && EVP_MAC_update(ctx.get(), data, len) != 1) ||
      EVP_MAC_final(ctx.get(), out, &written, out_len) != 1 || written != out_len) {
    detail::fatal("keyed BLAKE2s failed");
  }
  return true;
}

Mac16 blake2s_mac16(const Key32& key, const uint8_t* data, std::size_t len) {
  Mac16 out;
  blake2s_keyed(key.data(), key.size(), data, len, out.data(), out.size());
  return out;
}

}  // namespace weft::crypto
