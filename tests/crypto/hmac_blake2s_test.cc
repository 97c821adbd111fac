// HMAC-BLAKE2s and WireGuard's KDF: checked against HMAC computed by its definition (RFC 2104)
// from blake2s256(), against OpenSSL's own EVP_MAC HMAC, and against fixed vectors.
#define BOOST_TEST_MODULE hmac_blake2s
#include <boost/test/unit_test.hpp>
#include <vector>

#include "crypto/crypto.h"
#include "crypto/hex.h"
#include "crypto/hmac_evp_mac.h"

using weft::crypto::Hash32;
using weft::crypto::Key32;
using weft::crypto::test::bytes;
using weft::crypto::test::hex;

namespace {

// RFC 2104 written out over the facade's plain hash: H((K ^ opad) || H((K ^ ipad) || m)).
Hash32 hmac_by_definition(const std::vector<uint8_t>& key, const std::vector<uint8_t>& msg) {
  std::vector<uint8_t> k(64, 0);
  if (key.size() > 64) {
    Hash32 hk = weft::crypto::blake2s256(key.data(), key.size());
    std::copy(hk.begin(), hk.end(), k.begin());
  } else {
    std::copy(key.begin(), key.end(), k.begin());
  }
  std::vector<uint8_t> ipad(64), opad(64);
  for (int i = 0; i < 64; ++i) {
    ipad[i] = k[i] ^ 0x36;
    opad[i] = k[i] ^ 0x5c;
  }
  Hash32 inner = weft::crypto::blake2s256(ipad.data(), ipad.size(), msg.data(), msg.size());
  return weft::crypto::blake2s256(opad.data(), opad.size(), inner.data(), inner.size());
}

std::vector<uint8_t> pattern(std::size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(seed + 7 * i);
  return v;
}

Hash32 hmac(const std::vector<uint8_t>& key, const std::vector<uint8_t>& msg) {
  return weft::crypto::hmac_blake2s(key.data(), key.size(), msg.data(), msg.size());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(hmac_blake2s)

BOOST_AUTO_TEST_CASE(equals_rfc2104_definition_for_short_block_and_long_keys) {
  for (std::size_t key_len : {0u, 1u, 32u, 64u, 65u, 100u}) {
    for (std::size_t msg_len : {0u, 1u, 32u, 63u, 64u, 65u, 200u}) {
      auto key = pattern(key_len, 3);
      auto msg = pattern(msg_len, 11);
      BOOST_TEST(bytes(hmac(key, msg)) == bytes(hmac_by_definition(key, msg)),
                 boost::test_tools::per_element());
    }
  }
}

BOOST_AUTO_TEST_CASE(agrees_with_openssl_evp_mac_hmac) {
  for (std::size_t key_len : {0u, 32u, 65u}) {
    auto key = pattern(key_len, 5);
    auto msg = pattern(148, 9);
    BOOST_TEST(bytes(hmac(key, msg)) == bytes(weft::crypto::detail::hmac_blake2s_evp_mac(
                                            key.data(), key.size(), msg.data(), msg.size())),
               boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_CASE(matches_fixed_vectors) {
  // From CPython's hmac.new(key, b"WireGuard", hashlib.blake2s), an independent implementation.
  std::vector<uint8_t> msg{'W', 'i', 'r', 'e', 'G', 'u', 'a', 'r', 'd'};
  std::vector<uint8_t> key32(32), key100(100);
  for (int i = 0; i < 32; ++i) key32[i] = static_cast<uint8_t>(i);
  for (int i = 0; i < 100; ++i) key100[i] = static_cast<uint8_t>(i);
  BOOST_TEST(bytes(hmac(key32, msg)) ==
                 hex("5415924543576b3f5ee867c94e1aab70586d33b32fae3fccd2c635b3e1d7198d"),
             boost::test_tools::per_element());
  BOOST_TEST(bytes(hmac(key100, msg)) ==
                 hex("27e2783bbe0418733b41f953203368e342aabae567508501430166d5cd0d7e37"),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(wg_kdf_follows_hkdf_chain_of_the_whitepaper) {
  // tau0 = HMAC(ck, x); tau1 = HMAC(tau0, 0x1); tau_i = HMAC(tau0, tau_{i-1} || i).
  Key32 ck;
  for (int i = 0; i < 32; ++i) ck[i] = static_cast<uint8_t>(0xa0 + i);
  auto input = pattern(32, 42);
  std::vector<uint8_t> ckv(ck.begin(), ck.end());
  Hash32 t0 = hmac_by_definition(ckv, input);
  std::vector<uint8_t> t0v(t0.begin(), t0.end());
  Hash32 t1 = hmac_by_definition(t0v, {0x01});
  std::vector<uint8_t> m2(t1.begin(), t1.end());
  m2.push_back(0x02);
  Hash32 t2 = hmac_by_definition(t0v, m2);
  std::vector<uint8_t> m3(t2.begin(), t2.end());
  m3.push_back(0x03);
  Hash32 t3 = hmac_by_definition(t0v, m3);

  Key32 o1{}, o2{}, o3{};
  weft::crypto::wg_kdf(ck, input.data(), input.size(), &o1, &o2, &o3);
  BOOST_TEST(bytes(o1) == bytes(t1), boost::test_tools::per_element());
  BOOST_TEST(bytes(o2) == bytes(t2), boost::test_tools::per_element());
  BOOST_TEST(bytes(o3) == bytes(t3), boost::test_tools::per_element());

  Key32 only1{};
  weft::crypto::wg_kdf(ck, input.data(), input.size(), &only1, nullptr, nullptr);
  BOOST_TEST(bytes(only1) == bytes(t1), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(wg_kdf_allows_output_to_alias_the_chaining_key) {
  Key32 ck;
  for (int i = 0; i < 32; ++i) ck[i] = static_cast<uint8_t>(i * 3);
  auto input = pattern(0, 0);
  Key32 expect1{}, expect2{};
  weft::crypto::wg_kdf(ck, input.data(), input.size(), &expect1, &expect2, nullptr);
  Key32 k{};
  weft::crypto::wg_kdf(ck, input.data(), input.size(), &ck, &k, nullptr);
  BOOST_TEST(bytes(ck) == bytes(expect1), boost::test_tools::per_element());
  BOOST_TEST(bytes(k) == bytes(expect2), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
