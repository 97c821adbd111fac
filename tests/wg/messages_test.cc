// Wire formats of whitepaper 5.4: exact sizes, field offsets, reserved bytes, round trips.
#define BOOST_TEST_MODULE wg_messages
#include <boost/test/unit_test.hpp>

#include <vector>

#include "wg/messages.h"

using namespace weft::wg;

BOOST_AUTO_TEST_SUITE(messages)

BOOST_AUTO_TEST_CASE(round_trips_handshake_initiation_with_fields_at_spec_offsets) {
  HandshakeInitiation m;
  m.sender_index = 0x04030201;
  m.unencrypted_ephemeral.fill(0xe1);
  m.encrypted_static.fill(0x5a);
  m.encrypted_timestamp.fill(0x7e);
  m.mac1.fill(0x11);
  m.mac2.fill(0x22);
  std::vector<uint8_t> b(kHandshakeInitiationSize);
  serialize(m, b.data());
  BOOST_TEST(b[0] == 1);
  BOOST_TEST((b[1] | b[2] | b[3]) == 0);
  BOOST_TEST(b[4] == 0x01);  // little-endian sender index
  BOOST_TEST(b[8] == 0xe1);
  BOOST_TEST(b[40] == 0x5a);
  BOOST_TEST(b[88] == 0x7e);
  BOOST_TEST(b[kInitiationMac1Offset] == 0x11);
  BOOST_TEST(b[kInitiationMac2Offset] == 0x22);
  auto p = parse_initiation(b.data(), b.size());
  BOOST_REQUIRE(p.ok());
  BOOST_TEST(p->sender_index == m.sender_index);
  BOOST_TEST(p->encrypted_timestamp == m.encrypted_timestamp);
  BOOST_TEST(p->mac2 == m.mac2);
}

BOOST_AUTO_TEST_CASE(round_trips_handshake_response) {
  HandshakeResponse m;
  m.sender_index = 7;
  m.receiver_index = 0xdeadbeef;
  m.unencrypted_ephemeral.fill(3);
  m.encrypted_nothing.fill(4);
  m.mac1.fill(5);
  m.mac2.fill(6);
  std::vector<uint8_t> b(kHandshakeResponseSize);
  serialize(m, b.data());
  BOOST_TEST(b[0] == 2);
  BOOST_TEST(b[kResponseMac1Offset] == 5);
  BOOST_TEST(b[kResponseMac2Offset] == 6);
  auto p = parse_response(b.data(), b.size());
  BOOST_REQUIRE(p.ok());
  BOOST_TEST(p->receiver_index == 0xdeadbeefu);
  BOOST_TEST(p->encrypted_nothing == m.encrypted_nothing);
}

BOOST_AUTO_TEST_CASE(round_trips_cookie_reply_and_transport_header) {
  CookieReply c;
  c.receiver_index = 9;
  c.nonce.fill(8);
  c.encrypted_cookie.fill(7);
  std::vector<uint8_t> b(kCookieReplySize);
  serialize(c, b.data());
  auto pc = parse_cookie_reply(b.data(), b.size());
  BOOST_REQUIRE(pc.ok());
  BOOST_TEST(pc->nonce == c.nonce);
  BOOST_TEST(pc->encrypted_cookie == c.encrypted_cookie);

  TransportHeader h;
  h.receiver_index = 0x01020304;
  h.counter = 0x1122334455667788ull;
  std::vector<uint8_t> t(kTransportMinSize, 0);
  serialize(h, t.data());
  BOOST_TEST(t[8] == 0x88);  // little-endian counter
  auto ph = parse_transport_header(t.data(), t.size());
  BOOST_REQUIRE(ph.ok());
  BOOST_TEST(ph->counter == h.counter);
  BOOST_TEST(ph->receiver_index == h.receiver_index);
}

BOOST_AUTO_TEST_CASE(rejects_every_wrong_size) {
  std::vector<uint8_t> b(300, 0);
  for (std::size_t n = 0; n < b.size(); ++n) {
    b[0] = 1;
    BOOST_TEST(parse_initiation(b.data(), n).ok() == (n == kHandshakeInitiationSize));
    b[0] = 2;
    BOOST_TEST(parse_response(b.data(), n).ok() == (n == kHandshakeResponseSize));
    b[0] = 3;
    BOOST_TEST(parse_cookie_reply(b.data(), n).ok() == (n == kCookieReplySize));
    b[0] = 4;
    BOOST_TEST(parse_transport_header(b.data(), n).ok() == (n >= kTransportMinSize));
  }
  auto r = parse_initiation(b.data(), 147);
  BOOST_TEST(r.error().code == "wg.malformed");
}

BOOST_AUTO_TEST_CASE(rejects_wrong_type_and_reserved_bytes) {
  std::vector<uint8_t> b(kHandshakeInitiationSize, 0);
  b[0] = 2;
  BOOST_TEST(!parse_initiation(b.data(), b.size()).ok());
  b[0] = 1;
  b[3] = 1;
  BOOST_TEST(!parse_initiation(b.data(), b.size()).ok());
  BOOST_TEST(message_type(b.data(), b.size()) == 0);
  b[3] = 0;
  BOOST_TEST(message_type(b.data(), b.size()) == 1);
  BOOST_TEST(message_type(b.data(), 3) == 0);
}

BOOST_AUTO_TEST_SUITE_END()
