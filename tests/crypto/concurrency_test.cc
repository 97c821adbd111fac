// The facade is thread-compatible: its only shared state is the lazily fetched OpenSSL algorithm
// handles, so first use from several threads at once must work and agree with one thread.
#define BOOST_TEST_MODULE concurrency
#include <boost/test/unit_test.hpp>
#include <thread>
#include <vector>

#include "crypto/crypto.h"

namespace wc = weft::crypto;

namespace {

// One pass over every primitive; returns a digest of all outputs.
wc::Hash32 exercise(int seed) {
  wc::Key32 key;
  for (int i = 0; i < 32; ++i) key[i] = static_cast<uint8_t>(seed + i);
  std::vector<uint8_t> acc;
  auto add = [&acc](const uint8_t* p, std::size_t n) { acc.insert(acc.end(), p, p + n); };
  wc::Hash32 h = wc::blake2s256(key.data(), key.size());
  add(h.data(), h.size());
  wc::Mac16 m = wc::blake2s_mac16(key, h.data(), h.size());
  add(m.data(), m.size());
  wc::Key32 k1, k2;
  wc::wg_kdf(key, m.data(), m.size(), &k1, &k2, nullptr);
  add(k1.data(), k1.size());
  add(k2.data(), k2.size());
  std::vector<uint8_t> sealed(64 + wc::kAeadTagSize);
  wc::aead_seal(key, 1, acc.data(), 64, nullptr, 0, sealed.data());
  add(sealed.data(), sealed.size());
  wc::AeadContext ctx(k1);
  ctx.seal(2, acc.data(), 64, sealed.data());
  add(sealed.data(), sealed.size());
  std::array<uint8_t, 24> nonce{};
  std::vector<uint8_t> xsealed(16 + wc::kAeadTagSize);
  wc::xaead_seal(k2, nonce, acc.data(), 16, nullptr, 0, xsealed.data());
  add(xsealed.data(), xsealed.size());
  wc::Key32 priv = wc::x25519_private_from_random(k1);
  wc::Key32 pub = wc::x25519_public(priv);
  wc::Key32 shared;
  if (!wc::x25519(wc::x25519_private_from_random(k2), pub, shared)) shared.fill(0);
  add(shared.data(), shared.size());
  return wc::blake2s256(acc.data(), acc.size());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(concurrency)

BOOST_AUTO_TEST_CASE(first_use_from_many_threads_agrees_with_a_single_thread) {
  constexpr int kThreads = 8;
  std::vector<wc::Hash32> results(kThreads);
  std::vector<std::thread> threads;
  // Nothing in this process has touched the facade yet: these threads race the lazy fetches.
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &results] { results[t] = exercise(t % 2); });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    BOOST_TEST(results[t] == exercise(t % 2));
  }
  BOOST_TEST(exercise(0) != exercise(1));
}

BOOST_AUTO_TEST_SUITE_END()
