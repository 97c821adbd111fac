// X25519 Diffie-Hellman (RFC 7748 section 5) on OpenSSL 3's EVP_PKEY X25519, for WireGuard's DH().
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <memory>

#include "crypto/crypto.h"
#include "crypto/openssl_algorithms.h"

namespace weft::crypto {
namespace {

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter>;

PkeyPtr private_key(const Key32& key) {
  PkeyPtr p(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, key.data(), key.size()));
  if (!p) detail::fatal("X25519 private key allocation failed");
  return p;
}

// Imports a private key for derivation only. EVP_PKEY_new_raw_private_key would also compute the
// public key, a second scalar multiplication that doubled the cost of every DH (docs/crypto.md).
// Supplying a placeholder public key skips it: X25519 derivation reads only the private scalar
// and the peer's key, and this EVP_PKEY never leaves this file. Should a future OpenSSL validate
// the pair on import, the import fails loudly and the RFC 7748 tests catch it.
PkeyPtr private_key_for_derive(const Key32& key) {
  struct CtxDeleter {
    void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
  };
  std::unique_ptr<EVP_PKEY_CTX, CtxDeleter> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, "X25519", nullptr));
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) detail::fatal("X25519 import setup failed");
  uint8_t placeholder_public[kKeySize] = {};
  // OSSL_PARAM takes non-const pointers but only reads through them on import.
  Key32 priv = key;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PRIV_KEY, priv.data(), priv.size()),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, placeholder_public,
                                        sizeof placeholder_public),
      OSSL_PARAM_construct_end()};
  EVP_PKEY* raw = nullptr;
  int rc = EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_KEYPAIR, params);
  secure_zero(priv.data(), priv.size());
  if (rc != 1 || raw == nullptr) detail::fatal("X25519 private key import failed");
  return PkeyPtr(raw);
}

bool is_all_zero(const Key32& k) {
  uint8_t acc = 0;
  for (uint8_t b : k) acc |= b;
  return acc == 0;
}

}  // namespace

Key32 x25519_private_from_random(const Key32& random_bytes) {
  // RFC 7748 section 5 "decodeScalar25519": clear the cofactor bits, set bit 254.
  Key32 k = random_bytes;
  k[0] &= 248;
  k[31] &= 127;
  k[31] |= 64;
  return k;
}

Key32 x25519_public(const Key32& private_key_bytes) {
  PkeyPtr key = private_key(private_key_bytes);
  Key32 pub{};
  std::size_t len = pub.size();
  if (EVP_PKEY_get_raw_public_key(key.get(), pub.data(), &len) != 1 || len != pub.size()) {
    detail::fatal("X25519 public key derivation failed");
  }
  return pub;
}

bool x25519(const Key32& private_key_bytes, const Key32& peer_public, Key32& shared_out) {
  PkeyPtr key = private_key_for_derive(private_key_bytes);
  PkeyPtr peer(EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, peer_public.data(),
                                           peer_public.size()));
  if (!peer) detail::fatal("X25519 public key allocation failed");
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!ctx) detail::fatal("X25519 context allocation failed");
  std::size_t len = shared_out.size();
  // OpenSSL refuses to derive the all-zero secret of a low-order peer point (RFC 7748 section 6.1
  // check); it reports that through its error queue, which we clear so the thread's queue does
  // not fill up with peers' garbage.
  bool ok = EVP_PKEY_derive_init(ctx.get()) == 1 &&
            EVP_PKEY_derive_set_peer_ex(ctx.get(), peer.get(), 0) == 1 &&
            EVP_PKEY_derive(ctx.get(), shared_out.data(), &len) == 1 && len == shared_out.size();
  if (!ok) ERR_clear_error();
  if (!ok || is_all_zero(shared_out)) {
    secure_zero(shared_out.data(), shared_out.size());
    return false;
  }
  return true;
}

}  // namespace weft::crypto
