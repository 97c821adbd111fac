// Throughput of the crypto facade (lib/crypto): the WireGuard hot path (ChaCha20-Poly1305 at
// 1420-byte packets, one-shot vs AeadContext, and each implementation against OpenSSL's) and
// the handshake primitives. Prints, never fails.
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <vector>

#include "crypto/aead_impl.h"
#include "crypto/chacha20.h"
#include "crypto/crypto.h"
#include "crypto/hmac_evp_mac.h"

namespace {

namespace wc = weft::crypto;

volatile uint8_t g_sink;  // keeps results observable so the work is not optimised away

struct Result {
  double ns_per_op;
};

// This thread's CPU time, not wall time: the project's build machines are shared, and CPU time
// keeps the numbers comparable while other jobs compete for the two cores.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Runs `op` in batches until at least `min_seconds` of CPU time have passed; returns mean ns per
// call.
Result measure(const std::function<void()>& op, double min_seconds) {
  for (int i = 0; i < 100; ++i) op();  // warm caches and lazily fetched algorithms
  uint64_t iters = 0;
  uint64_t batch = 16;
  const double start = thread_cpu_seconds();
  double elapsed = 0;
  while (elapsed < min_seconds) {
    for (uint64_t i = 0; i < batch; ++i) op();
    iters += batch;
    elapsed = thread_cpu_seconds() - start;
    if (batch < (1u << 14)) batch *= 2;
  }
  return {elapsed * 1e9 / static_cast<double>(iters)};
}

void print(const char* name, std::size_t bytes, Result r) {
  if (bytes != 0) {
    std::printf("%-44s %10.1f ns/op %12.0f op/s %8.3f GB/s\n", name, r.ns_per_op, 1e9 / r.ns_per_op,
                static_cast<double>(bytes) / r.ns_per_op);
  } else {
    std::printf("%-44s %10.1f ns/op %12.0f op/s\n", name, r.ns_per_op, 1e9 / r.ns_per_op);
  }
}

// HMAC through a pre-configured EVP_MAC_CTX template that is duplicated per call: the fastest
// way to use OpenSSL's own HMAC without re-parsing the digest name each time.
struct EvpMacTemplate {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* tmpl = nullptr;
  EvpMacTemplate() {
    tmpl = EVP_MAC_CTX_new(mac);
    char digest[] = "BLAKE2S-256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                           OSSL_PARAM_construct_end()};
    if (tmpl == nullptr || EVP_MAC_CTX_set_params(tmpl, params) != 1) std::abort();
  }
  ~EvpMacTemplate() {
    EVP_MAC_CTX_free(tmpl);
    EVP_MAC_free(mac);
  }
  void run(const uint8_t* key, std::size_t key_len, const uint8_t* data, std::size_t len,
           uint8_t* out) const {
    EVP_MAC_CTX* c = EVP_MAC_CTX_dup(tmpl);
    std::size_t n = 0;
    if (c == nullptr || EVP_MAC_init(c, key, key_len, nullptr) != 1 ||
        EVP_MAC_update(c, data, len) != 1 || EVP_MAC_final(c, out, &n, 32) != 1) {
      std::abort();
    }
    EVP_MAC_CTX_free(c);
  }
};

}  // namespace

