// Tests for lib/offload/checksum.h against RFC 1071's worked example and a slow reference sum.
#define BOOST_TEST_MODULE offload_checksum
#include <boost/test/unit_test.hpp>

#include "offload/checksum.h"
#include "offload/packets.h"

using namespace weft::offload;
using namespace weft::offload::testing;

BOOST_AUTO_TEST_SUITE(checksum)

BOOST_AUTO_TEST_CASE(matches_the_rfc_1071_example) {
  // RFC 1071 section 3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2 (folded).
  const uint8_t b[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  BOOST_TEST(checksum_add(0, b, sizeof(b)) == 0xddf2);
  BOOST_TEST(checksum_finish(0xddf2) == 0x220d);
}

BOOST_AUTO_TEST_CASE(agrees_with_the_reference_at_every_length_and_alignment) {
  const Bytes data = pattern(300, 11);
  for (std::size_t offset = 0; offset < 8; ++offset) {
    for (std::size_t n = 0; n + offset <= data.size(); n += 7) {
      BOOST_TEST_CONTEXT("offset " << offset << " length " << n) {
        BOOST_TEST(checksum_add(0x1234, data.data() + offset, n) ==
                   reference_sum(data.data() + offset, n, 0x1234));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(sums_of_even_pieces_chain) {
  const Bytes data = pattern(1001, 3);
  const uint16_t whole = checksum_add(0, data.data(), data.size());
  uint16_t chained = checksum_add(0, data.data(), 500);
  chained = checksum_add(chained, data.data() + 500, 501);
  BOOST_TEST(chained == whole);
  BOOST_TEST(checksum_combine(checksum_add(0, data.data(), 500), checksum_add(0, data.data() + 500, 501)) ==
             whole);
}

BOOST_AUTO_TEST_CASE(pseudo_header_sums_cover_addresses_protocol_and_length) {
  TcpSpec spec;
  for (bool v6 : {false, true}) {
    spec.v6 = v6;
    const Bytes p = tcp_packet(spec, pattern(100));
    const uint8_t* src = p.data() + (v6 ? 8 : 12);
    const std::size_t n = v6 ? 16 : 4;
    BOOST_TEST(pseudo_header_sum(src, src + n, n, 6, 120) == reference_pseudo_sum(p, 120));
    // IPv6 upper-layer lengths are 32 bits (RFC 8200 section 8.1).
    BOOST_TEST(pseudo_header_sum(src, src + n, n, 6, 0x10010) == reference_pseudo_sum(p, 0x10010));
  }
}

BOOST_AUTO_TEST_SUITE_END()
