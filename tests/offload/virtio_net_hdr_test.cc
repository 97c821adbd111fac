// Tests for lib/offload/virtio_net_hdr.h: the 10-byte little-endian layout of struct
// virtio_net_hdr.
#define BOOST_TEST_MODULE offload_virtio_net_hdr
#include <boost/test/unit_test.hpp>

#include <array>

#include "offload/virtio_net_hdr.h"

using namespace weft;
using namespace weft::offload;

BOOST_AUTO_TEST_SUITE(virtio_net_hdr)

// <linux/virtio_net.h> is not valid C++ (a member named `class`), so the values of the virtio
// specification, section 5.1.6, are written out here.
BOOST_AUTO_TEST_CASE(uses_the_virtio_specification_values) {
  BOOST_TEST(kVirtioNetHdrSize == 10u);
  BOOST_TEST(kVirtioNetHdrFNeedsCsum == 1);
  BOOST_TEST(kVirtioNetHdrFDataValid == 2);
  BOOST_TEST(kVirtioNetHdrGsoNone == 0);
  BOOST_TEST(kVirtioNetHdrGsoTcpV4 == 1);
  BOOST_TEST(kVirtioNetHdrGsoUdp == 3);
  BOOST_TEST(kVirtioNetHdrGsoTcpV6 == 4);
  BOOST_TEST(kVirtioNetHdrGsoUdpL4 == 5);
  BOOST_TEST(kVirtioNetHdrGsoEcn == 0x80);
}

BOOST_AUTO_TEST_CASE(encodes_fields_little_endian_in_kernel_order) {
  VirtioNetHdr h;
  h.flags = 1;
  h.gso_type = 4;
  h.hdr_len = 0x0134;
  h.gso_size = 0x0558;
  h.csum_start = 0x0028;
  h.csum_offset = 0x0010;
  std::array<uint8_t, kVirtioNetHdrSize> b{};
  encode_virtio_net_hdr(h, b.data());
  const std::array<uint8_t, kVirtioNetHdrSize> want{1, 4, 0x34, 0x01, 0x58, 0x05, 0x28, 0, 0x10, 0};
  BOOST_TEST(b == want);
  const auto back = parse_virtio_net_hdr(core::ByteView{b.data(), b.size()});
  BOOST_REQUIRE(back.has_value());
  BOOST_TEST(back->flags == 1);
  BOOST_TEST(back->gso_type == 4);
  BOOST_TEST(back->hdr_len == 0x0134);
  BOOST_TEST(back->gso_size == 0x0558);
  BOOST_TEST(back->csum_start == 0x0028);
  BOOST_TEST(back->csum_offset == 0x0010);
}

BOOST_AUTO_TEST_CASE(refuses_fewer_than_ten_bytes) {
  const std::array<uint8_t, 9> b{};
  BOOST_TEST(!parse_virtio_net_hdr(core::ByteView{b.data(), b.size()}).has_value());
  BOOST_TEST(!parse_virtio_net_hdr(core::ByteView{}).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
