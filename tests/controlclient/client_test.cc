// Tests of the control client core (lib/controlclient/client.h) against a scripted fake server
// over the real channel: registration, the stream, deltas, rotation, keepalives, backoff and
// every refusal.
#define BOOST_TEST_MODULE controlclient_client
#include <boost/test/unit_test.hpp>

#include "control/message_samples.h"
#include "controlclient/client.h"
#include "harness.h"
#include "support/fuzz_seeds.h"

namespace weft::core {

// Boost.Test prints the values of a failed check; keys print as their first bytes.
template <class Role>
std::ostream& boost_test_print_type(std::ostream& os, const PublicKey<Role>& k) {
  return os << "key " << int{k.bytes[0]} << "," << int{k.bytes[1]} << ",...";
}
template <class Role>
std::ostream& boost_test_print_type(std::ostream& os, const PrivateKey<Role>&) {
  return os << "(private key)";
}
inline std::ostream& boost_test_print_type(std::ostream& os, const Duration& d) {
  return os << d.count() << " ns";
}

}  // namespace weft::core

namespace weft::control {

inline std::ostream& boost_test_print_type(std::ostream& os, const NodeId& n) {
  return os << "node " << n.value;
}

}  // namespace weft::control

namespace weft::controlclient {

std::ostream& operator<<(std::ostream& os, ClientState s) { return os << to_string(s); }
std::ostream& operator<<(std::ostream& os, EventKind k) { return os << to_string(k); }

namespace {

using namespace test;
using control::NodeId;

control::RegisterResponse authorized(uint64_t node = 7) {
  control::RegisterResponse r;
  r.status = control::RegisterStatus::kAuthorized;
  r.node = NodeId{node};
  r.key_expiry = core::WallTime{} + std::chrono::hours(1000000);
  return r;
}

control::RegisterResponse pending(uint64_t node = 7) {
  control::RegisterResponse r = authorized(node);
  r.status = control::RegisterStatus::kPendingApproval;
  return r;
}

control::RegisterResponse refused(const char* code) {
  control::RegisterResponse r;
  r.status = control::RegisterStatus::kRefused;
  r.error_code = code;
  r.error_message = "no";
  return r;
}

control::Peer peer(uint64_t id, const std::string& name) {
  control::Peer p;
  p.id = NodeId{id};
  p.name = name;
  p.dns_name = name + ".weft.internal";
  p.node_key.bytes[0] = static_cast<uint8_t>(id);
  p.addresses.push_back(util::IpAddress::v4({100, 64, 0, static_cast<uint8_t>(id)}));
  return p;
}

control::FilterRule rule(uint16_t port) {
  control::FilterRule r;
  r.sources.push_back(*util::IpPrefix::parse("100.64.0.0/10"));
  r.destinations.push_back(*util::IpPrefix::parse("100.64.0.7/32"));
  r.protocol = 6;
  r.port_first = r.port_last = port;
  return r;
}

control::MapResponse full_map(uint64_t seq, std::vector<uint64_t> peer_ids) {
  control::MapResponse m;
  m.seq = seq;
  m.self = peer(7, "laptop");
  for (uint64_t id : peer_ids) m.peers.push_back(peer(id, "peer" + std::to_string(id)));
  m.filter.push_back(rule(22));
  m.dns.domain = "weft.internal";
  m.policy_version = 3;
  return m;
}

/// Connects, registers (authorized) and receives a full map with peers 2 and 3.
void stream(Harness& h) {
  h.connect();
  h.send(authorized());
  h.send(full_map(1, {2, 3}));
  BOOST_REQUIRE_EQUAL(h.client->state(), ClientState::kStreaming);
  h.take_events();
}

/// A started client that has not connected yet.
struct Started {
  Harness h;
  Client& c = h.start();
};

/// A client streaming, its model holding the full map of stream().
struct Streaming : Started {
  Streaming() { stream(h); }
};

core::Duration delay_until_reconnect(Harness& h) {
  auto d = h.client->next_deadline();
  BOOST_REQUIRE(d.has_value());
  return *d - h.now.mono;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(client)

BOOST_AUTO_TEST_CASE(refuses_a_config_without_keys) {
  ClientConfig c;
  auto r = Client::create(c);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().code == "controlclient.config");
  Harness h;
  h.config.hostinfo.hostname = std::string(64, 'a');
  BOOST_TEST(!Client::create(h.config).ok());
  // As the server's decoder would: one lowercase DNS label.
  h.config.hostinfo.hostname = "Laptop";
  auto upper = Client::create(h.config);
  BOOST_REQUIRE(!upper.ok());
  BOOST_TEST(upper.error().detail.find("hostinfo.hostname") != std::string::npos);
  h.config.hostinfo.hostname = "";
  BOOST_TEST(Client::create(h.config).ok());
}

BOOST_FIXTURE_TEST_CASE(registers_and_opens_the_stream_when_authorized, Started) {
  BOOST_TEST(c.wants_connection(h.now));
  h.connect();
  BOOST_TEST(c.state() == ClientState::kRegistering);
  BOOST_TEST(h.server.conn->machine == public_of<core::MachinePublicKey>(h.machine_key));
  auto reg = h.last_received<control::RegisterRequest>();
  BOOST_REQUIRE(reg.has_value());
  BOOST_TEST(reg->capability_version == control::kCapabilityVersion);
  BOOST_TEST(reg->node_key == public_of<core::NodePublicKey>(h.node_key));
  BOOST_TEST(!reg->old_node_key.has_value());
  BOOST_TEST(reg->disco_key == h.config.disco_key);
  BOOST_TEST(reg->auth_key == "weftkey-test");
  BOOST_TEST(reg->hostinfo.hostname == "laptop");

  h.send(authorized(7));
  BOOST_TEST(c.state() == ClientState::kStreaming);
  Event e = h.only_event(EventKind::kRegistered);
  BOOST_TEST(e.node == NodeId{7});
  BOOST_TEST((e.key_expiry == authorized().key_expiry));
  BOOST_TEST((c.node_id() == std::optional<NodeId>(NodeId{7})));
  auto map_request = h.last_received<control::MapRequest>();
  BOOST_REQUIRE(map_request.has_value());
  BOOST_TEST(map_request->node_key == c.node_public_key());
  BOOST_TEST(map_request->policy_version == 0u);

  h.send(full_map(1, {2, 3}));
  BOOST_TEST(c.netmap().complete);
  BOOST_TEST(c.netmap().peers.size() == 2u);
  BOOST_TEST(c.netmap().self.name == "laptop");
  BOOST_TEST(c.netmap().dns.domain == "weft.internal");
  BOOST_TEST(c.netmap().policy_version == 3u);
  e = h.only_event(EventKind::kNetmapChanged);
  BOOST_TEST(e.change.full);
  BOOST_TEST(e.change.peers == 2u);
  BOOST_TEST(c.counters().full_maps == 1u);
  BOOST_TEST(h.server.connections == 1);
}

BOOST_FIXTURE_TEST_CASE(waits_on_the_same_connection_while_pending_approval, Started) {
  h.connect();
  h.send(pending(9));
  BOOST_TEST(c.state() == ClientState::kPendingApproval);
  Event e = h.only_event(EventKind::kPendingApproval);
  BOOST_TEST(e.node == NodeId{9});
  // Waiting is not a timeout: keepalives keep the connection, the server's keep it alive.
  for (int i = 0; i < 5; ++i) {
    h.run_deadline();
    h.send(control::KeepAlive{});
  }
  BOOST_TEST(c.state() == ClientState::kPendingApproval);
  BOOST_TEST(h.received<control::KeepAlive>().size() == 5u);
  BOOST_TEST(h.received<control::MapRequest>().empty());

  h.send(authorized(9));
  BOOST_TEST(c.state() == ClientState::kStreaming);
  BOOST_TEST(h.received<control::MapRequest>().size() == 1u);
  BOOST_TEST(h.server.connections == 1);
  BOOST_TEST(c.counters().timeouts == 0u);
}

BOOST_FIXTURE_TEST_CASE(waits_on_the_same_connection_for_a_login, Started) {
  h.connect();
  control::RegisterResponse needs;
  needs.status = control::RegisterStatus::kNeedsLogin;
  needs.auth_url = "https://weft.example/login/abc";
  h.send(needs);
  BOOST_TEST(c.state() == ClientState::kAwaitingLogin);
  Event e = h.only_event(EventKind::kLoginRequired);
  BOOST_TEST(e.url == "https://weft.example/login/abc");
  for (int i = 0; i < 5; ++i) {
    h.run_deadline();
    h.send(control::KeepAlive{});
  }
  BOOST_TEST(c.state() == ClientState::kAwaitingLogin);
  BOOST_TEST(c.counters().timeouts == 0u);
  h.send(authorized(9));
  BOOST_TEST(c.state() == ClientState::kStreaming);
  BOOST_TEST(h.received<control::MapRequest>().size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(a_refused_login_stops_with_its_reason, Started) {
  h.connect();
  control::RegisterResponse needs;
  needs.status = control::RegisterStatus::kNeedsLogin;
  h.send(needs);
  control::RegisterResponse no = refused("oidc.not_allowed");
  no.error_message = "mallory@other.org may not join this tailnet";
  h.send(no);
  BOOST_TEST(c.state() == ClientState::kStopped);
  BOOST_TEST(c.stop_code() == "oidc.not_allowed");
}

BOOST_FIXTURE_TEST_CASE(refused_registration_stops_until_a_new_auth_key, Started) {
  h.connect();
  h.send(refused("auth_key.expired"));
  BOOST_TEST(c.state() == ClientState::kStopped);
  BOOST_TEST(c.stop_code() == "auth_key.expired");
  BOOST_TEST(h.closes == 1);
  Event e = h.only_event(EventKind::kRefused);
  BOOST_TEST(e.code == "auth_key.expired");
  BOOST_TEST(e.message == "no");
  BOOST_TEST(e.stopped);
  BOOST_TEST(c.counters().registrations_refused == 1u);

  h.advance(std::chrono::hours(1));
  BOOST_TEST(!c.wants_connection(h.now));
  BOOST_TEST(!c.next_deadline().has_value());
  BOOST_TEST(!c.connected(h.now, h.rng).ok());

  BOOST_REQUIRE(c.set_auth_key("weftkey-second", h.now).ok());
  BOOST_TEST(c.state() == ClientState::kDisconnected);
  h.connect();
  auto reg = h.last_received<control::RegisterRequest>();
  BOOST_REQUIRE(reg.has_value());
  BOOST_TEST(reg->auth_key == "weftkey-second");
}

BOOST_FIXTURE_TEST_CASE(a_transient_refusal_backs_off_and_retries, Started) {
  h.connect();
  h.send(refused("control.store"));
  BOOST_TEST(c.state() == ClientState::kDisconnected);
  BOOST_TEST(!h.only_event(EventKind::kRefused).stopped);
  h.run_deadline();
  BOOST_TEST(c.wants_connection(h.now));
  h.connect();
  BOOST_TEST(h.last_received<control::RegisterRequest>()->auth_key == "weftkey-test");
}

BOOST_FIXTURE_TEST_CASE(applies_a_full_map_then_deltas_in_order, Streaming) {
  control::MapDelta d;
  d.seq = 2;
  control::Peer changed = peer(2, "peer2-renamed");
  d.upserted = {changed, peer(4, "peer4")};
  d.removed = {NodeId{3}};
  h.send(d);
  const NetMap& m = c.netmap();
  BOOST_TEST(m.seq == 2u);
  BOOST_REQUIRE_EQUAL(m.peers.size(), 2u);
  BOOST_TEST(m.peers.at(NodeId{2}).name == "peer2-renamed");
  BOOST_TEST(m.peers.count(NodeId{3}) == 0u);
  BOOST_TEST(m.peers.count(NodeId{4}) == 1u);
  BOOST_TEST(m.filter.size() == 1u);  // unchanged: not set in the delta
  BOOST_TEST(m.policy_version == 3u);
  Event e = h.only_event(EventKind::kNetmapChanged);
  BOOST_TEST(!e.change.full);
  BOOST_TEST(e.change.upserted == 2u);
  BOOST_TEST(e.change.removed == 1u);
  BOOST_TEST(!e.change.filter_changed);

  control::MapDelta f;
  f.seq = 3;
  f.filter = std::vector<control::FilterRule>{rule(80), rule(443)};
  control::Peer self = peer(7, "laptop-2");
  f.self = self;
  f.policy_version = 4;
  h.send(f);
  BOOST_TEST(m.seq == 3u);
  BOOST_TEST(m.filter.size() == 2u);
  BOOST_TEST(m.filter[1].port_first == 443);
  BOOST_TEST(m.self.name == "laptop-2");
  BOOST_TEST(m.policy_version == 4u);
  BOOST_TEST(m.peers.size() == 2u);
  e = h.only_event(EventKind::kNetmapChanged);
  BOOST_TEST(e.change.filter_changed);
  BOOST_TEST(e.change.self_changed);
  BOOST_TEST(e.change.policy_changed);
  BOOST_TEST(c.counters().deltas == 2u);

  // An empty filter is a filter too: it replaces the rules with none.
  control::MapDelta empty;
  empty.seq = 4;
  empty.filter = std::vector<control::FilterRule>{};
  h.send(empty);
  BOOST_TEST(m.filter.empty());
}

BOOST_FIXTURE_TEST_CASE(reconnects_for_a_full_map_after_a_seq_gap, Streaming) {
  control::MapDelta d;
  d.seq = 3;  // 2 was lost
  d.removed = {NodeId{2}};
  h.send(d);
  BOOST_TEST(c.counters().seq_gaps == 1u);
  BOOST_TEST(h.closes == 1);
  BOOST_TEST(c.state() == ClientState::kDisconnected);
  // The model is kept as it was until the full map replaces it.
  BOOST_TEST(c.netmap().peers.size() == 2u);
  BOOST_TEST(c.netmap().seq == 1u);

  h.run_deadline();
  h.connect();
  BOOST_TEST(h.server.connections == 2);
  // A registered machine reconnects without the auth key.
  auto reg = h.last_received<control::RegisterRequest>();
  BOOST_REQUIRE(reg.has_value());
  BOOST_TEST(reg->auth_key.empty());
  BOOST_TEST(reg->node_key == c.node_public_key());
  h.send(authorized());
  BOOST_TEST(h.last_received<control::MapRequest>()->policy_version == 3u);
  h.send(full_map(1, {4}));
  BOOST_TEST(c.netmap().peers.size() == 1u);
  BOOST_TEST(c.netmap().peers.count(NodeId{4}) == 1u);
}

BOOST_FIXTURE_TEST_CASE(rotates_its_node_key_when_asked, Streaming) {
  const core::NodePublicKey old_key = c.node_public_key();
  h.send(control::RotateKey{});
  auto regs = h.received<control::RegisterRequest>();
  BOOST_REQUIRE_EQUAL(regs.size(), 2u);
  BOOST_REQUIRE(regs[1].old_node_key.has_value());
  BOOST_TEST(*regs[1].old_node_key == old_key);
  BOOST_TEST(regs[1].node_key != old_key);
  BOOST_TEST(regs[1].auth_key.empty());
  // Until the server answers, the old key stays in use; a repeated request changes nothing.
  BOOST_TEST(c.node_public_key() == old_key);
  h.send(control::RotateKey{});
  BOOST_TEST(h.received<control::RegisterRequest>().size() == 2u);

  h.send(authorized());
  BOOST_TEST(c.node_public_key() == regs[1].node_key);
  Event e = h.only_event(EventKind::kKeyRotated);
  BOOST_TEST(public_of<core::NodePublicKey>(e.node_key) == regs[1].node_key);
  BOOST_TEST(e.node_key == c.node_key());
  BOOST_TEST(c.state() == ClientState::kStreaming);
  BOOST_TEST(h.received<control::MapRequest>().size() == 1u);  // the stream goes on
  BOOST_TEST(c.counters().key_rotations == 1u);

  control::MapDelta d;
  d.seq = 2;
  control::Peer self = peer(7, "laptop");
  self.node_key = regs[1].node_key;
  d.self = self;
  h.send(d);
  BOOST_TEST(c.netmap().self.node_key == c.node_public_key());
}

BOOST_FIXTURE_TEST_CASE(retries_an_unanswered_rotation_with_the_same_new_key, Streaming) {
  const core::NodePublicKey old_key = c.node_public_key();
  h.send(control::RotateKey{});
  const control::RegisterRequest first = *h.last_received<control::RegisterRequest>();
  h.server_closes();
  h.run_deadline();
  h.connect();
  const control::RegisterRequest retry = *h.last_received<control::RegisterRequest>();
  BOOST_TEST(retry.node_key == first.node_key);
  BOOST_REQUIRE(retry.old_node_key.has_value());
  BOOST_TEST(*retry.old_node_key == old_key);
  h.send(authorized());
  BOOST_TEST(c.node_public_key() == first.node_key);
  // A new connection: the map request follows, with the new key.
  BOOST_TEST(h.last_received<control::MapRequest>()->node_key == first.node_key);
}

BOOST_FIXTURE_TEST_CASE(sends_keepalive_after_an_interval_without_sending, Streaming) {
  const core::Duration streaming_since = h.now.mono;
  BOOST_TEST(*c.next_deadline() == streaming_since + 60s);
  h.advance(59s);
  c.on_deadline(h.now, h.rng);
  h.pump();
  BOOST_TEST(h.received<control::KeepAlive>().empty());
  h.send(control::KeepAlive{});  // the server's keepalive does not count as sending
  h.advance(1s);
  c.on_deadline(h.now, h.rng);
  h.pump();
  BOOST_TEST(h.received<control::KeepAlive>().size() == 1u);
  BOOST_TEST(c.counters().keepalives_sent == 1u);
  // Sending something else postpones the next one.
  h.advance(30s);
  BOOST_REQUIRE(c.set_endpoints({*core::SocketAddress::parse("192.0.2.1:41641")}, 1, h.now).ok());
  h.pump();
  BOOST_TEST(*c.next_deadline() == h.now.mono + 60s);
}

BOOST_FIXTURE_TEST_CASE(closes_a_connection_silent_for_three_intervals, Streaming) {
  const core::Duration last_heard = h.now.mono;
  while (c.state() == ClientState::kStreaming) h.run_deadline();
  BOOST_TEST(h.now.mono == last_heard + 180s);
  BOOST_TEST(c.counters().dead_connections == 1u);
  BOOST_TEST(h.closes == 1);
  BOOST_TEST(h.received<control::KeepAlive>().size() == 2u);  // at 60 s and 120 s
  BOOST_TEST(c.state() == ClientState::kDisconnected);
}

BOOST_FIXTURE_TEST_CASE(times_out_when_the_server_never_answers_the_hello, Started) {
  h.server.answer_hello = false;
  h.connect();
  BOOST_TEST(c.state() == ClientState::kHandshaking);
  h.run_deadline();
  BOOST_TEST(c.counters().timeouts == 1u);
  BOOST_TEST(h.closes == 1);
  BOOST_TEST(c.state() == ClientState::kDisconnected);
}

BOOST_FIXTURE_TEST_CASE(times_out_when_the_registration_is_not_answered, Started) {
  h.connect();
  const core::Duration connected_at = h.now.mono;
  h.run_deadline();
  BOOST_TEST(h.now.mono == connected_at + 10s);
  BOOST_TEST(c.counters().timeouts == 1u);
  BOOST_TEST(c.state() == ClientState::kDisconnected);
}

BOOST_FIXTURE_TEST_CASE(backoff_grows_and_resets_after_a_full_map, Started) {
  // Each connection ends after the server spoke (its handshake reply) and before it answered
  // the registration: server trouble, so the delay doubles.
  core::Duration ceiling = 1s;
  for (int attempt = 0; attempt < 9; ++attempt) {
    h.connect();
    h.server_closes();
    const core::Duration d = delay_until_reconnect(h);
    BOOST_TEST_CONTEXT("attempt " << attempt) {
      BOOST_TEST(d >= ceiling / 2);
      BOOST_TEST(d <= ceiling);
    }
    BOOST_TEST(!c.wants_connection(h.now));
    h.run_deadline();
    BOOST_TEST(c.wants_connection(h.now));
    ceiling = std::min<core::Duration>(ceiling * 2, 60s);
  }
  BOOST_TEST(ceiling == 60s);
  // A full map resets it.
  h.connect();
  h.send(authorized());
  h.send(full_map(1, {2}));
  h.server_closes();
  BOOST_TEST(delay_until_reconnect(h) <= 1s);
  BOOST_TEST(c.counters().connections == 10u);
}

/// A dial that fails (nothing listens, the SYN is lost): connected() then disconnected() with
/// nothing heard, as client.h asks of drivers.
void failed_dial(Harness& h) {
  BOOST_REQUIRE(h.client->wants_connection(h.now));
  BOOST_REQUIRE(h.client->connected(h.now, h.rng).ok());
  h.client->disconnected(h.now);
  h.pump();
}

BOOST_FIXTURE_TEST_CASE(an_unreachable_server_is_retried_soon_without_doubling, Started) {
  // A SYN every second or so for as long as the server is away: no doubling, so a returning
  // server is seen within unreachable_retry (0.8 s) + dial_timeout (1 s).
  core::Duration shortest = 1h, longest{};
  for (int attempt = 0; attempt < 50; ++attempt) {
    failed_dial(h);
    const core::Duration d = delay_until_reconnect(h);
    shortest = std::min(shortest, d);
    longest = std::max(longest, d);
    h.run_deadline();
  }
  BOOST_TEST(shortest >= 400ms);
  BOOST_TEST(longest <= 800ms);
  BOOST_TEST(longest - shortest >= 250ms);  // jittered, so a herd of nodes spreads out
  BOOST_TEST(c.counters().retries_unreachable == 50u);
  BOOST_TEST(c.counters().retries_refused == 0u);
  BOOST_TEST(h.server.connections == 0);
}

BOOST_AUTO_TEST_CASE(a_failed_dial_draws_the_hello_key_but_writes_no_hello) {
  // One client's dial connects and sends its hello; the other's fails (connected() then
  // disconnected(), nothing polled in between). Both drew the same random bytes: the failed
  // dial's hello key is drawn in order but never turned into a hello.
  Harness sent, failed;
  Client& a = sent.start();
  Client& b = failed.start();
  BOOST_REQUIRE(a.connected(sent.now, sent.rng).ok());
  BOOST_REQUIRE(b.connected(failed.now, failed.rng).ok());
  Transmit t;
  BOOST_REQUIRE(a.poll_transmit(t));
  BOOST_TEST(t.bytes.size() == control::kNodeHelloSize);
  BOOST_TEST(!t.close);
  a.disconnected(sent.now);
  b.disconnected(failed.now);
  BOOST_TEST(!b.poll_transmit(t));
  BOOST_TEST(sent.rng.next() == failed.rng.next());
  BOOST_TEST(b.counters().retries_unreachable == 1u);
}

BOOST_FIXTURE_TEST_CASE(unreachability_leaves_the_refusal_backoff_where_it_was, Started) {
  // Three connections the server closed after speaking (before answering the registration):
  // server trouble, the ceiling doubles to 8 s.
  for (int attempt = 0; attempt < 3; ++attempt) {
    h.connect();
    h.server_closes();
    h.run_deadline();
  }
  BOOST_TEST(c.counters().retries_refused == 3u);
  // Then it goes away: quick retries, and the ceiling stays at 8 s.
  for (int attempt = 0; attempt < 5; ++attempt) {
    failed_dial(h);
    BOOST_TEST(delay_until_reconnect(h) <= 800ms);
    h.run_deadline();
  }
  // Back and still in trouble: not retried faster than before the outage.
  h.connect();
  h.server_closes();
  const core::Duration d = delay_until_reconnect(h);
  BOOST_TEST(d >= 4s);
  BOOST_TEST(d <= 8s);
}

BOOST_FIXTURE_TEST_CASE(a_lost_stream_is_retried_soon, Streaming) {
  h.server_closes();
  BOOST_TEST(delay_until_reconnect(h) >= 400ms);
  BOOST_TEST(delay_until_reconnect(h) <= 800ms);
  BOOST_TEST(c.counters().retries_unreachable == 1u);
}

BOOST_FIXTURE_TEST_CASE(a_silent_stream_is_a_lost_path_retried_soon, Streaming) {
  // Three keepalive intervals without a byte from the server (a cut link): the stream is dead.
  for (int i = 0; i < 8 && c.counters().dead_connections == 0; ++i) h.run_deadline();
  BOOST_REQUIRE(c.counters().dead_connections == 1u);
  BOOST_TEST(c.counters().retries_unreachable == 1u);
  BOOST_TEST(c.counters().retries_refused == 0u);
  BOOST_TEST(delay_until_reconnect(h) <= 800ms);
}

BOOST_FIXTURE_TEST_CASE(a_server_that_does_not_answer_is_backed_off, Started) {
  // Connected, but no handshake reply within handshake_timeout: a stalled server.
  h.server.answer_hello = false;
  h.connect();
  h.run_deadline();
  BOOST_TEST(c.counters().timeouts == 1u);
  BOOST_TEST(c.counters().retries_refused == 1u);
  h.run_deadline();
  h.connect();
  h.run_deadline();
  const core::Duration d = delay_until_reconnect(h);
  BOOST_TEST(d >= 1s);  // the second refusal: ceiling 2 s
  BOOST_TEST(d <= 2s);
}

BOOST_FIXTURE_TEST_CASE(counts_a_malformed_server_message_and_closes, Streaming) {
  const Bytes garbage = {0x99, 1, 2, 3};
  h.send_raw(h.server.seal(view(garbage)));
  BOOST_TEST(c.counters().messages_malformed == 1u);
  BOOST_TEST(h.closes == 1);
  BOOST_TEST(c.state() == ClientState::kDisconnected);
  BOOST_TEST(c.netmap().peers.size() == 2u);
}

BOOST_FIXTURE_TEST_CASE(counts_a_forged_frame_and_closes, Streaming) {
  Bytes frame = h.server.seal(control::ServerMessage{control::KeepAlive{}});
  frame.back() ^= 1;
  h.send_raw(frame);
  BOOST_TEST(c.counters().frames_refused == 1u);
  BOOST_TEST(h.closes == 1);
}

BOOST_FIXTURE_TEST_CASE(counts_a_handshake_reply_that_does_not_verify, Started) {
  h.server.answer_hello = false;
  h.connect();
  Bytes reply(control::kServerHelloSize, 0);
  reply[3] = static_cast<uint8_t>(control::kServerHelloSize - control::kLengthPrefixSize);
  c.bytes(view(reply), h.now, h.rng);
  h.pump();
  BOOST_TEST(c.counters().handshakes_refused == 1u);
  BOOST_TEST(h.closes == 1);
  // A reply announcing a longer frame is refused once the expected size is there.
  h.run_deadline();
  h.connect();
  reply[2] = 1;
  c.bytes(view(reply), h.now, h.rng);
  h.pump();
  BOOST_TEST(c.counters().handshakes_refused == 2u);
}

BOOST_FIXTURE_TEST_CASE(refuses_messages_that_do_not_fit_the_state, Started) {
  h.connect();
  control::MapDelta d;
  d.seq = 1;
  h.send(d);  // before registration
  BOOST_TEST(c.counters().messages_unexpected == 1u);
  BOOST_TEST(c.state() == ClientState::kDisconnected);

  h.run_deadline();
  h.connect();
  h.send(authorized());
  h.send(authorized());  // a second answer without a request
  BOOST_TEST(c.counters().messages_unexpected == 2u);
}

BOOST_FIXTURE_TEST_CASE(refuses_a_map_that_lists_a_peer_twice, Started) {
  h.connect();
  h.send(authorized());
  h.send(full_map(1, {2, 2}));
  BOOST_TEST(c.counters().maps_refused == 1u);
  BOOST_TEST(!c.netmap().complete);
  BOOST_TEST(h.closes == 1);
}

BOOST_FIXTURE_TEST_CASE(removed_error_stops_reconnecting, Streaming) {
  h.send(control::ErrorMessage{"control.removed", "this device was removed"});
  BOOST_TEST(c.state() == ClientState::kStopped);
  BOOST_TEST(c.stop_code() == "control.removed");
  Event e = h.only_event(EventKind::kError);
  BOOST_TEST(e.code == "control.removed");
  BOOST_TEST(e.stopped);
  BOOST_TEST(h.closes == 1);
  h.advance(std::chrono::hours(24));
  BOOST_TEST(!c.wants_connection(h.now));
  BOOST_TEST(!c.next_deadline().has_value());
}

BOOST_FIXTURE_TEST_CASE(other_errors_close_and_reconnect, Streaming) {
  h.send(control::ErrorMessage{"control.replaced", "another connection"});
  BOOST_TEST(c.state() == ClientState::kDisconnected);
  BOOST_TEST(!h.only_event(EventKind::kError).stopped);
  h.run_deadline();
  BOOST_TEST(c.wants_connection(h.now));
}

BOOST_FIXTURE_TEST_CASE(key_expiry_registers_again_with_a_new_node_key_and_auth_key, Streaming) {
  const core::NodePublicKey expired = c.node_public_key();
  h.send(control::ErrorMessage{"control.key_expired", "register again"});
  BOOST_TEST(c.state() == ClientState::kStopped);
  h.take_events();
  BOOST_REQUIRE(c.set_auth_key("weftkey-renew", h.now).ok());
  h.connect();
  const control::RegisterRequest reg = *h.last_received<control::RegisterRequest>();
  BOOST_TEST(reg.node_key != expired);
  BOOST_TEST(!reg.old_node_key.has_value());
  BOOST_TEST(reg.auth_key == "weftkey-renew");
  BOOST_TEST(c.node_public_key() == expired);  // until the server takes the new one
  h.send(authorized());
  BOOST_TEST(c.node_public_key() == reg.node_key);
  auto events = h.take_events();
  BOOST_REQUIRE_EQUAL(events.size(), 2u);
  BOOST_TEST(events[0].kind == EventKind::kKeyRotated);
  BOOST_TEST(events[1].kind == EventKind::kRegistered);
  BOOST_TEST(h.last_received<control::MapRequest>()->node_key == reg.node_key);
}

BOOST_FIXTURE_TEST_CASE(sends_endpoints_in_the_map_request_and_as_updates, Started) {
  const auto a = *core::SocketAddress::parse("192.0.2.1:41641");
  const auto b = *core::SocketAddress::parse("[2001:db8::1]:41641");
  BOOST_REQUIRE(c.set_endpoints({a}, 3, h.now).ok());
  h.connect();
  h.send(authorized());
  auto mr = h.last_received<control::MapRequest>();
  BOOST_REQUIRE(mr.has_value());
  BOOST_TEST(mr->endpoints.size() == 1u);
  BOOST_TEST(mr->home_region == 3);
  BOOST_TEST(h.received<control::EndpointUpdate>().empty());

  BOOST_REQUIRE(c.set_endpoints({a, b}, 3, h.now).ok());
  h.pump();
  auto up = h.last_received<control::EndpointUpdate>();
  BOOST_REQUIRE(up.has_value());
  BOOST_TEST(up->endpoints.size() == 2u);
  BOOST_REQUIRE(c.set_endpoints({a, b}, 3, h.now).ok());  // unchanged: nothing sent
  h.pump();
  BOOST_TEST(h.received<control::EndpointUpdate>().size() == 1u);
  std::vector<core::SocketAddress> many(control::kMaxEndpoints + 1, a);
  BOOST_TEST(!c.set_endpoints(many, 3, h.now).ok());
}

BOOST_FIXTURE_TEST_CASE(ignores_bytes_after_it_asked_to_close, Streaming) {
  control::MapDelta gap;
  gap.seq = 9;
  Bytes both = h.server.seal(control::ServerMessage{gap});
  const Bytes more = h.server.seal(control::ServerMessage{control::KeepAlive{}});
  both.insert(both.end(), more.begin(), more.end());
  c.bytes(view(both), h.now, h.rng);
  BOOST_TEST(c.counters().seq_gaps == 1u);
  c.bytes(view(more), h.now, h.rng);
  c.disconnected(h.now);  // the driver's close of that connection: no second backoff step
  h.pump();
  BOOST_TEST(h.closes == 1);
  BOOST_TEST(delay_until_reconnect(h) <= 1s);
}

BOOST_FIXTURE_TEST_CASE(reports_each_policy_version_it_applies, Started) {
  h.connect();
  h.send(authorized(7));
  BOOST_TEST(h.last_received<control::MapRequest>()->policy_version == 0u);
  h.send(full_map(1, {2, 3}));  // policy version 3
  BOOST_TEST_REQUIRE(h.received<control::PolicyApplied>().size() == 1u);
  BOOST_TEST(h.last_received<control::PolicyApplied>()->version == 3u);
  control::MapDelta same;
  same.seq = 2;
  same.upserted = {peer(4, "peer4")};
  same.policy_version = 3;
  h.send(same);
  BOOST_TEST(h.received<control::PolicyApplied>().size() == 1u);  // nothing new to say
  control::MapDelta next;
  next.seq = 3;
  next.policy_version = 4;
  h.send(next);
  BOOST_TEST_REQUIRE(h.received<control::PolicyApplied>().size() == 2u);
  BOOST_TEST(h.last_received<control::PolicyApplied>()->version == 4u);
  // A new connection reports 4 in its MapRequest; a map of version 4 needs no PolicyApplied.
  h.server_closes();
  h.run_deadline();
  h.connect();
  h.send(authorized(7));
  BOOST_TEST(h.last_received<control::MapRequest>()->policy_version == 4u);
  control::MapResponse again = full_map(1, {2});
  again.policy_version = 4;
  h.send(again);
  BOOST_TEST(h.received<control::PolicyApplied>().size() == 2u);
}

// ---------------------------------------------------------------- the fuzz seed corpus

/// One input of tests/fuzz/control_client_fuzz: the state its fixture leads the client into
/// (0 registering, 1 pending, 2 streaming without a map, 3 streaming with a map of seq 1), then
/// what the server does, in the target's records.
struct FuzzSeed {
  enum Op : uint8_t { kMessage = 0, kFrame = 1, kRaw = 2, kWait = 3 };
  struct Step {
    Op op;
    control::ServerMessage message;  // kMessage, kFrame
    Bytes raw;                       // kRaw
    uint16_t seconds = 0;            // kWait
  };
  std::string name;
  uint8_t stage;
  std::vector<Step> steps;

  Bytes bytes() const {
    Bytes out{stage};
    for (const Step& s : steps) {
      Bytes body;
      if (s.op == kMessage || s.op == kFrame) body = control::encode(s.message);
      if (s.op == kFrame) body.insert(body.begin(), control::kFinalChunk);
      if (s.op == kRaw) body = s.raw;
      const std::size_t length = s.op == kWait ? s.seconds : body.size();
      out.push_back(s.op);
      out.push_back(static_cast<uint8_t>(length >> 8));
      out.push_back(static_cast<uint8_t>(length));
      out.insert(out.end(), body.begin(), body.end());
    }
    return out;
  }
};

FuzzSeed::Step message(control::ServerMessage m) { return {FuzzSeed::kMessage, std::move(m), {}}; }

control::MapDelta removes(uint64_t seq, uint64_t id) {
  control::MapDelta d;
  d.seq = seq;
  d.removed = {NodeId{id}};
  return d;
}

/// Every session the seeds hold, in the current layout (the fuzz target registers node 1; the
/// samples' self is node 1 too).
std::vector<FuzzSeed> fuzz_seeds() {
  namespace samples = control::test;
  control::RegisterResponse login;
  login.status = control::RegisterStatus::kNeedsLogin;
  login.auth_url = "https://weft.example/login/00112233445566778899aabbccddeeff";
  control::MapDelta grows = samples::sample_map_delta();  // peer 4, DNS and relays replaced
  grows.seq = 2;
  grows.removed.clear();
  control::MapDelta gap = samples::sample_incremental_delta();
  gap.seq = 5;
  return {
      {"refused", 0, {message(refused("auth_key.expired"))}},
      {"pending_keepalive_approved", 1,
       {{FuzzSeed::kWait, {}, {}, 61}, message(control::KeepAlive{}), message(authorized(1))}},
      {"needs_login_then_authorized", 0,
       {message(login), message(authorized(1)), message(samples::sample_map_response())}},
      {"register_map_delta", 0,
       {message(authorized(1)), message(samples::sample_map_response()),
        message(samples::sample_map_delta()), message(samples::sample_incremental_delta())}},
      {"frame_map_then_removed", 2,
       {{FuzzSeed::kFrame, samples::sample_map_response(), {}}, message(removes(42, 2))}},
      {"delta_rotate_gap", 3,
       {message(grows), message(control::RotateKey{}), message(gap)}},
      {"raw_garbage", 3, {{FuzzSeed::kRaw, {}, Bytes{0, 0, 0, 0x1e, 1, 2, 3}}}},
      {"server_error", 3, {message(samples::sample_error())}},
  };
}

// The seeds of tests/fuzz/control_client_fuzz are these sessions' bytes. Run with
// WEFT_WRITE_SEEDS=1 to rewrite them after a sample or the layout changes.
BOOST_AUTO_TEST_CASE(fuzz_seeds_are_the_encoded_sessions) {
  weft::test::Seeds seeds;
  for (const FuzzSeed& seed : fuzz_seeds()) {
    for (const FuzzSeed::Step& step : seed.steps) {
      if (step.op != FuzzSeed::kMessage && step.op != FuzzSeed::kFrame) continue;
      const Bytes b = control::encode(step.message);
      BOOST_TEST_INFO(seed.name);
      BOOST_TEST(control::decode_server_message(view(b)).ok());
    }
    seeds.emplace_back(seed.name, seed.bytes());
  }
  for (const std::string& name : weft::test::stale_seeds("control_client_fuzz", seeds)) {
    BOOST_ERROR(name << " differs from its session: rerun with WEFT_WRITE_SEEDS=1");
  }
}

// The seeds that start from a fresh connection reach what they are named after: the client
// takes today's map and deltas (a seed in an older layout would end at its first map, refused).
BOOST_FIXTURE_TEST_CASE(fuzz_seed_sessions_reach_the_stream, Started) {
  h.connect();
  for (const FuzzSeed& seed : fuzz_seeds()) {
    if (seed.name != "register_map_delta") continue;
    for (const FuzzSeed::Step& step : seed.steps) h.send(step.message);
  }
  BOOST_TEST(c.state() == ClientState::kStreaming);
  BOOST_TEST(c.netmap().complete);
  BOOST_TEST(c.netmap().seq == 43u);
  BOOST_TEST(c.netmap().peers.count(NodeId{2}) == 0u);
  BOOST_TEST(c.netmap().peers.count(NodeId{5}) == 1u);
  BOOST_TEST(c.netmap().dns.nameservers.size() == 1u);
  BOOST_TEST(c.netmap().policy_version == 100u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace weft::controlclient