int main(int argc, char** argv) {
  const double secs = argc > 1 ? std::atof(argv[1]) : 1.0;
  const std::size_t kPacket = 1420;
  wc::Key32 key;
  for (int i = 0; i < 32; ++i) key[i] = static_cast<uint8_t>(i * 7 + 1);
  std::vector<uint8_t> plain(65536, 0x42), sealed(65536 + wc::kAeadTagSize), opened(65536);
  uint64_t counter = 0;

  std::printf("# weft crypto_bench: %.1f s thread CPU time per measurement, one thread\n", secs);
  namespace wd = weft::crypto::detail;
  std::printf("## ChaCha20-Poly1305 (facade: %s), %zu-byte packets\n",
              wd::aead_impl_name(wd::aead_impl()), kPacket);
  Result seal_once = measure(
      [&] {
        wc::aead_seal(key, counter++, plain.data(), kPacket, nullptr, 0, sealed.data());
        g_sink = sealed[0];
      },
      secs);
  print("aead_seal one-shot 1420 B", kPacket, seal_once);
  wc::aead_seal(key, 7, plain.data(), kPacket, nullptr, 0, sealed.data());
  Result open_once = measure(
      [&] {
        if (!wc::aead_open(key, 7, sealed.data(), kPacket + 16, nullptr, 0, opened.data())) {
          std::abort();
        }
        g_sink = opened[0];
      },
      secs);
  print("aead_open one-shot 1420 B", kPacket, open_once);
  wc::AeadContext ctx(key);
  Result seal_ctx = measure(
      [&] {
        ctx.seal(counter++, plain.data(), kPacket, sealed.data());
        g_sink = sealed[0];
      },
      secs);
  print("AeadContext::seal 1420 B", kPacket, seal_ctx);
  ctx.seal(7, plain.data(), kPacket, sealed.data());
  Result open_ctx = measure(
      [&] {
        if (!ctx.open(7, sealed.data(), kPacket + 16, opened.data())) std::abort();
        g_sink = opened[0];
      },
      secs);
  print("AeadContext::open 1420 B", kPacket, open_ctx);
  Result seal_ctx_big = measure(
      [&] {
        ctx.seal(counter++, plain.data(), 65536, sealed.data());
        g_sink = sealed[0];
      },
      secs);
  print("AeadContext::seal 64 KiB", 65536, seal_ctx_big);
  Result seal_empty = measure(
      [&] {
        ctx.seal(counter++, plain.data(), 0, sealed.data());
        g_sink = sealed[0];
      },
      secs);
  print("AeadContext::seal 0 B (keepalive)", 0, seal_empty);
  std::printf("ratio: AeadContext seal is %.2fx one-shot, open %.2fx\n",
              seal_once.ns_per_op / seal_ctx.ns_per_op, open_once.ns_per_op / open_ctx.ns_per_op);

  std::printf("## ChaCha20-Poly1305 by implementation (one-shot, explicit nonce)\n");
  std::vector<wd::AeadImpl> impls{wd::AeadImpl::kOpenSsl, wd::AeadImpl::kPortable};
  if (wd::have_avx2()) impls.push_back(wd::AeadImpl::kAvx2);
  if (wd::have_avx512()) impls.push_back(wd::AeadImpl::kAvx512);
  double openssl_seal = 0, openssl_open = 0;
  for (auto impl : impls) {
    for (std::size_t bytes : {std::size_t{0}, kPacket, std::size_t{65536}}) {
      const uint8_t nonce[12] = {0, 0, 0, 0, 1};
      Result seal = measure(
          [&] {
            wd::aead_seal_with(impl, key.data(), nonce, plain.data(), bytes, nullptr, 0,
                               sealed.data());
            g_sink = sealed[0];
          },
          secs / 2);
      wd::aead_seal_with(impl, key.data(), nonce, plain.data(), bytes, nullptr, 0, sealed.data());
      Result open = measure(
          [&] {
            if (!wd::aead_open_with(impl, key.data(), nonce, sealed.data(), bytes + 16, nullptr, 0,
                                    opened.data())) {
              std::abort();
            }
            g_sink = opened[0];
          },
          secs / 2);
      char name[80];
      std::snprintf(name, sizeof(name), "%s seal %zu B", wd::aead_impl_name(impl), bytes);
      print(name, bytes, seal);
      std::snprintf(name, sizeof(name), "%s open %zu B", wd::aead_impl_name(impl), bytes);
      print(name, bytes, open);
      if (bytes == kPacket) {
        if (impl == wd::AeadImpl::kOpenSsl) {
          openssl_seal = seal.ns_per_op;
          openssl_open = open.ns_per_op;
        } else {
          std::printf("ratio: %s seal+open of %zu B is %.2fx OpenSSL's speed\n",
                      wd::aead_impl_name(impl), bytes,
                      (openssl_seal + openssl_open) / (seal.ns_per_op + open.ns_per_op));
        }
      }
    }
  }

  std::printf("## X25519 (OpenSSL EVP_PKEY)\n");
  wc::Key32 priv = wc::x25519_private_from_random(key);
  wc::Key32 peer =
      wc::x25519_public(wc::x25519_private_from_random(wc::blake2s256(key.data(), 32)));
  wc::Key32 shared;
  Result dh = measure(
      [&] {
        if (!wc::x25519(priv, peer, shared)) std::abort();
        g_sink = shared[0];
      },
      secs);
  print("x25519 (DH)", 0, dh);
  Result pub = measure(
      [&] {
        wc::Key32 p = wc::x25519_public(priv);
        g_sink = p[0];
      },
      secs);
  print("x25519_public", 0, pub);

  std::printf("## BLAKE2s (OpenSSL EVP_MD / EVP_MAC)\n");
  Result h64 = measure(
      [&] {
        wc::Hash32 h = wc::blake2s256(plain.data(), 64);
        g_sink = h[0];
      },
      secs);
  print("blake2s256 64 B", 64, h64);
  Result h1420 = measure(
      [&] {
        wc::Hash32 h = wc::blake2s256(plain.data(), kPacket);
        g_sink = h[0];
      },
      secs);
  print("blake2s256 1420 B", kPacket, h1420);
  Result mac1 = measure(
      [&] {
        wc::Mac16 m = wc::blake2s_mac16(key, plain.data(), 116);  // mac1 over an initiation
        g_sink = m[0];
      },
      secs);
  print("blake2s_mac16 116 B (mac1)", 116, mac1);

  std::printf("## HMAC-BLAKE2s, 32-byte key, 33-byte message\n");
  Result hmac_own = measure(
      [&] {
        wc::Hash32 h = wc::hmac_blake2s(key.data(), 32, plain.data(), 33);
        g_sink = h[0];
      },
      secs);
  print("hmac_blake2s (own HMAC over EVP_MD)", 0, hmac_own);
  Result hmac_evp = measure(
      [&] {
        wc::Hash32 h = wc::detail::hmac_blake2s_evp_mac(key.data(), 32, plain.data(), 33);
        g_sink = h[0];
      },
      secs);
  print("EVP_MAC HMAC, digest set per call", 0, hmac_evp);
  EvpMacTemplate tmpl;
  Result hmac_dup = measure(
      [&] {
        uint8_t out[32];
        tmpl.run(key.data(), 32, plain.data(), 33, out);
        g_sink = out[0];
      },
      secs);
  print("EVP_MAC HMAC, dup of configured ctx", 0, hmac_dup);
  Result kdf3 = measure(
      [&] {
        wc::Key32 a, b, c;
        wc::wg_kdf(key, plain.data(), 32, &a, &b, &c);
        g_sink = c[0];
      },
      secs);
  print("wg_kdf KDF3 (4 HMACs)", 0, kdf3);
  std::printf("ratio: own HMAC is %.2fx EVP_MAC (per-call digest), %.2fx EVP_MAC (dup)\n",
              hmac_evp.ns_per_op / hmac_own.ns_per_op, hmac_dup.ns_per_op / hmac_own.ns_per_op);

  std::printf("## XChaCha20-Poly1305 (Botan 2), cookie reply\n");
  std::array<uint8_t, 24> xnonce{};
  Result xseal = measure(
      [&] {
        xnonce[0]++;
        wc::xaead_seal(key, xnonce, plain.data(), 16, plain.data() + 100, 16, sealed.data());
        g_sink = sealed[0];
      },
      secs);
  print("xaead_seal 16 B (cookie)", 16, xseal);
  return 0;
}
