// ChaCha20 keystream (lib/crypto/chacha20): RFC 8439 sections 2.3.2 and 2.4.2 known answers, and
// the portable, AVX-512 and AVX2 paths agreeing with OpenSSL's EVP_chacha20 at every length, from any
// counter, with the first block diverted and in place.
#define BOOST_TEST_MODULE chacha20
#include <openssl/evp.h>

#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "crypto/chacha20.h"
#include "crypto/hex.h"

namespace wd = weft::crypto::detail;
using weft::crypto::test::hex;

namespace {

using Xor = void (*)(const uint8_t*, const uint8_t*, uint32_t, const uint8_t*, uint8_t*,
                     std::size_t, uint8_t*);

// The implementations this CPU can run; a vector one it cannot is named on stderr.
std::vector<std::pair<const char*, Xor>> implementations() {
  std::vector<std::pair<const char*, Xor>> v{{"portable", wd::chacha20_xor_portable}};
  if (wd::have_avx512()) {
    v.emplace_back("avx512", wd::chacha20_xor_avx512);
  } else {
    std::fprintf(stderr, "this CPU has no AVX-512F: that vector path is not checked here\n");
  }
  if (wd::have_avx2()) {
    v.emplace_back("avx2", wd::chacha20_xor_avx2);
  } else {
    std::fprintf(stderr, "this CPU has no AVX2: that vector path is not checked here\n");
  }
  return v;
}

// OpenSSL's raw ChaCha20 takes a 16-byte IV: the 32-bit block counter, then the 96-bit nonce.
std::vector<uint8_t> openssl_xor(const uint8_t* key, const uint8_t* nonce, uint32_t counter,
                                 const std::vector<uint8_t>& in) {
  uint8_t iv[16];
  for (int i = 0; i < 4; ++i) iv[i] = static_cast<uint8_t>(counter >> (8 * i));
  std::memcpy(iv + 4, nonce, 12);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  BOOST_REQUIRE(EVP_EncryptInit_ex2(ctx, EVP_chacha20(), key, iv, nullptr) == 1);
  std::vector<uint8_t> out(in.size());
  int outl = 0;
  if (!in.empty()) {
    BOOST_REQUIRE(EVP_EncryptUpdate(ctx, out.data(), &outl, in.data(),
                                    static_cast<int>(in.size())) == 1);
  }
  EVP_CIPHER_CTX_free(ctx);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(block_function_matches_rfc8439_2_3_2) {
  const auto key = hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  const auto nonce = hex("000000090000004a00000000");
  const auto expected = hex(
      "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e"
      "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e");
  for (const auto& [name, run] : implementations()) {
    BOOST_TEST_CONTEXT(name) {
      std::vector<uint8_t> block(64);
      run(key.data(), nonce.data(), 1, nullptr, nullptr, 0, block.data());
      BOOST_TEST(block == expected, boost::test_tools::per_element());
    }
  }
}

BOOST_AUTO_TEST_CASE(encryption_matches_rfc8439_2_4_2) {
  const auto key = hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  const auto nonce = hex("000000000000004a00000000");
  const std::string text =
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the "
      "future, sunscreen would be it.";
  const auto expected = hex(
      "6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0bf91b65c5524733ab8f593dab"
      "cd62b3571639d624e65152ab8f530c359f0861d807ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806"
      "818ce91ab77937365af90bbf74a35be6b40b8eedf2785e42874d");
  for (const auto& [name, run] : implementations()) {
    BOOST_TEST_CONTEXT(name) {
      std::vector<uint8_t> out(text.size());
      run(key.data(), nonce.data(), 1, reinterpret_cast<const uint8_t*>(text.data()), out.data(),
          text.size(), nullptr);
      BOOST_TEST(out == expected, boost::test_tools::per_element());
    }
  }
}

BOOST_AUTO_TEST_CASE(agrees_with_openssl_at_every_length_and_counter) {
  std::mt19937 rng(8439);
  for (std::size_t len = 0; len <= 1200; ++len) {
    uint8_t key[32], nonce[12];
    for (auto& b : key) b = static_cast<uint8_t>(rng());
    for (auto& b : nonce) b = static_cast<uint8_t>(rng());
    std::vector<uint8_t> in(len);
    for (auto& b : in) b = static_cast<uint8_t>(rng());
    const uint32_t counter = len % 3 == 0 ? 0 : static_cast<uint32_t>(rng() % 1000);
    const auto expected = openssl_xor(key, nonce, counter, in);
    // With the first block diverted, the data starts one block later.
    const auto expected_after_first = openssl_xor(key, nonce, counter + 1, in);
    const auto first = openssl_xor(key, nonce, counter, std::vector<uint8_t>(64, 0));
    for (const auto& [name, run] : implementations()) {
      BOOST_TEST_CONTEXT(name << " len " << len) {
        std::vector<uint8_t> out(len);
        run(key, nonce, counter, in.data(), out.data(), len, nullptr);
        BOOST_TEST((out == expected));
        std::vector<uint8_t> block(64);
        run(key, nonce, counter, in.data(), out.data(), len, block.data());
        BOOST_TEST((out == expected_after_first));
        BOOST_TEST((block == first));
        std::vector<uint8_t> inplace = in;
        run(key, nonce, counter, inplace.data(), inplace.data(), len, nullptr);
        BOOST_TEST((inplace == expected));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(writes_nothing_past_the_length) {
  for (const auto& [name, run] : implementations()) {
    BOOST_TEST_CONTEXT(name) {
      const uint8_t key[32] = {1};
      const uint8_t nonce[12] = {2};
      for (std::size_t len : {0, 1, 63, 64, 65, 255, 256, 257, 511, 513, 1420}) {
        std::vector<uint8_t> in(len, 0x5a), out(len + 64, 0xee);
        run(key, nonce, 1, in.data(), out.data(), len, nullptr);
        for (std::size_t i = len; i < out.size(); ++i) BOOST_TEST(out[i] == 0xee);
      }
    }
  }
}
