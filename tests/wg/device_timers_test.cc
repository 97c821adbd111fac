// Timer behaviour of two devices on a fake clock (whitepaper 6.2-6.5): passive keepalive,
// new handshake when data gets no answer, persistent keepalive, and deadline reporting.
#define BOOST_TEST_MODULE wg_device_timers
#include <boost/test/unit_test.hpp>

#include "harness.h"

using namespace weft::wg;
using namespace weft::wg::test;
using namespace std::chrono_literals;

namespace {

int keepalives_from(const Pair& net, const Path& from) {
  int n = 0;
  for (const auto& d : net.log) {
    n += d.from == from && d.type() == kMessageTransportData && d.bytes.size() == kTransportMinSize;
  }
  return n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(device_timers)

BOOST_AUTO_TEST_CASE(has_no_deadline_when_idle) {
  Pair net;
  BOOST_TEST(!net.a.device.next_deadline().has_value());
  BOOST_TEST(!net.b.device.next_deadline().has_value());
}

BOOST_AUTO_TEST_CASE(initiator_confirms_session_with_a_keepalive_when_nothing_is_staged) {
  Pair net;
  net.a.device.initiate_handshake(net.now(), net.a.peer);
  net.pump();
  BOOST_TEST(keepalives_from(net, net.a.ep) == 1);
  BOOST_TEST(net.b.device.peer_stats(net.b.peer).has_session);
  BOOST_TEST(net.b.device.peer_stats(net.b.peer).last_handshake.has_value());
}

BOOST_AUTO_TEST_CASE(sends_passive_keepalive_after_keepalive_timeout) {
  Pair net;
  net.handshake();
  int before = keepalives_from(net, net.b.ep);
  net.advance(9s);
  BOOST_TEST(keepalives_from(net, net.b.ep) == before);
  net.advance(2s);
  BOOST_TEST(keepalives_from(net, net.b.ep) == before + 1);
  // Sending data ourselves makes the keepalive unnecessary.
  net.send(net.a, ipv4_packet(1, 2, 10));
  net.send(net.b, ipv4_packet(2, 1, 10));
  int after = keepalives_from(net, net.b.ep);
  net.advance(11s);
  BOOST_TEST(keepalives_from(net, net.b.ep) == after);
}

BOOST_AUTO_TEST_CASE(starts_new_handshake_when_data_gets_no_reply) {
  Pair net;
  net.handshake();
  net.advance(1s);
  // B goes silent: drop everything it sends.
  Path b_ep = net.b.ep;
  net.loss = [b_ep](const Datagram& d) { return d.from == b_ep; };
  net.send(net.a, ipv4_packet(1, 2, 10));
  net.advance(14s);
  BOOST_TEST(net.sent_of_type(kMessageHandshakeInitiation) == 1);
  net.advance(kRekeyTimeoutJitterMax + 1ms);  // KeepaliveTimeout + RekeyTimeout + jitter
  BOOST_TEST(net.sent_of_type(kMessageHandshakeInitiation) == 2);
}

BOOST_AUTO_TEST_CASE(sends_persistent_keepalives_and_opens_a_session_for_them) {
  Pair net;
  net.a.device.set_persistent_keepalive(net.now(), net.a.peer, 25s);
  net.pump();
  BOOST_TEST(net.a.device.peer_stats(net.a.peer).has_session);
  int first = keepalives_from(net, net.a.ep);
  BOOST_TEST(first >= 1);
  net.advance(24s);
  BOOST_TEST(keepalives_from(net, net.a.ep) == first);
  net.advance(2s);
  BOOST_TEST(keepalives_from(net, net.a.ep) == first + 1);
  net.advance(25s);
  BOOST_TEST(keepalives_from(net, net.a.ep) == first + 2);
  net.a.device.set_persistent_keepalive(net.now(), net.a.peer, 0s);
  net.advance(60s);
  BOOST_TEST(keepalives_from(net, net.a.ep) == first + 2);
}

BOOST_AUTO_TEST_CASE(re_handshakes_on_receive_near_reject_after_time) {
  Pair net;
  net.handshake();
  // Only B sends (no time-based rekey from the responder); A, the initiator, must notice the
  // age of its session on receive and re-handshake before RejectAfterTime.
  net.advance_to(kRekeyOnReceiveAge - 1s);
  net.send(net.b, ipv4_packet(2, 1, 10));
  BOOST_TEST(net.sent_of_type(kMessageHandshakeInitiation) == 1);
  net.advance(2s);
  net.send(net.b, ipv4_packet(2, 1, 10));
  BOOST_TEST(net.sent_of_type(kMessageHandshakeInitiation) == 2);
  net.advance_to(200s);
  std::size_t before = net.a.inbox.size();
  net.send(net.b, ipv4_packet(2, 1, 10));
  BOOST_TEST(net.a.inbox.size() == before + 1);
}

BOOST_AUTO_TEST_CASE(responder_waits_for_confirmation_instead_of_dueling) {
  Pair net;
  Path a_ep = net.a.ep;
  net.loss = [a_ep](const Datagram& d) { return d.from == a_ep && d.type() == kMessageTransportData; };
  net.a.device.initiate_handshake(net.now(), net.a.peer);
  net.pump();
  BOOST_TEST(!net.b.device.peer_stats(net.b.peer).has_session);  // next, not yet current
  net.t += std::chrono::milliseconds(100);
  net.send(net.b, ipv4_packet(2, 1, 10));
  BOOST_TEST(net.sent_of_type(kMessageHandshakeInitiation) == 1);  // B did not start its own
  net.loss = nullptr;
  net.send(net.a, ipv4_packet(1, 2, 10));  // confirms B's session; B's staged packet follows
  BOOST_TEST(net.b.device.peer_stats(net.b.peer).has_session);
  BOOST_TEST(net.a.inbox.size() == 1u);
  BOOST_TEST(net.sent_of_type(kMessageHandshakeInitiation) == 1);
}

BOOST_AUTO_TEST_CASE(reports_the_earliest_deadline) {
  Pair net;
  net.handshake();
  auto d = net.a.device.next_deadline();
  BOOST_REQUIRE(d.has_value());
  BOOST_TEST((*d == kZeroKeyMaterialAfter || *d <= kKeepaliveTimeout + kRekeyTimeout + kRekeyTimeoutJitterMax));
  BOOST_TEST((net.a.device.next_deadline(net.a.peer) == d));
  BOOST_TEST(!net.a.device.next_deadline(kNoPeer).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
