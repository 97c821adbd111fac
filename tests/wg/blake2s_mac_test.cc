// Local keyed BLAKE2s helper: RFC 7693 vectors and agreement with the crypto facade.
#define BOOST_TEST_MODULE wg_blake2s_mac
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "crypto/crypto.h"
#include "wg/blake2s_mac.h"

using namespace weft::wg;

namespace {
std::string hex(const uint8_t* p, std::size_t n) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += {d[p[i] >> 4], d[p[i] & 15]};
  return s;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(blake2s_mac)

BOOST_AUTO_TEST_CASE(matches_rfc7693_abc_vector) {
  const uint8_t abc[] = {'a', 'b', 'c'};
  uint8_t out[32];
  blake2s_keyed(nullptr, 0, abc, 3, out, 32);
  BOOST_TEST(hex(out, 32) == "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982");
}

BOOST_AUTO_TEST_CASE(matches_reference_keyed_vector_for_empty_input) {
  uint8_t key[32];
  for (int i = 0; i < 32; ++i) key[i] = static_cast<uint8_t>(i);
  uint8_t out[32];
  blake2s_keyed(key, 32, nullptr, 0, out, 32);
  BOOST_TEST(hex(out, 32) == "48a8997da407876b3d79c0d92325ad3b89cbb754d86ab71aee047ad345fd2c49");
}

BOOST_AUTO_TEST_CASE(agrees_with_the_facade_for_every_length_up_to_three_blocks) {
  weft::crypto::Key32 key;
  for (int i = 0; i < 32; ++i) key[i] = static_cast<uint8_t>(0xa0 + i);
  std::vector<uint8_t> data(200);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 31);
  for (std::size_t n = 0; n <= data.size(); ++n) {
    auto mac = weft::crypto::blake2s_mac16(key, data.data(), n);
    uint8_t mine[16];
    blake2s_keyed(key.data(), key.size(), data.data(), n, mine, 16);
    BOOST_TEST(hex(mine, 16) == hex(mac.data(), 16));
    auto h = weft::crypto::blake2s256(data.data(), n);
    uint8_t plain[32];
    blake2s_keyed(nullptr, 0, data.data(), n, plain, 32);
    BOOST_TEST(hex(plain, 32) == hex(h.data(), 32));
  }
}

BOOST_AUTO_TEST_CASE(short_key_differs_from_zero_padded_long_key) {
  uint8_t key16[16] = {1, 2, 3};
  weft::crypto::Key32 key32{};
  key32[0] = 1, key32[1] = 2, key32[2] = 3;
  const uint8_t msg[] = {9, 9, 9};
  uint8_t a[16];
  blake2s_keyed(key16, 16, msg, 3, a, 16);
  auto b = weft::crypto::blake2s_mac16(key32, msg, 3);
  BOOST_TEST(hex(a, 16) != hex(b.data(), 16));
}

BOOST_AUTO_TEST_SUITE_END()
