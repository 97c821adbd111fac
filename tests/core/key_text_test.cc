#define BOOST_TEST_MODULE core_key_text
#include <boost/test/unit_test.hpp>

#include "core/key_text.h"

using namespace weft;

BOOST_AUTO_TEST_SUITE(key_text)

// A key pair produced by `wg genkey | wg pubkey`; the hex is `base64 -d | xxd -p`.
BOOST_AUTO_TEST_CASE(base64_and_hex_agree_with_wg_tools) {
  auto k = core::key_from_base64("QWsoKFrUE6eXGKyIQfWRfSwe8+DdljwMyHgFxRgc7ws=");
  BOOST_REQUIRE(k.has_value());
  BOOST_TEST(core::key_to_hex(*k) == "416b28285ad413a79718ac8841f5917d2c1ef3e0dd963c0cc87805c5181cef0b");
  BOOST_TEST(core::key_to_base64(*k) == "QWsoKFrUE6eXGKyIQfWRfSwe8+DdljwMyHgFxRgc7ws=");
  auto h = core::key_from_hex("416B28285AD413A79718AC8841F5917D2C1EF3E0DD963C0CC87805C5181CEF0B");
  BOOST_REQUIRE(h.has_value());
  BOOST_TEST((*h == *k));
}

BOOST_AUTO_TEST_CASE(rejects_non_canonical_base64) {
  BOOST_TEST(!core::key_from_base64("QWsoKFrUE6eXGKyIQfWRfSwe8+DdljwMyHgFxRgc7ws").has_value());
  BOOST_TEST(!core::key_from_base64("QWsoKFrUE6eXGKyIQfWRfSwe8+DdljwMyHgFxRgc7ws==").has_value());
  // 'x' instead of 's' sets the two unused low bits.
  BOOST_TEST(!core::key_from_base64("QWsoKFrUE6eXGKyIQfWRfSwe8+DdljwMyHgFxRgc7wx=").has_value());
  BOOST_TEST(!core::key_from_base64("QWsoKFrUE6eXGKyIQfWRfSwe8+DdljwMyHgFxRgc7w*=").has_value());
  BOOST_TEST(!core::key_from_base64("").has_value());
}

BOOST_AUTO_TEST_CASE(rejects_bad_hex) {
  BOOST_TEST(!core::key_from_hex("416b").has_value());
  BOOST_TEST(!core::key_from_hex(std::string(63, '0') + "g").has_value());
  BOOST_TEST(core::key_from_hex(std::string(64, '0')).has_value());
}

BOOST_AUTO_TEST_CASE(zero_keys_are_detected) {
  core::NodePrivateKey zero;
  BOOST_TEST(zero.is_zero());
  core::KeyBytes b{};
  b[31] = 1;
  BOOST_TEST(!core::NodePrivateKey(b).is_zero());
  BOOST_TEST(!core::PresharedKey(b).is_zero());
}

BOOST_AUTO_TEST_SUITE_END()
