// Tests for weft::util UTF-8 validation (RFC 3629 §4), decoding and encoding.
#define BOOST_TEST_MODULE utf8
#include <boost/test/unit_test.hpp>

#include <string>

#include "util/utf8.h"

using weft::util::append_utf8;
using weft::util::decode_utf8;
using weft::util::find_invalid_utf8;

namespace {
constexpr auto kNpos = std::string_view::npos;
}

BOOST_AUTO_TEST_SUITE(utf8)

BOOST_AUTO_TEST_CASE(accepts_well_formed_text) {
  BOOST_TEST(find_invalid_utf8("") == kNpos);
  BOOST_TEST(find_invalid_utf8("plain ascii text that is longer than eight bytes") == kNpos);
  BOOST_TEST(find_invalid_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80") == kNpos);
  BOOST_TEST(find_invalid_utf8("\xEF\xBF\xBF\xF4\x8F\xBF\xBF\xED\x9F\xBF\xEE\x80\x80") == kNpos);
}

BOOST_AUTO_TEST_CASE(reports_offset_of_first_bad_sequence) {
  BOOST_TEST(find_invalid_utf8("ab\x80") == 2u);                // stray continuation
  BOOST_TEST(find_invalid_utf8("abcdefghij\xC0\x80") == 10u);   // overlong NUL
  BOOST_TEST(find_invalid_utf8("\xC1\xBF") == 0u);              // overlong
  BOOST_TEST(find_invalid_utf8("\xE0\x9F\xBF") == 0u);          // overlong 3-byte
  BOOST_TEST(find_invalid_utf8("\xF0\x8F\xBF\xBF") == 0u);      // overlong 4-byte
  BOOST_TEST(find_invalid_utf8("x\xED\xA0\x80") == 1u);         // surrogate U+D800
  BOOST_TEST(find_invalid_utf8("x\xED\xBF\xBF") == 1u);         // surrogate U+DFFF
  BOOST_TEST(find_invalid_utf8("\xF4\x90\x80\x80") == 0u);      // U+110000
  BOOST_TEST(find_invalid_utf8("\xF5\x80\x80\x80") == 0u);
  BOOST_TEST(find_invalid_utf8("\xFF") == 0u);
  BOOST_TEST(find_invalid_utf8("ok\xC3") == 2u);                // truncated at end
  BOOST_TEST(find_invalid_utf8("ok\xE2\x82") == 2u);
  BOOST_TEST(find_invalid_utf8("ok\xE2\x82x") == 2u);           // truncated mid-text
}

BOOST_AUTO_TEST_CASE(decodes_code_points_and_lengths) {
  std::size_t len = 0;
  BOOST_TEST(static_cast<uint32_t>(decode_utf8("A", 0, &len)) == 0x41u);
  BOOST_TEST(len == 1u);
  BOOST_TEST(static_cast<uint32_t>(decode_utf8("\xC3\xA9", 0, &len)) == 0xE9u);
  BOOST_TEST(len == 2u);
  BOOST_TEST(static_cast<uint32_t>(decode_utf8("x\xE2\x82\xAC", 1, &len)) == 0x20ACu);
  BOOST_TEST(len == 3u);
  BOOST_TEST(static_cast<uint32_t>(decode_utf8("\xF0\x9F\x98\x80", 0, &len)) == 0x1F600u);
  BOOST_TEST(len == 4u);
  BOOST_TEST(static_cast<uint32_t>(decode_utf8("\xC3", 0, &len)) == 0xFFFDu);
  BOOST_TEST(len == 1u);
  BOOST_TEST(static_cast<uint32_t>(decode_utf8("a", 5, &len)) == 0xFFFDu);
  BOOST_TEST(len == 0u);
}

BOOST_AUTO_TEST_CASE(encodes_scalar_values_and_replaces_others) {
  std::string out;
  append_utf8(out, U'A');
  append_utf8(out, 0xE9);
  append_utf8(out, 0x20AC);
  append_utf8(out, 0x1F600);
  BOOST_TEST(out == "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
  std::string bad;
  append_utf8(bad, 0xD800);
  append_utf8(bad, 0x110000);
  BOOST_TEST(bad == "\xEF\xBF\xBD\xEF\xBF\xBD");
}

BOOST_AUTO_TEST_SUITE_END()
