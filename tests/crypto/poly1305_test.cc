// Poly1305 (lib/crypto/poly1305): RFC 8439 section 2.5.2 and appendix A.3 known answers (the
// edge cases of the final reduction), and the portable, AVX-512 and AVX2 paths agreeing with OpenSSL's
// EVP_MAC "POLY1305" at every length up to 200 blocks, including keys and messages of all ones.
#define BOOST_TEST_MODULE poly1305
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <algorithm>
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

BOOST_AUTO_TEST_CASE(vector_paths_reduce_sums_next_to_p) {
  // With r = 1 the accumulator is the plain sum of the blocks, each with its 2^128 bit, so the
  // blocks can make it k p + delta: the final reduction's edge cases (h just below p, at p,
  // just above), reached through the vector paths' lanes (runs of 16 or more blocks) and with
  // s = 2^128 - 1 so that the last addition carries. Random differential inputs hit these with
  // probability about 2^-128.
  std::vector<uint8_t> key(32, 0);
  key[0] = 1;
  for (int i = 16; i < 32; ++i) key[i] = 0xff;
  std::mt19937 rng(130);
  for (std::size_t n : {16, 24, 32, 40}) {
    const int k = static_cast<int>(n / 4) + 1;  // n 2^128 = (k - 1) 2^130
    for (int delta = -5; delta <= 5; ++delta) {
      // Sum of blocks = k p + delta - n 2^128 = 2^130 - 5k + delta: three all-ones blocks and
      // one of 2^128 - c with c = 5k - 3 - delta, the others zero, at random positions.
      std::vector<std::size_t> order(n);
      for (std::size_t i = 0; i < n; ++i) order[i] = i;
      std::shuffle(order.begin(), order.end(), rng);
      std::vector<uint8_t> msg(n * 16, 0);
      for (int j = 0; j < 3; ++j) std::fill_n(msg.begin() + order[j] * 16, 16, 0xff);
      const unsigned __int128 last = -static_cast<unsigned __int128>(5 * k - 3 - delta);
      for (int b = 0; b < 16; ++b) msg[order[3] * 16 + b] = static_cast<uint8_t>(last >> (8 * b));
      // h mod p = delta mod p; tag = (h mod p + 2^128 - 1) mod 2^128.
      const unsigned __int128 h = delta >= 0 ? static_cast<unsigned __int128>(delta)
                                             : -static_cast<unsigned __int128>(5 - delta);
      const unsigned __int128 tag_value = h - 1;
      std::vector<uint8_t> expected(16);
      for (int b = 0; b < 16; ++b) expected[b] = static_cast<uint8_t>(tag_value >> (8 * b));
      BOOST_TEST_CONTEXT("blocks " << n << " delta " << delta) {
        BOOST_TEST((openssl_mac(key, msg) == expected));
        for (Poly1305Path path : paths()) {
          BOOST_TEST_CONTEXT("path " << static_cast<int>(path)) {
            BOOST_TEST((mac_blocks(key, msg, path) == expected));
          }
        }
      }
    }
  }
}

namespace {

// The canonical 26-bit limbs of a number given as five 64-bit limbs, mod p = 2^130 - 5: carry
// (2^130 wraps to 5) until every limb fits, then take p off once if the value is p or above.
std::vector<uint64_t> canonical(std::vector<uint64_t> v) {
  const uint64_t mask = (uint64_t{1} << 26) - 1;
  for (bool carried = true; carried;) {
    carried = false;
    for (int i = 0; i < 5; ++i) {
      const uint64_t c = v[i] >> 26;
      if (c == 0) continue;
      v[i] &= mask;
      v[(i + 1) % 5] += i == 4 ? c * 5 : c;
      carried = true;
    }
  }
  if (v[1] == mask && v[2] == mask && v[3] == mask && v[4] == mask && v[0] >= mask - 4) {
    v = {v[0] - (mask - 4), 0, 0, 0, 0};
  }
  return v;
}

}  // namespace

BOOST_AUTO_TEST_CASE(lane_sums_at_their_bounds_carry_back_to_26_bits) {
  // Eight lanes of limbs just under 2^27 (limb 1 under 2^27 + 2^11): the largest sums the
  // vector paths hand over, and some smaller ones.
  const uint64_t top = 8 * ((uint64_t{1} << 27) - 1);
  const std::vector<std::vector<uint64_t>> cases = {
      {top, top + 8 * (uint64_t{1} << 11), top, top, top},
      {top, 0, 0, 0, top},
      {0, 0, 0, 0, (uint64_t{1} << 26)},
      {(uint64_t{1} << 26) - 5, (uint64_t{1} << 26) - 1, (uint64_t{1} << 26) - 1,
       (uint64_t{1} << 26) - 1, (uint64_t{1} << 26) - 1},
  };
  for (const auto& sums : cases) {
    uint64_t t[5] = {sums[0], sums[1], sums[2], sums[3], sums[4]};
    uint32_t h[5];
    wd::poly1305_from_lane_sums(t, h);
    for (int i = 0; i < 5; ++i) {
      BOOST_TEST(h[i] < (i == 1 ? (uint32_t{1} << 26) + (uint32_t{1} << 10) : uint32_t{1} << 26));
    }
    const std::vector<uint64_t> got = canonical({h[0], h[1], h[2], h[3], h[4]});
    BOOST_TEST(got == canonical(sums), boost::test_tools::per_element());
  }
}
