// Handshake robustness of two devices: replayed and flooded initiations, lost handshake
// packets retried, giving up after RekeyAttemptTime, cookies and rate limiting under load,
// unknown peers and bad mac1 (whitepaper 5.1, 5.3, 5.4.7, 6.4).
#define BOOST_TEST_MODULE wg_device_handshake
#include <boost/test/unit_test.hpp>

#include "harness.h"
#include "wg/cookie.h"

using namespace weft::wg;
using namespace weft::wg::test;
using namespace std::chrono_literals;

namespace {

int drop_of(const Output& o) { return static_cast<int>(o.drop); }
int reason(DropReason r) { return static_cast<int>(r); }

Datagram first_of_type(const std::vector<Datagram>& v, uint8_t type) {
  for (const auto& d : v) {
    if (d.type() == type) return d;
  }
  BOOST_FAIL("no datagram of the requested type");
  return {};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(device_handshake)

BOOST_AUTO_TEST_CASE(rejects_replayed_initiation) {
  Pair net;
  net.handshake();
  Datagram init = first_of_type(net.log, kMessageHandshakeInitiation);
  net.advance(1s);
  Output o = net.deliver(init);
  BOOST_TEST(drop_of(o) == reason(DropReason::kReplayedInitiation));
  BOOST_TEST(net.b.device.stats().drops_of(DropReason::kReplayedInitiation) == 1u);
  // The replay did not disturb the running session.
  std::size_t before = net.b.inbox.size();
  net.send(net.a, ipv4_packet(1, 2, 10));
  BOOST_TEST(net.b.inbox.size() == before + 1);
}

BOOST_AUTO_TEST_CASE(rejects_initiations_faster_than_the_initiation_rate) {
  Pair net;
  net.loss = [](const Datagram& d) { return d.type() == kMessageHandshakeInitiation; };
  net.a.device.initiate_handshake(net.now(), net.a.peer);
  net.pump();
  net.t += 5001ms;  // past RekeyTimeout, so A may initiate again, with a later timestamp
  net.a.device.initiate_handshake(net.now(), net.a.peer);
  net.pump();
  BOOST_REQUIRE(net.lost.size() == 2u);
  net.loss = nullptr;
  // Delivered 20 ms apart: the second is a flood even though its TAI64N is newer.
  BOOST_TEST(static_cast<int>(net.deliver(net.lost[0]).action) ==
             static_cast<int>(Action::kSendDatagram));
  net.t += 20ms;
  BOOST_TEST(drop_of(net.deliver(net.lost[1])) == reason(DropReason::kReplayedInitiation));
}

BOOST_AUTO_TEST_CASE(retries_lost_handshake_packets) {
  Pair net;
  int dropped = 0;
  net.loss = [&](const Datagram& d) {
    if (d.type() == kMessageHandshakeInitiation && dropped < 1) return ++dropped, true;
    if (d.type() == kMessageHandshakeResponse && dropped < 2) return ++dropped, true;
    return false;
  };
  net.send(net.a, ipv4_packet(1, 2, 10));
  BOOST_TEST(net.b.inbox.empty());
  auto deadline = net.a.device.next_deadline(net.a.peer);
  BOOST_REQUIRE(deadline.has_value());
  BOOST_TEST((*deadline >= kRekeyTimeout && *deadline < kRekeyTimeout + kRekeyTimeoutJitterMax));
  net.advance(6s);   // second initiation: its response is lost
  BOOST_TEST(net.b.inbox.empty());
  net.advance(6s);   // third initiation completes; the staged packet follows
  BOOST_TEST(net.sent_of_type(kMessageHandshakeInitiation) == 3);
  BOOST_REQUIRE(net.b.inbox.size() == 1u);
  BOOST_TEST(net.a.device.peer_stats(net.a.peer).has_session);
}

BOOST_AUTO_TEST_CASE(gives_up_after_rekey_attempt_time) {
  Pair net;
  net.loss = [](const Datagram&) { return true; };
  net.send(net.a, ipv4_packet(1, 2, 10));
  net.advance_to(200s);
  int tries = net.sent_of_type(kMessageHandshakeInitiation);
  BOOST_TEST(tries == kMaxHandshakeAttempts + 2);  // first + one retry per attempt counter value
  net.advance_to(400s);
  BOOST_TEST(net.sent_of_type(kMessageHandshakeInitiation) == tries);
  // The staged packet was dropped with the attempt: a later handshake does not deliver it.
  net.loss = nullptr;
  net.a.device.initiate_handshake(net.now(), net.a.peer);
  net.pump();
  BOOST_TEST(net.a.device.peer_stats(net.a.peer).has_session);
  BOOST_TEST(net.b.inbox.empty());
}

BOOST_AUTO_TEST_CASE(answers_with_cookie_reply_under_load_then_accepts_mac2) {
  Pair net;
  net.b.device.set_under_load(true);
  net.send(net.a, ipv4_packet(1, 2, 10));
  BOOST_TEST(net.sent_of_type(kMessageCookieReply) == 1);
  BOOST_TEST(net.sent_of_type(kMessageHandshakeResponse) == 0);
  BOOST_TEST(net.b.device.stats().drops_of(DropReason::kCookieRequired) == 1u);
  Datagram reply = first_of_type(net.log, kMessageCookieReply);
  BOOST_TEST(reply.bytes.size() == kCookieReplySize);
  // The retransmission carries mac2 and is let through.
  net.advance(6s);
  BOOST_TEST(net.sent_of_type(kMessageHandshakeResponse) == 1);
  BOOST_TEST(net.sent_of_type(kMessageCookieReply) == 1);
  BOOST_TEST(net.b.inbox.size() == 1u);
  // A replayed cookie reply is not accepted twice.
  BOOST_TEST(drop_of(net.deliver(reply)) != reason(DropReason::kNone));
}

BOOST_AUTO_TEST_CASE(initiator_under_load_demands_mac2_on_the_response) {
  Pair net;
  net.a.device.set_under_load(true);
  net.send(net.a, ipv4_packet(1, 2, 10));
  // A answered B's response with a cookie reply, so no session yet.
  BOOST_TEST(net.sent_of_type(kMessageCookieReply) == 1);
  BOOST_TEST(!net.a.device.peer_stats(net.a.peer).has_session);
  BOOST_TEST(net.a.device.stats().drops_of(DropReason::kCookieRequired) == 1u);
  // A's retransmission draws a new response, now carrying mac2.
  net.advance(6s);
  BOOST_TEST(net.a.device.peer_stats(net.a.peer).has_session);
  BOOST_TEST(net.b.inbox.size() == 1u);
  BOOST_TEST(net.sent_of_type(kMessageCookieReply) == 1);
}

BOOST_AUTO_TEST_CASE(cookie_expires_after_cookie_refresh_time) {
  Pair net;
  net.b.device.set_under_load(true);
  net.send(net.a, ipv4_packet(1, 2, 10));
  net.advance(6s);
  BOOST_TEST(net.sent_of_type(kMessageCookieReply) == 1);
  // Much later, the old cookie is stale on both sides: a new one is needed.
  net.loss = [](const Datagram& d) { return d.type() == kMessageTransportData; };
  net.advance_to(400s);
  net.loss = nullptr;
  net.a.device.initiate_handshake(net.now(), net.a.peer);
  net.pump();
  BOOST_TEST(net.sent_of_type(kMessageCookieReply) >= 2);
}

BOOST_AUTO_TEST_CASE(rate_limits_handshakes_per_source_under_load) {
  Pair net;
  // Collect many valid initiations from A, each with a fresh timestamp and a valid cookie.
  net.b.device.set_under_load(true);
  net.send(net.a, ipv4_packet(1, 2, 10));  // gets the cookie
  net.loss = [](const Datagram& d) { return d.type() == kMessageHandshakeInitiation; };
  for (int i = 0; i < 12; ++i) {
    net.t += 5001ms;
    net.a.device.initiate_handshake(net.now(), net.a.peer);
    net.pump();
  }
  net.loss = nullptr;
  std::vector<Datagram> inits;
  for (const auto& d : net.lost) {
    if (d.type() == kMessageHandshakeInitiation) inits.push_back(d);
  }
  BOOST_REQUIRE(inits.size() >= 10u);
  // Delivered at one instant: the bucket lets a burst of 5 through (to the per-peer checks),
  // the rest are limited before any expensive crypto.
  int limited = 0;
  for (std::size_t i = 0; i < inits.size(); ++i) {
    limited += drop_of(net.deliver(inits[i])) == reason(DropReason::kRateLimited);
  }
  BOOST_TEST(limited == static_cast<int>(inits.size()) - kHandshakeBurstPerSource);
  // A second later the bucket has refilled.
  net.t += 1s;
  BOOST_TEST(drop_of(net.deliver(inits.back())) != reason(DropReason::kRateLimited));
  BOOST_TEST(net.b.device.stats().drops_of(DropReason::kRateLimited) == static_cast<uint64_t>(limited));
}

BOOST_AUTO_TEST_CASE(drops_initiation_from_unknown_peer_and_bad_mac1) {
  Pair net;
  Node stranger(9, Path::v4(203, 0, 113, 5, 1));
  PeerConfig pc;
  pc.public_key = net.b.device.public_key();
  pc.endpoint = net.b.ep;
  pc.allowed_ips.push_back(AllowedIp::v4(0, 0, 0, 0, 0));
  PeerId p = stranger.device.add_peer(pc);
  stranger.device.initiate_handshake(net.now(), p);
  Output o = stranger.device.poll_transmit(net.now(), MutableBytes{net.buf, sizeof net.buf});
  BOOST_REQUIRE(static_cast<int>(o.action) == static_cast<int>(Action::kSendDatagram));
  Datagram d{stranger.ep, net.b.ep, std::vector<uint8_t>(net.buf, net.buf + o.size)};
  BOOST_TEST(drop_of(net.deliver(d)) == reason(DropReason::kUnknownPeer));
  d.bytes[20] ^= 0x80;  // any change invalidates mac1
  BOOST_TEST(drop_of(net.deliver(d)) == reason(DropReason::kBadMac1));
}

BOOST_AUTO_TEST_CASE(drops_replayed_response_and_response_for_unknown_index) {
  Pair net;
  net.handshake();
  Datagram resp = first_of_type(net.log, kMessageHandshakeResponse);
  BOOST_TEST(drop_of(net.deliver(resp)) == reason(DropReason::kBadHandshake));
  BOOST_TEST(net.a.device.peer_stats(net.a.peer).has_session);
  // Same message for an index A never handed out, with a valid mac1.
  resp.bytes[8] ^= 0x5a;
  CookieGenerator mac;
  mac.init(net.a.device.public_key());
  mac.add_macs(net.t, resp.bytes.data(), kResponseMac1Offset);
  BOOST_TEST(drop_of(net.deliver(resp)) == reason(DropReason::kNoSession));
}

BOOST_AUTO_TEST_SUITE_END()
