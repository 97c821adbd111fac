// The relay server core against client cores and raw byte writers in memory (harness.h).
#define BOOST_TEST_MODULE relay_server
#include <boost/test/unit_test.hpp>

#include "relay/harness.h"

using namespace weft;
using namespace weft::relay;
using namespace weft::relay::test;
using namespace std::chrono_literals;

namespace {

uint64_t cuts(const Relay& r, CutReason why) {
  return r.server.stats().cuts[static_cast<std::size_t>(why)];
}
uint64_t drops(const Relay& r, ServerDrop why) {
  return r.server.stats().drops[static_cast<std::size_t>(why)];
}
bool has_error(const std::vector<std::pair<uint8_t, std::vector<uint8_t>>>& frames,
               const std::string& code) {
  for (auto& [type, payload] : frames) {
    if (type != static_cast<uint8_t>(FrameType::kError)) continue;
    auto e = parse_error(core::ByteView{payload.data(), payload.size()});
    if (e.ok() && e->code == code) return true;
  }
  return false;
}

struct TwoClients {
  Relay relay;
  TestClient a{11};
  TestClient b{12};
  explicit TwoClients(ServerConfig config = {}) : relay(config) {
    relay.connect(1, *a);
    relay.connect(2, *b);
  }
  bool a_to_b(std::size_t n = 100, uint8_t fill = 1) {
    return a.send(b.key, std::vector<uint8_t>(n, fill), relay.now());
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(relay_server)

BOOST_AUTO_TEST_CASE(authenticates_clients_and_tells_them_its_limits) {
  ServerConfig config;
  config.rate_bytes_per_second = 1234;
  config.burst_bytes = 5678;
  TwoClients t(config);
  BOOST_TEST(t.a->state() == ClientState::kReady);
  auto ready = t.a.last(ClientEventKind::kReady);
  BOOST_TEST_REQUIRE(ready.has_value());
  BOOST_TEST(ready->relay_key == t.relay.server.public_key());
  BOOST_TEST(ready->rate_bytes_per_second == 1234u);
  BOOST_TEST(ready->burst_bytes == 5678u);
  BOOST_TEST(t.relay.server.stats().clients == 2u);
}

BOOST_AUTO_TEST_CASE(forwards_packets_by_node_key_both_ways) {
  TwoClients t;
  t.relay.pump();
  BOOST_TEST(t.a_to_b(100, 7));
  BOOST_TEST(t.b.send(t.a.key, {1, 2, 3}, t.relay.now()));
  t.relay.pump();
  auto at_b = t.b.packet();
  BOOST_TEST_REQUIRE(at_b.has_value());
  BOOST_TEST(at_b->first == t.a.key);
  BOOST_TEST(at_b->second == std::vector<uint8_t>(100, 7));
  auto at_a = t.a.packet();
  BOOST_TEST_REQUIRE(at_a.has_value());
  BOOST_TEST(at_a->first == t.b.key);
  BOOST_TEST((at_a->second == std::vector<uint8_t>{1, 2, 3}));
  BOOST_TEST(t.relay.server.stats().packets_forwarded == 2u);
  BOOST_TEST(t.relay.server.stats().bytes_forwarded == 103u);
}

BOOST_AUTO_TEST_CASE(cuts_off_a_claim_of_another_nodes_key) {
  TwoClients t;
  t.relay.open_raw(3);
  auto frames = t.relay.raw_frames(3);
  auto sk = parse_server_key(core::ByteView{frames[0].second.data(), frames[0].second.size()});
  BOOST_TEST_REQUIRE(sk.ok());
  // The forger holds its own key but writes a's public key into the clear part.
  auto forger = weft::test::random_private<core::NodePrivateKey>(t.relay.rng);
  std::vector<uint8_t> info;
  BOOST_TEST_REQUIRE(append_client_info(info, forger, sk->relay_key, sk->challenge, 0, t.relay.rng).ok());
  std::copy(t.a.key.bytes.begin(), t.a.key.bytes.end(), info.begin() + kFrameHeaderSize);
  t.relay.write_raw(3, info);
  BOOST_TEST(has_error(t.relay.raw_frames(3), "relay.auth_failed"));
  BOOST_TEST(t.relay.closed.count(3) == 1u);
  BOOST_TEST(cuts(t.relay, CutReason::kAuthFailed) == 1u);
  BOOST_TEST(t.a_to_b());  // a is still the one served
  t.relay.pump();
  BOOST_TEST(t.b.packet().has_value());
}

BOOST_AUTO_TEST_CASE(refuses_a_replayed_client_info) {
  Relay relay;
  auto node = weft::test::random_private<core::NodePrivateKey>(relay.rng);
  relay.open_raw(1);
  std::vector<uint8_t> recorded;
  raw_auth(relay, 1, node, &recorded);
  BOOST_TEST(relay.server.stats().clients == 1u);
  relay.open_raw(2);
  relay.raw_frames(2);
  relay.write_raw(2, recorded);
  BOOST_TEST(has_error(relay.raw_frames(2), "relay.auth_failed"));
  BOOST_TEST(relay.closed.count(1) == 0u);  // the genuine client keeps its connection
  BOOST_TEST(relay.server.stats().clients == 1u);
}

BOOST_AUTO_TEST_CASE(a_new_connection_with_the_same_key_replaces_the_old_one) {
  Relay relay;
  TestClient a(11);
  TestClient b(12);
  relay.connect(1, *a);
  relay.connect(2, *b);
  TestClient again(11);  // same seed: the same node key
  BOOST_TEST_REQUIRE(again.key == a.key);
  relay.connect(3, *again);
  auto closed = a.last(ClientEventKind::kClosed);
  BOOST_TEST_REQUIRE(closed.has_value());
  BOOST_TEST(closed->code == "relay.replaced");
  BOOST_TEST(cuts(relay, CutReason::kReplaced) == 1u);
  b.send(a.key, {9}, relay.now());
  relay.pump();
  BOOST_TEST(again.packet().has_value());
  BOOST_TEST(!b.last(ClientEventKind::kPeerGone).has_value());
}

BOOST_AUTO_TEST_CASE(tells_senders_when_their_peer_disconnects) {
  TwoClients t;
  t.a_to_b();
  t.relay.pump();
  t.relay.close(2);
  t.relay.pump();
  auto gone = t.a.last(ClientEventKind::kPeerGone);
  BOOST_TEST_REQUIRE(gone.has_value());
  BOOST_TEST(gone->peer == t.b.key);
  BOOST_TEST(static_cast<int>(gone->reason) == static_cast<int>(PeerGoneReason::kDisconnected));
}

BOOST_AUTO_TEST_CASE(answers_not_here_at_most_once_per_interval) {
  Relay relay;
  TestClient a(11);
  relay.connect(1, *a);
  core::NodePublicKey nobody;
  nobody.bytes[0] = 1;
  for (int i = 0; i < 5; ++i) a.send(nobody, {1}, relay.now());
  relay.pump();
  auto count_not_here = [&] {
    int n = 0;
    for (auto& e : a.events()) n += e.kind == ClientEventKind::kPeerGone && e.peer == nobody;
    return n;
  };
  BOOST_TEST(count_not_here() == 1);
  BOOST_TEST(drops(relay, ServerDrop::kNotHere) == 5u);
  relay.advance(6s);
  a.send(nobody, {1}, relay.now());
  relay.pump();
  BOOST_TEST(count_not_here() == 2);
}

BOOST_AUTO_TEST_CASE(drops_over_the_rate_then_cuts_off_a_flood) {
  ServerConfig config;
  config.rate_bytes_per_second = 1000;
  config.burst_bytes = 2000;
  config.flood_cutoff_bytes = 10000;
  TwoClients t(config);
  for (int i = 0; i < 20; ++i) t.a_to_b(500);
  t.relay.pump();
  BOOST_TEST(t.relay.server.stats().packets_forwarded == 4u);
  BOOST_TEST(drops(t.relay, ServerDrop::kRateLimited) == 16u);
  BOOST_TEST(t.relay.closed.count(1) == 0u);
  t.relay.advance(1s);  // refills 1000 bytes: two more packets
  for (int i = 0; i < 2; ++i) t.a_to_b(500);
  t.relay.pump();
  BOOST_TEST(t.relay.server.stats().packets_forwarded == 6u);
  for (int i = 0; i < 10; ++i) t.a_to_b(500);
  t.relay.pump();
  BOOST_TEST(cuts(t.relay, CutReason::kFlood) == 1u);
  BOOST_TEST(t.a.last(ClientEventKind::kClosed)->code == "relay.flood");
  BOOST_TEST(t.relay.closed.count(2) == 0u);
}

BOOST_AUTO_TEST_CASE(a_flood_of_pings_counts_against_the_same_bucket_and_is_cut_off) {
  ServerConfig config;
  config.rate_bytes_per_second = 1000;
  config.burst_bytes = 2000;
  config.flood_cutoff_bytes = 10000;
  TwoClients t(config);
  t.relay.pump();
  std::vector<uint8_t> pings;
  for (int i = 0; i < 1500; ++i) {
    const uint8_t frame[kFrameHeaderSize + kPingPayload] = {
        static_cast<uint8_t>(FrameType::kPing), 0, 0, 0, kPingPayload, 1, 2, 3, 4, 5, 6, 7, 8};
    pings.insert(pings.end(), frame, frame + sizeof frame);
  }
  t.relay.write_raw(1, pings);
  t.relay.pump();
  BOOST_TEST(drops(t.relay, ServerDrop::kRateLimited) > 0u);
  BOOST_TEST(cuts(t.relay, CutReason::kFlood) == 1u);
  BOOST_TEST(t.relay.closed.count(2) == 0u);  // the other client is untouched
}

BOOST_AUTO_TEST_CASE(drops_packets_for_a_full_queue_without_cutting_the_sender) {
  ServerConfig config;
  config.max_queue_bytes = 10000;
  TwoClients t(config);
  t.relay.stalled.insert(2);
  for (int i = 0; i < 30; ++i) t.a_to_b(1000);
  t.relay.pump();
  BOOST_TEST(drops(t.relay, ServerDrop::kQueueFull) > 0u);
  BOOST_TEST(t.relay.server.queued(2) <= 10000u);
  BOOST_TEST(t.relay.closed.count(1) == 0u);
  t.relay.unstall(2);
  int got = 0;
  while (t.b.packet()) ++got;
  BOOST_TEST(got == 9);  // 9 frames of 1037 bytes fit in 10000
}

BOOST_AUTO_TEST_CASE(registers_a_client_only_when_the_verifier_says_yes) {
  ServerConfig config;
  config.verify_clients = true;
  Relay relay(config);
  TestClient a(11);
  TestClient b(12);
  relay.verify = [&](const core::NodePublicKey& k) { return k == a.key; };
  relay.connect(1, *a);
  relay.connect(2, *b);
  BOOST_TEST(a->state() == ClientState::kReady);
  BOOST_TEST(b->state() == ClientState::kIdle);
  BOOST_TEST(b.last(ClientEventKind::kClosed)->code == "relay.not_allowed");
  BOOST_TEST(relay.server.stats().verify_asked == 2u);
  BOOST_TEST(cuts(relay, CutReason::kNotAllowed) == 1u);
}

BOOST_AUTO_TEST_CASE(holds_packets_of_a_client_being_verified) {
  ServerConfig config;
  config.verify_clients = true;
  Relay relay(config);
  relay.open_raw(1);
  auto node = weft::test::random_private<core::NodePrivateKey>(relay.rng);
  raw_auth(relay, 1, node);  // no verifier attached: the question stays open
  relay.write_raw(1, send_frame(node_public(node), 10));
  BOOST_TEST(drops(relay, ServerDrop::kNotReady) == 1u);
  relay.server.verified(1, true, relay.now());
  relay.pump();
  BOOST_TEST(relay.server.stats().clients == 1u);
}

BOOST_AUTO_TEST_CASE(sends_a_keepalive_after_a_minute_without_frames) {
  Relay relay;
  auto node = weft::test::random_private<core::NodePrivateKey>(relay.rng);
  relay.open_raw(1);
  raw_auth(relay, 1, node);
  relay.raw_frames(1);
  relay.run_for(59s);
  BOOST_TEST(relay.raw_frames(1).empty());
  relay.run_for(2s);
  auto frames = relay.raw_frames(1);
  BOOST_TEST_REQUIRE(frames.size() == 1u);
  BOOST_TEST(frames[0].first == static_cast<uint8_t>(FrameType::kKeepAlive));
  relay.run_for(60s);
  BOOST_TEST(relay.raw_frames(1).size() == 1u);
  BOOST_TEST(relay.server.stats().keepalives_sent == 2u);
}

BOOST_AUTO_TEST_CASE(cuts_off_a_connection_that_does_not_authenticate_in_time) {
  Relay relay;
  relay.open_raw(1);
  relay.run_for(4s);
  BOOST_TEST(relay.closed.count(1) == 0u);
  relay.run_for(2s);
  BOOST_TEST(relay.closed.count(1) == 1u);
  BOOST_TEST(cuts(relay, CutReason::kAuthTimeout) == 1u);
  BOOST_TEST(has_error(relay.raw_frames(1), "relay.auth_timeout"));
}

BOOST_AUTO_TEST_CASE(cuts_off_a_first_frame_that_is_not_client_info) {
  Relay relay;
  relay.open_raw(1);
  relay.write_raw(1, send_frame(core::NodePublicKey{}, 10));
  BOOST_TEST(relay.closed.count(1) == 1u);
  BOOST_TEST(cuts(relay, CutReason::kNotClientInfo) == 1u);
}

BOOST_AUTO_TEST_CASE(cuts_off_garbage_while_the_others_continue) {
  TwoClients t;
  t.relay.open_raw(3);
  auto node = weft::test::random_private<core::NodePrivateKey>(t.relay.rng);
  raw_auth(t.relay, 3, node);
  BOOST_TEST(t.relay.server.stats().clients == 3u);
  t.relay.write_raw(3, {0x04, 0xff, 0xff, 0xff, 0xff});  // a 4 GiB frame
  BOOST_TEST(t.relay.closed.count(3) == 1u);
  BOOST_TEST(cuts(t.relay, CutReason::kBadFraming) == 1u);
  BOOST_TEST(t.a_to_b());
  t.relay.pump();
  BOOST_TEST(t.b.packet().has_value());
  BOOST_TEST(t.relay.server.stats().clients == 2u);
}

BOOST_AUTO_TEST_CASE(cuts_off_a_malformed_known_frame) {
  TwoClients t;
  t.relay.open_raw(3);
  auto node = weft::test::random_private<core::NodePrivateKey>(t.relay.rng);
  raw_auth(t.relay, 3, node);
  t.relay.write_raw(3, make_frame(FrameType::kPing, {1, 2, 3}));
  BOOST_TEST(cuts(t.relay, CutReason::kMalformed) == 1u);
  BOOST_TEST(t.relay.closed.count(3) == 1u);
}

BOOST_AUTO_TEST_CASE(skips_unknown_frames_after_authentication) {
  Relay relay;
  relay.open_raw(1);
  auto node = weft::test::random_private<core::NodePrivateKey>(relay.rng);
  raw_auth(relay, 1, node);
  relay.raw_frames(1);
  relay.write_raw(1, make_frame(static_cast<FrameType>(0x42), {1, 2, 3}));
  relay.write_raw(1, make_frame(FrameType::kPing, {1, 2, 3, 4, 5, 6, 7, 8}));
  BOOST_TEST(drops(relay, ServerDrop::kUnknownFrame) == 1u);
  auto frames = relay.raw_frames(1);
  BOOST_TEST_REQUIRE(frames.size() == 1u);
  BOOST_TEST(frames[0].first == static_cast<uint8_t>(FrameType::kPong));
  BOOST_TEST((frames[0].second == std::vector<uint8_t>{1, 2, 3, 4, 5, 6, 7, 8}));
}

BOOST_AUTO_TEST_CASE(forgets_a_closed_connection) {
  TwoClients t;
  t.relay.close(1);
  BOOST_TEST(t.relay.server.stats().connections == 1u);
  BOOST_TEST(t.relay.server.stats().clients == 1u);
  BOOST_TEST(t.relay.server.queued(1) == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
