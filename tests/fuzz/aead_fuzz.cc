// Differential fuzz target for ChaCha20-Poly1305 (lib/crypto): weft's own AEAD, portable, AVX-512
// and AVX2, must seal exactly as OpenSSL does, open what it sealed, and refuse (wiping the output)
// any sealed message with one bit flipped, for any key, nonce, associated data and length.
// Input: key (32) | nonce (12) | ad length (1) | flip position (2) | ad | plaintext.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "crypto/aead_impl.h"
#include "crypto/chacha20.h"

namespace wd = weft::crypto::detail;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  constexpr std::size_t kHeader = 32 + 12 + 1 + 2;
  if (size < kHeader) return 0;
  const uint8_t* key = data;
  const uint8_t* nonce = data + 32;
  std::size_t ad_len = data[44];
  const std::size_t flip = std::size_t{data[45]} | std::size_t{data[46]} << 8;
  data += kHeader;
  size -= kHeader;
  if (ad_len > size) ad_len = size;
  const uint8_t* ad = data;
  const uint8_t* plain = data + ad_len;
  const std::size_t len = size - ad_len;

  std::vector<uint8_t> expected(len + 16);
  wd::aead_seal_with(wd::AeadImpl::kOpenSsl, key, nonce, plain, len, ad, ad_len, expected.data());
  std::vector<wd::AeadImpl> impls{wd::AeadImpl::kPortable};
  if (wd::have_avx512()) impls.push_back(wd::AeadImpl::kAvx512);
  if (wd::have_avx2()) impls.push_back(wd::AeadImpl::kAvx2);
  for (auto impl : impls) {
    std::vector<uint8_t> sealed(len + 16);
    wd::aead_seal_with(impl, key, nonce, plain, len, ad, ad_len, sealed.data());
    if (sealed != expected) std::abort();
    std::vector<uint8_t> opened(len + 16);
    if (!wd::aead_open_with(impl, key, nonce, sealed.data(), sealed.size(), ad, ad_len,
                            opened.data()) ||
        (len != 0 && std::memcmp(opened.data(), plain, len) != 0)) {
      std::abort();
    }
    sealed[flip % sealed.size()] ^= static_cast<uint8_t>(1u << (flip >> 13));
    std::vector<uint8_t> refused(len + 1, 0xcc);
    if (wd::aead_open_with(impl, key, nonce, sealed.data(), sealed.size(), ad, ad_len,
                           refused.data())) {
      std::abort();
    }
    for (std::size_t i = 0; i < len; ++i) {
      if (refused[i] != 0) std::abort();
    }
    // OpenSSL refuses it too (the flip is never a no-op).
    if (wd::aead_open_with(wd::AeadImpl::kOpenSsl, key, nonce, sealed.data(), sealed.size(), ad,
                           ad_len, refused.data())) {
      std::abort();
    }
  }
  return 0;
}
