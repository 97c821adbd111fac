#define BOOST_TEST_MODULE dataplane_demux
#include <boost/test/unit_test.hpp>

#include <vector>

#include "dataplane/demux.h"
#include "disco/message.h"
#include "wg/constants.h"

using namespace weft;
using dataplane::classify;
using dataplane::DatagramClass;

namespace {

DatagramClass of(const std::vector<uint8_t>& d) { return classify(core::ByteView{d.data(), d.size()}); }

std::vector<uint8_t> wg_message(uint8_t type, std::size_t size) {
  std::vector<uint8_t> d(size, 0x5a);
  d[0] = type;
  d[1] = d[2] = d[3] = 0;
  return d;
}

// RFC 5389 binding request: type 0x0001, length, magic cookie, 96-bit transaction id.
std::vector<uint8_t> stun(uint16_t type, std::size_t attr_bytes) {
  std::vector<uint8_t> d(20 + attr_bytes, 0x11);
  d[0] = static_cast<uint8_t>(type >> 8);
  d[1] = static_cast<uint8_t>(type);
  d[2] = static_cast<uint8_t>(attr_bytes >> 8);
  d[3] = static_cast<uint8_t>(attr_bytes);
  d[4] = 0x21;
  d[5] = 0x12;
  d[6] = 0xa4;
  d[7] = 0x42;
  return d;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(demux)

BOOST_AUTO_TEST_CASE(every_wireguard_message_goes_to_the_wireguard_core) {
  BOOST_TEST((of(wg_message(wg::kMessageHandshakeInitiation, wg::kHandshakeInitiationSize)) ==
              DatagramClass::kWireGuard));
  BOOST_TEST((of(wg_message(wg::kMessageHandshakeResponse, wg::kHandshakeResponseSize)) ==
              DatagramClass::kWireGuard));
  BOOST_TEST((of(wg_message(wg::kMessageCookieReply, wg::kCookieReplySize)) ==
              DatagramClass::kWireGuard));
  BOOST_TEST((of(wg_message(wg::kMessageTransportData, wg::kTransportMinSize)) ==
              DatagramClass::kWireGuard));
  BOOST_TEST((of(wg_message(wg::kMessageTransportData, 1452)) == DatagramClass::kWireGuard));
}

BOOST_AUTO_TEST_CASE(stun_is_recognised_by_cookie_and_length) {
  BOOST_TEST((of(stun(0x0001, 0)) == DatagramClass::kStun));   // binding request
  BOOST_TEST((of(stun(0x0101, 12)) == DatagramClass::kStun));  // success response
  auto bad_length = stun(0x0001, 8);
  bad_length[3] = 12;
  BOOST_TEST((of(bad_length) == DatagramClass::kUnknown));
  auto bad_cookie = stun(0x0001, 0);
  bad_cookie[7] = 0x43;
  BOOST_TEST((of(bad_cookie) == DatagramClass::kUnknown));
}

BOOST_AUTO_TEST_CASE(a_wireguard_index_equal_to_the_stun_cookie_is_still_wireguard) {
  // Bytes 4..7 are the sender or receiver index: random, so sometimes the cookie. The zero
  // bytes 2..3 are a STUN length of 0, which no WireGuard message size matches.
  for (uint8_t type = 1; type <= 4; ++type) {
    auto d = wg_message(type, type == 1 ? wg::kHandshakeInitiationSize : wg::kTransportMinSize);
    d[4] = 0x21;
    d[5] = 0x12;
    d[6] = 0xa4;
    d[7] = 0x42;
    BOOST_TEST((of(d) == DatagramClass::kWireGuard));
  }
}

BOOST_AUTO_TEST_CASE(discovery_magic_is_never_a_wireguard_type_or_stun) {
  std::vector<uint8_t> d(disco::kMagic.begin(), disco::kMagic.end());
  d.resize(64, 0);
  BOOST_TEST((of(d) == DatagramClass::kDisco));
  BOOST_TEST((disco::kMagic[0] < 1 || disco::kMagic[0] > 4));
  BOOST_TEST((disco::kMagic[0] & 0xc0) != 0);
}

BOOST_AUTO_TEST_CASE(junk_and_short_datagrams_are_unknown) {
  BOOST_TEST((of({}) == DatagramClass::kUnknown));
  BOOST_TEST((of({1, 0, 0}) == DatagramClass::kUnknown));
  BOOST_TEST((of(std::vector<uint8_t>(7, 0xee)) == DatagramClass::kUnknown));
  BOOST_TEST((of(wg_message(5, 64)) == DatagramClass::kUnknown));
  auto nonzero = wg_message(1, wg::kHandshakeInitiationSize);
  nonzero[2] = 1;
  BOOST_TEST((of(nonzero) == DatagramClass::kUnknown));
  BOOST_TEST(std::string(dataplane::datagram_class_name(DatagramClass::kStun)) == "stun");
}

BOOST_AUTO_TEST_SUITE_END()
