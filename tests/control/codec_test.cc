// The control protocol's byte writer and reader (lib/control/codec.h): big-endian layout, exact
// bounds, limits refused before allocation, and the first failure kept with its offset.
#define BOOST_TEST_MODULE control_codec
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "control/codec.h"

using namespace weft::control;
using weft::core::ByteView;
using Bytes = std::vector<uint8_t>;

namespace {

ByteView view(const Bytes& b) { return ByteView{b.data(), b.size()}; }

}  // namespace

BOOST_AUTO_TEST_SUITE(codec)

BOOST_AUTO_TEST_CASE(writes_integers_big_endian) {
  Bytes out;
  Writer w(out);
  w.u8(0x01);
  w.u16(0x0203);
  w.u32(0x04050607);
  w.u64(0x08090a0b0c0d0e0full);
  w.i64(-2);
  w.boolean(true);
  const Bytes expected = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
                          0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0xff, 0xff, 0xff, 0xff, 0xff,
                          0xff, 0xff, 0xfe, 0x01};
  BOOST_TEST(out == expected);
}

BOOST_AUTO_TEST_CASE(writes_strings_and_counts_with_their_prefixes) {
  Bytes out;
  Writer w(out);
  w.string("abc");
  w.count(258);
  const Bytes expected = {0x00, 0x03, 'a', 'b', 'c', 0x00, 0x00, 0x01, 0x02};
  BOOST_TEST(out == expected);
}

BOOST_AUTO_TEST_CASE(reads_back_what_it_wrote) {
  Bytes out;
  Writer w(out);
  w.u8(200);
  w.u16(65535);
  w.u32(0xdeadbeef);
  w.u64(std::numeric_limits<uint64_t>::max());
  w.i64(std::numeric_limits<int64_t>::min());
  w.boolean(false);
  const uint8_t key[3] = {7, 8, 9};
  w.fixed(key, sizeof key);
  w.string("");
  w.string("weft");
  w.count(2);
  w.u8(1);
  w.u8(2);

  Reader r(view(out));
  uint8_t a = 0;
  uint16_t b = 0;
  uint32_t c = 0;
  uint64_t d = 0;
  int64_t e = 0;
  bool f = true;
  uint8_t g[3] = {};
  std::string h = "x", i;
  std::size_t n = 0;
  BOOST_TEST(r.u8(a, "a"));
  BOOST_TEST(r.u16(b, "b"));
  BOOST_TEST(r.u32(c, "c"));
  BOOST_TEST(r.u64(d, "d"));
  BOOST_TEST(r.i64(e, "e"));
  BOOST_TEST(r.boolean(f, "f"));
  BOOST_TEST(r.fixed(g, sizeof g, "g"));
  BOOST_TEST(r.string(h, 0, "h"));
  BOOST_TEST(r.string(i, 4, "i"));
  BOOST_TEST(r.count(n, 2, 1, "n"));
  BOOST_TEST(r.remaining() == 2u);
  BOOST_TEST(r.u8(a, "x"));
  BOOST_TEST(r.u8(a, "y"));
  BOOST_TEST(r.finish());
  BOOST_TEST(r.ok());
  BOOST_TEST(b == 65535);
  BOOST_TEST(c == 0xdeadbeefu);
  BOOST_TEST(d == std::numeric_limits<uint64_t>::max());
  BOOST_TEST(e == std::numeric_limits<int64_t>::min());
  BOOST_TEST(!f);
  BOOST_TEST(g[2] == 9);
  BOOST_TEST(h.empty());
  BOOST_TEST(i == "weft");
  BOOST_TEST(n == 2u);
  BOOST_TEST(a == 2);
}

BOOST_AUTO_TEST_CASE(refuses_reading_past_the_end_and_names_the_offset) {
  const Bytes in = {0x00, 0x01, 0x02};
  Reader r(view(in));
  uint8_t a = 0;
  uint32_t b = 7;
  BOOST_TEST(r.u8(a, "first"));
  BOOST_TEST(!r.u32(b, "second"));
  BOOST_TEST(b == 0u);
  BOOST_TEST(!r.ok());
  BOOST_TEST((r.error().failure == ReadFailure::kTruncated));
  BOOST_TEST(std::string(r.error().field) == "second");
  BOOST_TEST(r.error().offset == 1u);
  BOOST_TEST(r.offset() == 1u);  // nothing consumed by the failed read
}

