// Two devices driven against each other: handshake, data both ways, replay, rekey, rejection,
// roaming and key zeroing (whitepaper sections 5 and 6), all on a fake clock.
#define BOOST_TEST_MODULE wg_device_session
#include <boost/test/unit_test.hpp>

#include "harness.h"

using namespace weft::wg;
using namespace weft::wg::test;
using namespace std::chrono_literals;

namespace {

const Datagram* last_data_from(const Pair& net, const Path& from) {
  for (auto it = net.log.rbegin(); it != net.log.rend(); ++it) {
    if (it->from == from && it->type() == kMessageTransportData && it->bytes.size() > 32) return &*it;
  }
  return nullptr;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(device_session)

BOOST_AUTO_TEST_CASE(completes_handshake_and_carries_data_both_ways) {
  Pair net;
  auto ping = ipv4_packet(1, 2, 100, 0x11);
  Output first = net.send(net.a, ping);
  BOOST_TEST(static_cast<int>(first.action) == static_cast<int>(Action::kNone));  // staged
  BOOST_TEST(net.sent_of_type(kMessageHandshakeInitiation) == 1);
  BOOST_TEST(net.sent_of_type(kMessageHandshakeResponse) == 1);
  BOOST_REQUIRE(net.b.inbox.size() == 1);
  BOOST_TEST(net.b.inbox[0] == ping);

  auto pong = ipv4_packet(2, 1, 1000, 0x22);
  Output back = net.send(net.b, pong);
  BOOST_TEST(static_cast<int>(back.action) == static_cast<int>(Action::kSendDatagram));
  BOOST_REQUIRE(net.a.inbox.size() == 1);
  BOOST_TEST(net.a.inbox[0] == pong);

  PeerStats sa = net.a.device.peer_stats(net.a.peer);
  PeerStats sb = net.b.device.peer_stats(net.b.peer);
  BOOST_TEST(sa.has_session);
  BOOST_TEST(sb.has_session);
  BOOST_TEST(sa.last_handshake.has_value());
  BOOST_TEST(sb.last_handshake.has_value());
  BOOST_TEST(sa.tx_bytes == sb.rx_bytes);
  BOOST_TEST(sb.tx_bytes == sa.rx_bytes);
  BOOST_TEST(sa.tx_bytes > 148u + 100u);
}

BOOST_AUTO_TEST_CASE(pads_plaintext_to_sixteen_bytes) {
  Pair net;
  net.handshake();
  net.send(net.a, ipv4_packet(1, 2, 1));  // 21-byte packet -> 32 padded
  const Datagram* d = last_data_from(net, net.a.ep);
  BOOST_REQUIRE(d != nullptr);
  BOOST_TEST(d->bytes.size() == 16u + 32u + 16u);
  BOOST_TEST(net.b.inbox.back().size() == 21u);
}

BOOST_AUTO_TEST_CASE(rejects_replayed_data) {
  Pair net;
  net.handshake();
  net.send(net.a, ipv4_packet(1, 2, 50));
  const Datagram copy = *last_data_from(net, net.a.ep);
  std::size_t delivered = net.b.inbox.size();
  Output o = net.deliver(copy);
  BOOST_TEST(static_cast<int>(o.drop) == static_cast<int>(DropReason::kReplay));
  BOOST_TEST(net.b.inbox.size() == delivered);
  BOOST_TEST(net.b.device.stats().drops_of(DropReason::kReplay) == 1u);
}

BOOST_AUTO_TEST_CASE(accepts_reordered_data_within_the_window) {
  Pair net;
  net.handshake();
  net.loss = [](const Datagram& d) { return d.type() == kMessageTransportData; };
  for (int i = 0; i < 5; ++i) net.send(net.a, ipv4_packet(1, 2, 10 + i));
  net.loss = nullptr;
  std::vector<Datagram> held = net.lost;
  std::size_t before = net.b.inbox.size();
  for (auto it = held.rbegin(); it != held.rend(); ++it) net.deliver(*it);
  BOOST_TEST(net.b.inbox.size() == before + 5);
}

BOOST_AUTO_TEST_CASE(rekeys_after_rekey_after_time_from_initiator_only) {
  Pair net;
  net.handshake();
  auto first = net.a.device.peer_stats(net.a.peer).last_handshake;
  net.advance(119s);
  net.send(net.a, ipv4_packet(1, 2, 10));
  BOOST_TEST(net.sent_of_type(kMessageHandshakeInitiation) == 1);
  // The responder's own sending never triggers the time-based rekey.
  net.advance(2s);  // t = 121 s
  net.send(net.b, ipv4_packet(2, 1, 10));
  BOOST_TEST(net.sent_of_type(kMessageHandshakeInitiation) == 1);
  net.send(net.a, ipv4_packet(1, 2, 10));
  BOOST_TEST(net.sent_of_type(kMessageHandshakeInitiation) == 2);
  BOOST_TEST(net.sent_of_type(kMessageHandshakeResponse) == 2);
  BOOST_TEST((net.a.device.peer_stats(net.a.peer).last_handshake > first));
  // Old and new sessions both keep working for data.
  std::size_t before = net.b.inbox.size();
  net.send(net.a, ipv4_packet(1, 2, 10));
  BOOST_TEST(net.b.inbox.size() == before + 1);
}

BOOST_AUTO_TEST_CASE(rejects_session_after_reject_after_time) {
  Pair net;
  net.handshake();
  // Cut the wire after capturing one data packet, so no rekey can happen.
  net.loss = [](const Datagram&) { return true; };
  net.send(net.a, ipv4_packet(1, 2, 30));
  Datagram captured = net.lost.back();
  BOOST_REQUIRE(captured.type() == kMessageTransportData);
  net.advance_to(181s);
  Output o = net.deliver(captured);
  BOOST_TEST(static_cast<int>(o.drop) == static_cast<int>(DropReason::kExpiredSession));
  // The sender no longer encrypts with the expired session: it stages and re-handshakes.
  Output s = net.a.device.send_packet(net.now(), ByteView{ipv4_packet(1, 2, 5).data(), 25},
                                      MutableBytes{net.buf, sizeof net.buf});
  BOOST_TEST(static_cast<int>(s.action) == static_cast<int>(Action::kNone));
}

BOOST_AUTO_TEST_CASE(rejects_counters_past_reject_after_messages) {
  Pair net;
  net.handshake();
  net.send(net.a, ipv4_packet(1, 2, 30));
  Datagram d = *last_data_from(net, net.a.ep);
  store_le64(d.bytes.data() + 8, kRejectAfterMessages);
  Output o = net.deliver(d);
  BOOST_TEST(static_cast<int>(o.drop) == static_cast<int>(DropReason::kExpiredSession));
  store_le64(d.bytes.data() + 8, kRejectAfterMessages - 1);  // allowed, but not authentic
  o = net.deliver(d);
  BOOST_TEST(static_cast<int>(o.drop) == static_cast<int>(DropReason::kBadAead));
}

BOOST_AUTO_TEST_CASE(roams_to_the_endpoint_of_the_last_authenticated_packet) {
  Pair net;
  net.handshake();
  Path moved = Path::v4(198, 51, 100, 7, 40000);
  net.a.ep = moved;
  net.send(net.a, ipv4_packet(1, 2, 20));
  BOOST_TEST((net.b.device.peer_stats(net.b.peer).endpoint == moved));
  Output reply = net.send(net.b, ipv4_packet(2, 1, 20));
  BOOST_TEST((reply.endpoint == moved));
  BOOST_TEST(net.a.inbox.size() == 1u);
}

BOOST_AUTO_TEST_CASE(does_not_roam_on_unauthenticated_packets) {
  Pair net;
  net.handshake();
  net.send(net.a, ipv4_packet(1, 2, 20));
  Datagram forged = *last_data_from(net, net.a.ep);
  forged.bytes[40] ^= 1;
  forged.from = Path::v4(203, 0, 113, 9, 1);
  Output o = net.deliver(forged);
  BOOST_TEST(static_cast<int>(o.drop) == static_cast<int>(DropReason::kBadAead));
  BOOST_TEST((net.b.device.peer_stats(net.b.peer).endpoint == net.a.ep));
}

BOOST_AUTO_TEST_CASE(zeroes_keys_after_three_reject_after_times) {
  Pair net;
  net.handshake();
  Datagram old = *last_data_from(net, net.a.ep);
  net.advance_to(539s);
  BOOST_TEST(net.a.device.peer_stats(net.a.peer).has_session);
  net.advance_to(541s);
  BOOST_TEST(!net.a.device.peer_stats(net.a.peer).has_session);
  BOOST_TEST(!net.b.device.peer_stats(net.b.peer).has_session);
  Output o = net.deliver(old);
  BOOST_TEST(static_cast<int>(o.drop) == static_cast<int>(DropReason::kNoSession));
  BOOST_TEST(!net.a.device.next_deadline().has_value());
}

BOOST_AUTO_TEST_CASE(drops_packets_whose_source_is_not_the_peers) {
  Pair net;
  net.handshake();
  std::size_t before = net.b.inbox.size();
  net.send(net.a, ipv4_packet(9, 2, 20));  // 100.64.0.9 is not in B's allowed IPs for A
  BOOST_TEST(net.b.inbox.size() == before);
  BOOST_TEST(net.b.device.stats().drops_of(DropReason::kSourceNotAllowed) == 1u);
}

BOOST_AUTO_TEST_CASE(drops_packets_without_a_route) {
  Pair net;
  Output o = net.send(net.a, ipv4_packet(1, 77, 20));
  BOOST_TEST(static_cast<int>(o.drop) == static_cast<int>(DropReason::kNoRoute));
  BOOST_TEST(net.log.empty());
}

BOOST_AUTO_TEST_CASE(bounds_the_staged_queue) {
  Pair net;
  net.loss = [](const Datagram&) { return true; };
  for (std::size_t i = 0; i < kMaxStagedPackets + 3; ++i) net.send(net.a, ipv4_packet(1, 2, 8));
  BOOST_TEST(net.a.device.stats().drops_of(DropReason::kQueueFull) == 3u);
  net.loss = nullptr;
  net.advance(6s);  // retransmitted initiation gets through; the queue drains
  BOOST_TEST(net.b.inbox.size() == kMaxStagedPackets);
}

BOOST_AUTO_TEST_CASE(removed_peer_stops_routing_and_sessions) {
  Pair net;
  net.handshake();
  Datagram old = *last_data_from(net, net.a.ep);
  net.b.device.remove_peer(net.b.peer);
  Output o = net.deliver(old);
  BOOST_TEST(static_cast<int>(o.drop) == static_cast<int>(DropReason::kNoSession));
  Output s = net.send(net.b, ipv4_packet(2, 1, 8));
  BOOST_TEST(static_cast<int>(s.drop) == static_cast<int>(DropReason::kNoRoute));
}

BOOST_AUTO_TEST_SUITE_END()
