// Known-answer tests for BLAKE2s-256 and keyed BLAKE2s: RFC 7693 Appendix B, the BLAKE2
// reference keyed vectors (testvectors/blake2s-test.txt) and WireGuard's construction hashes.
#define BOOST_TEST_MODULE blake2s
#include <boost/test/unit_test.hpp>
#include <cstring>
#include <string>
#include <vector>

#include "crypto/crypto.h"
#include "crypto/hex.h"

using weft::crypto::test::bytes;
using weft::crypto::test::hex;

namespace {

std::vector<uint8_t> counting(std::size_t n) {
  std::vector<uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(i);
  return v;
}

const uint8_t* u8(const char* s) { return reinterpret_cast<const uint8_t*>(s); }

}  // namespace

BOOST_AUTO_TEST_SUITE(blake2s)

BOOST_AUTO_TEST_CASE(hashes_abc_as_rfc7693_appendix_b) {
  auto h = weft::crypto::blake2s256(u8("abc"), 3);
  BOOST_TEST(bytes(h) == hex("508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982"),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(two_buffer_form_hashes_the_concatenation) {
  BOOST_TEST(bytes(weft::crypto::blake2s256(u8("a"), 1, u8("bc"), 2)) ==
                 bytes(weft::crypto::blake2s256(u8("abc"), 3)),
             boost::test_tools::per_element());
  BOOST_TEST(bytes(weft::crypto::blake2s256(u8("abc"), 3, nullptr, 0)) ==
                 bytes(weft::crypto::blake2s256(u8("abc"), 3)),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(reproduces_wireguard_construction_and_identifier_hashes) {
  // Ci = HASH(Construction), Hi = HASH(Ci || Identifier): the constants stock WireGuard
  // implementations (e.g. boringtun's INITIAL_CHAIN_KEY / INITIAL_CHAIN_HASH) hard-code.
  const char* construction = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s";
  const char* identifier = "WireGuard v1 zx2c4 Jason@zx2c4.com";
  auto ck = weft::crypto::blake2s256(u8(construction), std::strlen(construction));
  BOOST_TEST(bytes(ck) == hex("60e26daef327efc02ec335e2a025d2d016eb4206f87277f52d38d1988b78cd36"),
             boost::test_tools::per_element());
  auto h = weft::crypto::blake2s256(ck.data(), ck.size(), u8(identifier), std::strlen(identifier));
  BOOST_TEST(bytes(h) == hex("2211b361081ac566691243db458ad5322d9c6c662293e8b70ee19c65ba079ef3"),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(keyed_hash_matches_blake2_reference_vectors) {
  // Key 00..1f, input 00..(n-1), 32-byte output; n = 0, 1, 3, 64 (one full block), 65.
  const std::pair<std::size_t, const char*> vectors[] = {
      {0, "48a8997da407876b3d79c0d92325ad3b89cbb754d86ab71aee047ad345fd2c49"},
      {1, "40d15fee7c328830166ac3f918650f807e7e01e177258cdc0a39b11f598066f1"},
      {3, "1d220dbe2ee134661fdf6d9e74b41704710556f2f6e5a091b227697445dbea6b"},
      {64, "8975b0577fd35566d750b362b0897a26c399136df07bababbde6203ff2954ed4"},
      {65, "21fe0ceb0052be7fb0f004187cacd7de67fa6eb0938d927677f2398c132317a8"},
  };
  auto key = counting(32);
  for (const auto& [n, expected] : vectors) {
    auto in = counting(n);
    std::vector<uint8_t> out(32);
    BOOST_REQUIRE(weft::crypto::blake2s_keyed(key.data(), key.size(), in.data(), in.size(),
                                              out.data(), out.size()));
    BOOST_TEST(out == hex(expected), boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_CASE(mac16_uses_16_byte_output_parameter_not_truncation) {
  // 16-byte outputs from CPython's hashlib.blake2s(data, key=00..1f, digest_size=16), an
  // independent implementation of RFC 7693; they differ from the first half of the 32-byte MAC.
  weft::crypto::Key32 key;
  for (int i = 0; i < 32; ++i) key[i] = static_cast<uint8_t>(i);
  auto in3 = counting(3);
  auto in64 = counting(64);
  BOOST_TEST(bytes(weft::crypto::blake2s_mac16(key, in3.data(), in3.size())) ==
                 hex("1e2a79436a7796a3e9826bfedf07659f"),
             boost::test_tools::per_element());
  BOOST_TEST(bytes(weft::crypto::blake2s_mac16(key, in64.data(), in64.size())) ==
                 hex("f1efa90d2547036841ecd3627fafbc36"),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(keyed_hash_rejects_out_of_range_key_and_output_lengths) {
  auto key = counting(33);
  uint8_t out[33];
  std::memset(out, 0xaa, sizeof out);
  BOOST_TEST(!weft::crypto::blake2s_keyed(key.data(), 0, nullptr, 0, out, 32));
  BOOST_TEST(!weft::crypto::blake2s_keyed(key.data(), 33, nullptr, 0, out, 32));
  BOOST_TEST(!weft::crypto::blake2s_keyed(key.data(), 32, nullptr, 0, out, 0));
  BOOST_TEST(!weft::crypto::blake2s_keyed(key.data(), 32, nullptr, 0, out, 33));
  BOOST_TEST(out[0] == 0xaa);
}

BOOST_AUTO_TEST_CASE(keyed_hash_with_16_byte_key_matches_reference_as_mac2_needs) {
  // WireGuard's mac2 is keyed with the 16-byte cookie; the key length is a parameter-block field.
  // Expected values from CPython's hashlib.blake2s(00..(n-1), key=00..0f, digest_size=16).
  const std::pair<std::size_t, const char*> vectors[] = {
      {0, "af4e5d3bb230e9ff9096ca6f7c501f76"},
      {3, "a63420ca605c6a6d122381a74bde7c9c"},
      {64, "dd55c51c98f8ab96ed272882941f0b6a"},
      {65, "9018c671bb7e94a6d540a91765bbecad"},
  };
  auto key = counting(16);
  for (const auto& [n, expected] : vectors) {
    auto in = counting(n);
    std::vector<uint8_t> out(16);
    BOOST_REQUIRE(weft::crypto::blake2s_keyed(key.data(), key.size(), in.data(), in.size(),
                                              out.data(), out.size()));
    BOOST_TEST(out == hex(expected), boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_CASE(short_key_differs_from_the_same_key_zero_padded_to_32_bytes) {
  weft::crypto::Key32 key32{};
  key32[0] = 1, key32[1] = 2, key32[2] = 3;
  const uint8_t msg[] = {9, 9, 9};
  std::vector<uint8_t> short_mac(16);
  BOOST_REQUIRE(weft::crypto::blake2s_keyed(key32.data(), 16, msg, 3, short_mac.data(), 16));
  auto padded = weft::crypto::blake2s_mac16(key32, msg, 3);
  BOOST_TEST(short_mac != bytes(padded), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