BOOST_AUTO_TEST_CASE(keeps_the_first_failure_and_fails_every_later_read) {
  const Bytes in = {0x05, 0x00, 0x01, 'x', 0x00, 0x00, 0x00, 0x01, 0x09};
  Reader r(view(in));
  bool flag = true;
  BOOST_TEST(!r.boolean(flag, "flag"));
  BOOST_TEST(!flag);
  std::string s = "old";
  std::size_t n = 9;
  uint8_t byte = 9;
  BOOST_TEST(!r.string(s, 10, "s"));
  BOOST_TEST(!r.count(n, 10, 1, "n"));
  BOOST_TEST(!r.u8(byte, "byte"));
  BOOST_TEST(!r.finish());
  BOOST_TEST(s.empty());
  BOOST_TEST(n == 0u);
  BOOST_TEST(byte == 0);
  BOOST_TEST((r.error().failure == ReadFailure::kBadValue));
  BOOST_TEST(std::string(r.error().field) == "flag");
  BOOST_TEST(r.error().offset == 0u);
}

BOOST_AUTO_TEST_CASE(refuses_a_string_longer_than_its_maximum) {
  Bytes in;
  Writer(in).string("abcdef");
  Reader r(view(in));
  std::string s;
  BOOST_TEST(!r.string(s, 5, "name"));
  BOOST_TEST((r.error().failure == ReadFailure::kTooLong));
  BOOST_TEST(r.error().offset == 0u);
  Reader exact(view(in));
  BOOST_TEST(exact.string(s, 6, "name"));
  BOOST_TEST(s == "abcdef");
}

BOOST_AUTO_TEST_CASE(refuses_a_string_longer_than_the_input) {
  const Bytes in = {0x00, 0x01, 0xff, 0xff};  // a second byte, then a length of 65535
  Reader r(view(in));
  uint8_t skip = 0;
  std::string s;
  BOOST_TEST(r.u8(skip, "skip"));
  BOOST_TEST(r.u8(skip, "skip"));
  BOOST_TEST(!r.string(s, 65535, "text"));
  BOOST_TEST((r.error().failure == ReadFailure::kTruncated));
  BOOST_TEST(r.error().offset == 2u);
  BOOST_TEST(s.capacity() < 100u);
}

BOOST_AUTO_TEST_CASE(refuses_a_count_above_its_maximum) {
  Bytes in;
  Writer w(in);
  w.count(3);
  in.resize(in.size() + 100);
  std::size_t n = 0;
  Reader r(view(in));
  BOOST_TEST(!r.count(n, 2, 1, "items"));
  BOOST_TEST((r.error().failure == ReadFailure::kTooMany));
  Reader at_max(view(in));
  BOOST_TEST(at_max.count(n, 3, 1, "items"));
  BOOST_TEST(n == 3u);
}

BOOST_AUTO_TEST_CASE(refuses_a_count_the_remaining_bytes_cannot_hold) {
  Bytes in;
  Writer w(in);
  w.count(4);
  in.resize(in.size() + 4 * 10 - 1);  // room for 3.9 elements of 10 bytes
  std::size_t n = 0;
  Reader r(view(in));
  BOOST_TEST(!r.count(n, 1000, 10, "items"));
  BOOST_TEST((r.error().failure == ReadFailure::kTooMany));
  BOOST_TEST(n == 0u);
  in.push_back(0);
  Reader fits(view(in));
  BOOST_TEST(fits.count(n, 1000, 10, "items"));
  BOOST_TEST(n == 4u);
}

BOOST_AUTO_TEST_CASE(refuses_a_huge_count_without_allocating) {
  const Bytes in = {0xff, 0xff, 0xff, 0xff, 0x00};
  std::size_t n = 0;
  Reader r(view(in));
  BOOST_TEST(!r.count(n, std::numeric_limits<uint32_t>::max(), 1, "items"));
  BOOST_TEST((r.error().failure == ReadFailure::kTooMany));
}

BOOST_AUTO_TEST_CASE(finish_refuses_trailing_bytes) {
  const Bytes in = {0x01, 0x02};
  Reader r(view(in));
  uint8_t a = 0;
  BOOST_TEST(r.u8(a, "a"));
  BOOST_TEST(!r.finish());
  BOOST_TEST((r.error().failure == ReadFailure::kTrailingBytes));
  BOOST_TEST(r.error().offset == 1u);
}

BOOST_AUTO_TEST_CASE(reads_nothing_from_an_empty_input) {
  Reader r(ByteView{});
  uint8_t a = 1;
  BOOST_TEST(!r.u8(a, "type"));
  BOOST_TEST(a == 0);
  Reader empty(ByteView{});
  BOOST_TEST(empty.finish());
}

BOOST_AUTO_TEST_CASE(malformed_error_names_the_field_failure_and_offset) {
  const weft::Error e = malformed(ReadError{ReadFailure::kTooLong, "peer.name", 45});
  BOOST_TEST(e.code == "control.malformed");
  BOOST_TEST(e.detail == "peer.name: too long at byte 45");
}

BOOST_AUTO_TEST_SUITE_END()
