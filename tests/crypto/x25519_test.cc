// Known-answer tests for X25519: RFC 7748 sections 5.2 (single and iterated) and 6.1.
#define BOOST_TEST_MODULE x25519
#include <boost/test/unit_test.hpp>

#include "crypto/crypto.h"
#include "crypto/hex.h"

using weft::crypto::Key32;
using weft::crypto::test::bytes;
using weft::crypto::test::hex;
using weft::crypto::test::hex_array;

namespace {

Key32 dh_or_fail(const Key32& k, const Key32& u) {
  Key32 out{};
  BOOST_REQUIRE(weft::crypto::x25519(k, u, out));
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(x25519)

BOOST_AUTO_TEST_CASE(matches_rfc7748_section_5_2_vectors) {
  // The first vector has an unclamped scalar; the second also sets the high bit of u, which
  // RFC 7748 requires implementations to ignore.
  auto out1 =
      dh_or_fail(hex_array<32>("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"),
                 hex_array<32>("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c"));
  BOOST_TEST(bytes(out1) == hex("c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"),
             boost::test_tools::per_element());
  auto out2 =
      dh_or_fail(hex_array<32>("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d"),
                 hex_array<32>("e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493"));
  BOOST_TEST(bytes(out2) == hex("95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957"),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(matches_rfc7748_iterated_vectors_after_1_and_1000_rounds) {
  // k = u = 9; each round: k, u = X25519(k, u), k.
  Key32 k{};
  k[0] = 9;
  Key32 u = k;
  for (int i = 1; i <= 1000; ++i) {
    Key32 next = dh_or_fail(k, u);
    u = k;
    k = next;
    if (i == 1) {
      BOOST_TEST(
          bytes(k) == hex("422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079"),
          boost::test_tools::per_element());
    }
  }
  BOOST_TEST(bytes(k) == hex("684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51"),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(derives_rfc7748_section_6_1_public_keys_and_shared_secret) {
  auto alice = hex_array<32>("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  auto bob = hex_array<32>("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
  Key32 alice_pub = weft::crypto::x25519_public(alice);
  Key32 bob_pub = weft::crypto::x25519_public(bob);
  BOOST_TEST(
      bytes(alice_pub) == hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"),
      boost::test_tools::per_element());
  BOOST_TEST(
      bytes(bob_pub) == hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"),
      boost::test_tools::per_element());
  auto shared = hex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
  BOOST_TEST(bytes(dh_or_fail(alice, bob_pub)) == shared, boost::test_tools::per_element());
  BOOST_TEST(bytes(dh_or_fail(bob, alice_pub)) == shared, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(clamps_random_bytes_into_a_private_key) {
  Key32 r;
  r.fill(0xff);
  Key32 k = weft::crypto::x25519_private_from_random(r);
  BOOST_TEST(k[0] == 0xf8);
  BOOST_TEST(k[31] == 0x7f);
  for (int i = 1; i < 31; ++i) BOOST_TEST(k[i] == 0xff);
  r.fill(0x00);
  k = weft::crypto::x25519_private_from_random(r);
  BOOST_TEST(k[31] == 0x40);
  BOOST_TEST(k[0] == 0x00);
}

BOOST_AUTO_TEST_CASE(rejects_low_order_points_with_all_zero_result) {
  // Points of order 1, 2, 4 and 8 on Curve25519 (and their non-canonical encodings) all give
  // the all-zero shared secret, which WireGuard must refuse.
  const char* low_order[] = {
      "0000000000000000000000000000000000000000000000000000000000000000",
      "0100000000000000000000000000000000000000000000000000000000000000",
      "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
      "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  };
  auto priv = hex_array<32>("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  for (const char* p : low_order) {
    Key32 out;
    out.fill(0xaa);
    BOOST_TEST(!weft::crypto::x25519(priv, hex_array<32>(p), out), p);
    Key32 zero{};
    BOOST_TEST(out == zero);
  }
}

BOOST_AUTO_TEST_SUITE_END()
