// secure_zero and constant_time_equal: the secret-hygiene helpers of the crypto facade.
#define BOOST_TEST_MODULE memory
#include <array>
#include <boost/test/unit_test.hpp>
#include <cstdint>

#include "crypto/crypto.h"

BOOST_AUTO_TEST_SUITE(memory)

BOOST_AUTO_TEST_CASE(secure_zero_clears_exactly_the_given_range) {
  std::array<uint8_t, 8> buf;
  buf.fill(0xab);
  weft::crypto::secure_zero(buf.data() + 2, 4);
  std::array<uint8_t, 8> expected = {0xab, 0xab, 0, 0, 0, 0, 0xab, 0xab};
  BOOST_TEST(buf == expected);
  weft::crypto::secure_zero(buf.data(), 0);
  BOOST_TEST(buf == expected);
}

BOOST_AUTO_TEST_CASE(constant_time_equal_compares_every_byte) {
  std::array<uint8_t, 32> a;
  for (int i = 0; i < 32; ++i) a[i] = static_cast<uint8_t>(i);
  std::array<uint8_t, 32> b = a;
  BOOST_TEST(weft::crypto::constant_time_equal(a.data(), b.data(), a.size()));
  for (std::size_t i : {std::size_t{0}, std::size_t{17}, std::size_t{31}}) {
    b = a;
    b[i] ^= 0x01;
    BOOST_TEST(!weft::crypto::constant_time_equal(a.data(), b.data(), a.size()), "byte " << i);
  }
  BOOST_TEST(weft::crypto::constant_time_equal(a.data(), b.data(), 0));
}

BOOST_AUTO_TEST_SUITE_END()
