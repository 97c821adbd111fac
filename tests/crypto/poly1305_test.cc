// Poly1305 (lib/crypto/poly1305): RFC 8439 section 2.5.2 and appendix A.3 known answers (the
// edge cases of the final reduction), and the portable, AVX-512 and AVX2 paths agreeing with OpenSSL's
// EVP_MAC "POLY1305" at every length up to 200 blocks, including keys and messages of all ones.
#define BOOST_TEST_MODULE poly1305
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <random>
#include <vector>

#include "crypto/chacha20.h"
#include "crypto/hex.h"
#include "crypto/poly1305.h"

namespace wd = weft::crypto::detail;
using weft::crypto::test::hex;

namespace {

using wd::Poly1305Path;

std::vector<Poly1305Path> paths() {
  std::vector<Poly1305Path> v{Poly1305Path::kPortable};
  if (wd::have_avx512()) {
    v.push_back(Poly1305Path::kAvx512);
  } else {
    std::fprintf(stderr, "this CPU has no AVX-512F: that vector path is not checked here\n");
  }
  if (wd::have_avx2()) {
    v.push_back(Poly1305Path::kAvx2);
  } else {
    std::fprintf(stderr, "this CPU has no AVX2: that vector path is not checked here\n");
  }
  return v;
}

// The MAC of a whole number of blocks (the only form the AEAD uses: it pads with zeros).
std::vector<uint8_t> mac_blocks(const std::vector<uint8_t>& key, const std::vector<uint8_t>& msg,
                                Poly1305Path vector) {
  wd::Poly1305 p(key.data(), vector);
  p.blocks(msg.data(), msg.size() / 16);
  std::vector<uint8_t> tag(16);
  p.finish(tag.data());
  return tag;
}

std::vector<uint8_t> openssl_mac(const std::vector<uint8_t>& key, const std::vector<uint8_t>& msg) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "POLY1305", nullptr);
  BOOST_REQUIRE(mac != nullptr);
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  BOOST_REQUIRE(EVP_MAC_init(ctx, key.data(), key.size(), nullptr) == 1);
  BOOST_REQUIRE(EVP_MAC_update(ctx, msg.data(), msg.size()) == 1);
  std::vector<uint8_t> tag(16);
  std::size_t n = 0;
  BOOST_REQUIRE(EVP_MAC_final(ctx, tag.data(), &n, tag.size()) == 1);
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
  return tag;
}

}  // namespace

BOOST_AUTO_TEST_CASE(matches_rfc8439_2_5_2) {
  // 34 bytes: two whole blocks and a 2-byte tail, which section 2.5.1 ends with 0x01 instead of
  // the 2^128 bit. The AEAD never needs that form (it pads with zeros), so OpenSSL is held to
  // the published tag and weft's paths to OpenSSL on the two whole blocks.
  const auto key = hex("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b");
  const std::string text = "Cryptographic Forum Research Group";
  const std::vector<uint8_t> msg(text.begin(), text.end());
  BOOST_TEST(openssl_mac(key, msg) == hex("a8061dc1305136c6c22b8baf0c0127a9"),
             boost::test_tools::per_element());
  const std::vector<uint8_t> whole(msg.begin(), msg.begin() + 32);
  for (Poly1305Path vector : paths()) {
    BOOST_TEST(mac_blocks(key, whole, vector) == openssl_mac(key, whole),
               boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_CASE(final_reduction_edge_cases_of_rfc8439_a_3) {
  struct Case {
    const char* key;
    const char* msg;
    const char* tag;
  };
  // A.3 test vectors #5 to #9: h at or just above 2^130 - 5, and s carrying out of 2^128.
  const Case cases[] = {
      {"0200000000000000000000000000000000000000000000000000000000000000",
       "ffffffffffffffffffffffffffffffff", "03000000000000000000000000000000"},
      {"02000000000000000000000000000000ffffffffffffffffffffffffffffffff",
       "02000000000000000000000000000000", "03000000000000000000000000000000"},
      {"0100000000000000000000000000000000000000000000000000000000000000",
       "fffffffffffffffffffffffffffffffff0ffffffffffffffffffffffffffffff"
       "11000000000000000000000000000000",
       "05000000000000000000000000000000"},
      {"0100000000000000000000000000000000000000000000000000000000000000",
       "fffffffffffffffffffffffffffffffffbfefefefefefefefefefefefefefefe"
       "01010101010101010101010101010101",
       "00000000000000000000000000000000"},
      {"0200000000000000000000000000000000000000000000000000000000000000",
       "fdffffffffffffffffffffffffffffff", "faffffffffffffffffffffffffffffff"},
  };
  for (const auto& c : cases) {
    const auto key = hex(c.key);
    const auto msg = hex(c.msg);
    BOOST_TEST_CONTEXT(c.msg) {
      BOOST_TEST(openssl_mac(key, msg) == hex(c.tag), boost::test_tools::per_element());
      for (Poly1305Path vector : paths()) {
        BOOST_TEST(mac_blocks(key, msg, vector) == hex(c.tag), boost::test_tools::per_element());
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(agrees_with_openssl_up_to_200_blocks) {
  std::mt19937 rng(1305);
  for (std::size_t blocks = 0; blocks <= 200; ++blocks) {
    for (int kind = 0; kind < 3; ++kind) {
      // kind 0: random; 1: key and message all ones (the largest limbs); 2: random key, message
      // of all ones.
      std::vector<uint8_t> key(32), msg(blocks * 16);
      for (auto& b : key) b = kind == 1 ? 0xff : static_cast<uint8_t>(rng());
      for (auto& b : msg) b = kind == 0 ? static_cast<uint8_t>(rng()) : 0xff;
      const auto expected = openssl_mac(key, msg);
      for (Poly1305Path vector : paths()) {
        BOOST_TEST_CONTEXT("blocks " << blocks << " kind " << kind << " path " << static_cast<int>(vector)) {
          BOOST_TEST((mac_blocks(key, msg, vector) == expected));
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(runs_split_anywhere_give_the_same_tag) {
  // The vector path takes runs of 16 or more blocks, so a message fed in pieces mixes both
  // paths with the accumulator carried between them.
  std::mt19937 rng(26);
  std::vector<uint8_t> key(32), msg(100 * 16);
  for (auto& b : key) b = static_cast<uint8_t>(rng());
  for (auto& b : msg) b = static_cast<uint8_t>(rng());
  const auto expected = openssl_mac(key, msg);
  for (Poly1305Path vector : paths()) {
    for (std::size_t cut1 = 0; cut1 <= 100; cut1 += 7) {
      for (std::size_t cut2 = cut1; cut2 <= 100; cut2 += 17) {
        wd::Poly1305 p(key.data(), vector);
        p.blocks(msg.data(), cut1);
        p.blocks(msg.data() + cut1 * 16, cut2 - cut1);
        p.blocks(msg.data() + cut2 * 16, 100 - cut2);
        std::vector<uint8_t> tag(16);
        p.finish(tag.data());
        BOOST_TEST_CONTEXT("cuts " << cut1 << " " << cut2 << " path " << static_cast<int>(vector)) {
          BOOST_TEST((tag == expected));
        }
      }
    }
  }
}
