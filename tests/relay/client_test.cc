// The relay client core, against the server core in memory (harness.h) and against raw bytes.
#define BOOST_TEST_MODULE relay_client
#include <boost/test/unit_test.hpp>

#include "relay/harness.h"

using namespace weft;
using namespace weft::relay;
using namespace weft::relay::test;
using namespace std::chrono_literals;

namespace {
uint64_t drops(TestClient& c, ClientDrop why) {
  return c->stats().drops[static_cast<std::size_t>(why)];
}
}  // namespace

BOOST_AUTO_TEST_SUITE(relay_client)

BOOST_AUTO_TEST_CASE(queues_packets_until_the_relay_accepts_it) {
  Relay relay;
  TestClient a(11);
  TestClient b(12);
  relay.connect(2, *b);
  a->connected(relay.now());
  BOOST_TEST(a.send(b.key, {1, 2}, relay.now()));  // before ServerKey even arrived
  relay.clients[1] = &*a;
  relay.server.accept(1, relay.now());
  relay.pump();
  BOOST_TEST(a->state() == ClientState::kReady);
  auto p = b.packet();
  BOOST_TEST_REQUIRE(p.has_value());
  BOOST_TEST((p->second == std::vector<uint8_t>{1, 2}));
}

BOOST_AUTO_TEST_CASE(drops_packets_beyond_its_send_queue) {
  ClientConfig config;
  config.max_send_queue_bytes = 1000;
  TestClient a(11, config);
  core::Now now{};
  a->connected(now);
  core::NodePublicKey dst;
  int sent = 0;
  for (int i = 0; i < 10; ++i) sent += a.send(dst, std::vector<uint8_t>(200), now);
  BOOST_TEST(sent == 4);  // 237-byte frames
  BOOST_TEST(drops(a, ClientDrop::kSendQueueFull) == 6u);
  BOOST_TEST(!a.send(dst, std::vector<uint8_t>(kMaxPacketSize + 1), now));
  BOOST_TEST(drops(a, ClientDrop::kTooLarge) == 1u);
}

BOOST_AUTO_TEST_CASE(refuses_to_send_while_not_connected) {
  TestClient a(11);
  BOOST_TEST(!a.send(core::NodePublicKey{}, {1}, core::Now{}));
  BOOST_TEST(drops(a, ClientDrop::kNotConnected) == 1u);
}

BOOST_AUTO_TEST_CASE(times_out_when_the_relay_never_answers_the_handshake) {
  TestClient a(11);
  a->connected(core::Now{});
  BOOST_TEST((a->next_deadline() == core::Duration(10s)));
  a->update_timers(core::Now{9s, {}});
  BOOST_TEST(a->state() == ClientState::kAwaitServerKey);
  a->update_timers(core::Now{10s, {}});
  BOOST_TEST(a->state() == ClientState::kIdle);
  BOOST_TEST(a.last(ClientEventKind::kClosed)->code == "relay.timeout");
  BOOST_TEST(!a->next_deadline().has_value());
}

BOOST_AUTO_TEST_CASE(pings_an_idle_relay_and_reports_the_round_trip) {
  Relay relay;
  TestClient a(11);
  relay.connect(1, *a);
  relay.run_for(24s);
  BOOST_TEST(a->stats().pings_sent == 0u);
  relay.run_for(1s);
  BOOST_TEST(a->stats().pings_sent == 1u);
  auto pong = a.last(ClientEventKind::kPong);
  BOOST_TEST_REQUIRE(pong.has_value());
  BOOST_TEST((pong->rtt == core::Duration(0)));
  BOOST_TEST(a->state() == ClientState::kReady);
  relay.run_for(10min);  // pings keep it alive; the server's keepalives too
  BOOST_TEST(a->state() == ClientState::kReady);
}

BOOST_AUTO_TEST_CASE(closes_as_timeout_when_pings_go_unanswered) {
  Relay relay;
  TestClient a(11);
  relay.connect(1, *a);
  relay.stalled.insert(1);  // the relay's answers never arrive
  relay.run_for(25s);
  BOOST_TEST(a->stats().pings_sent == 1u);
  relay.run_for(10s);
  BOOST_TEST(a->state() == ClientState::kIdle);
  BOOST_TEST(a.last(ClientEventKind::kClosed)->code == "relay.timeout");
}

BOOST_AUTO_TEST_CASE(reports_a_lost_transport_once_and_starts_over_on_connected) {
  Relay relay;
  TestClient a(11);
  TestClient b(12);
  relay.connect(1, *a);
  relay.connect(2, *b);
  a->transport_closed(relay.now());
  a->transport_closed(relay.now());
  int closes = 0;
  for (auto& e : a.events()) closes += e.kind == ClientEventKind::kClosed;
  BOOST_TEST(closes == 1);
  BOOST_TEST(a.last(ClientEventKind::kClosed)->code == "relay.disconnected");
  relay.close(1);
  relay.clients.erase(1);
  relay.connect(3, *a);
  BOOST_TEST(a->state() == ClientState::kReady);
  b.send(a.key, {5}, relay.now());
  relay.pump();
  BOOST_TEST(a.packet().has_value());
}

BOOST_AUTO_TEST_CASE(closes_on_a_server_that_does_not_speak_the_relay_protocol) {
  TestClient a(11);
  a->connected(core::Now{});
  const std::string http = "HTTP/1.1 200 OK\r\n\r\n";
  a->receive(core::ByteView{reinterpret_cast<const uint8_t*>(http.data()), http.size()},
             core::Now{});
  BOOST_TEST(a->state() == ClientState::kIdle);
  BOOST_TEST(a.last(ClientEventKind::kClosed)->code == "relay.protocol");
}

BOOST_AUTO_TEST_CASE(drops_a_received_packet_larger_than_the_callers_buffer) {
  Relay relay;
  TestClient a(11);
  TestClient b(12);
  relay.connect(1, *a);
  relay.connect(2, *b);
  a.send(b.key, std::vector<uint8_t>(100), relay.now());
  a.send(b.key, std::vector<uint8_t>(10), relay.now());
  relay.pump();
  uint8_t small[50];
  core::NodePublicKey src;
  BOOST_TEST(b->poll_packet(src, core::MutableBytes{small, sizeof(small)}) == 10u);
  BOOST_TEST(drops(b, ClientDrop::kBufferTooSmall) == 1u);
}

BOOST_AUTO_TEST_CASE(tells_the_relay_whether_it_is_the_home_region) {
  Relay relay;
  ClientConfig config;
  config.preferred = true;
  TestClient a(11, config);
  relay.connect(1, *a);
  BOOST_TEST(relay.server.preferred(1));
  a->note_preferred(false);
  relay.pump();
  BOOST_TEST(!relay.server.preferred(1));
  a->note_preferred(true);
  relay.pump();
  BOOST_TEST(relay.server.preferred(1));
}

BOOST_AUTO_TEST_CASE(learns_a_peers_absence) {
  Relay relay;
  TestClient a(11);
  relay.connect(1, *a);
  core::NodePublicKey nobody;
  nobody.bytes[5] = 9;
  a.send(nobody, {1}, relay.now());
  relay.pump();
  auto gone = a.last(ClientEventKind::kPeerGone);
  BOOST_TEST_REQUIRE(gone.has_value());
  BOOST_TEST(gone->peer == nobody);
  BOOST_TEST(gone->reason == PeerGoneReason::kNotHere);
}

BOOST_AUTO_TEST_SUITE_END()
