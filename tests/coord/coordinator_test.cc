// The coordinator core driven by raw protocol nodes over an in-memory wire with a fake clock:
// registration, full maps and deltas, visibility, refusals, expiry, removal, approval, key
// rotation, keepalives, restarts and policy changes.
#define BOOST_TEST_MODULE coordinator
#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "coord/coordinator_harness.h"
#include "coord/registry.h"

using namespace weft;
using namespace weft::coord;
using namespace weft::coord::test;

namespace {

// alice's and bob's devices reach tag:web; tag:db reaches nothing and nothing reaches it.
const char* kPolicy = R"({
  "tagOwners": {"tag:web": ["alice@example.com"], "tag:db": ["alice@example.com"]},
  "acls": [{"action": "accept", "src": ["autogroup:member"], "dst": ["tag:web:443"]}]
})";

std::vector<uint64_t> ids_of(const std::map<uint64_t, control::Peer>& peers) {
  std::vector<uint64_t> out;
  for (const auto& [id, p] : peers) out.push_back(id);
  return out;
}

// True when any message the node received names `id` (as a peer, an upsert or a removal).
bool mentions(const TestNode& n, uint64_t id) {
  for (const auto& m : n.inbox) {
    if (auto* full = std::get_if<control::MapResponse>(&m)) {
      for (const auto& p : full->peers)
        if (p.id.value == id) return true;
    } else if (auto* d = std::get_if<control::MapDelta>(&m)) {
      for (const auto& p : d->upserted)
        if (p.id.value == id) return true;
      for (const auto& r : d->removed)
        if (r.value == id) return true;
    }
  }
  return false;
}

}  // namespace

BOOST_AUTO_TEST_CASE(registers_and_sends_full_map_of_visible_peers) {
  World w(kPolicy);
  const std::string web_key = w.key("alice@example.com", {"tag:web"});
  TestNode& web = w.join(web_key, "web");
  TestNode& laptop = w.join(w.key("bob@example.com"), "laptop");
  BOOST_TEST(w.coordinator->counters().registrations == 2u);
  BOOST_TEST(w.coordinator->streams() == 2u);

  auto full = laptop.received<control::MapResponse>();
  BOOST_REQUIRE(full.size() == 1u);
  BOOST_TEST(full[0].self.name == "laptop");
  BOOST_TEST(full[0].self.user == "bob@example.com");
  BOOST_TEST(full[0].self.dns_name == "laptop.weft.internal");
  BOOST_TEST(full[0].self.addresses.size() == 2u);
  BOOST_REQUIRE(full[0].peers.size() == 1u);
  BOOST_TEST(full[0].peers[0].name == "web");
  BOOST_TEST(full[0].peers[0].user.empty());  // tagged: belongs to no user
  BOOST_TEST(full[0].peers[0].online);
  BOOST_TEST(full[0].policy_version == 1u);
  // web learned about the laptop by a delta, and its filter gained the laptop on 443 (a join
  // adds the joiner's addresses, not the whole filter).
  BOOST_TEST(ids_of(model_of(web)) == std::vector<uint64_t>{id_of(laptop)});
  auto deltas = web.received<control::MapDelta>();
  BOOST_REQUIRE(!deltas.empty());
  bool tcp_443 = false;
  for (const auto& d : deltas) {
    BOOST_TEST(!d.filter);
    for (const auto& rule : d.filter_added)
      tcp_443 = tcp_443 || (rule.protocol == 6 && rule.port_first == 443 && rule.port_last == 443 &&
                            rule.sources.size() == 2u);
  }
  BOOST_TEST(tcp_443);
}

BOOST_AUTO_TEST_CASE(a_node_no_rule_connects_learns_nothing_and_is_learned_by_nobody) {
  World w(kPolicy);
  TestNode& web = w.join(w.key("alice@example.com", {"tag:web"}), "web");
  TestNode& laptop = w.join(w.key("bob@example.com"), "laptop");
  TestNode& db = w.join(w.key("alice@example.com", {"tag:db"}), "db");
  const uint64_t db_id = id_of(db);
  BOOST_TEST(!mentions(web, db_id));
  BOOST_TEST(!mentions(laptop, db_id));
  BOOST_TEST(model_of(db).empty());
  BOOST_TEST(db.received<control::MapResponse>().at(0).filter.empty());
}

BOOST_AUTO_TEST_CASE(removed_and_expired_devices_vanish_from_peers_and_lose_their_stream) {
  World w(kPolicy);
  TestNode& web = w.join(w.key("alice@example.com", {"tag:web"}), "web");
  TestNode& a = w.join(w.key("bob@example.com"), "a");
  TestNode& b = w.join(w.key("bob@example.com"), "b");
  BOOST_TEST(model_of(web).size() == 2u);

  BOOST_REQUIRE(w.coordinator->expire(DeviceId{id_of(a)}, w.now).ok());
  w.pump();
  BOOST_TEST(ids_of(model_of(web)) == std::vector<uint64_t>{id_of(b)});
  BOOST_TEST(a.closed);
  BOOST_REQUIRE(!a.received<control::ErrorMessage>().empty());
  BOOST_TEST(a.received<control::ErrorMessage>().back().code == "control.key_expired");

  BOOST_REQUIRE(w.coordinator->remove(DeviceId{id_of(b)}, w.now).ok());
  w.pump();
  BOOST_TEST(model_of(web).empty());
  BOOST_TEST(b.received<control::ErrorMessage>().back().code == "control.removed");

  // A removed device cannot come back, even with a fresh key.
  TestNode& again = *w.nodes[2];
  w.connect(again);
  w.send(again, w.register_request(again, w.key("bob@example.com"), "b"));
  auto r = again.received<control::RegisterResponse>().back();
  BOOST_TEST(static_cast<int>(r.status) == static_cast<int>(control::RegisterStatus::kRefused));
  BOOST_TEST(r.error_code == "coord.removed");
}

BOOST_AUTO_TEST_CASE(pending_device_is_in_no_map_until_approved) {
  World w(kPolicy, /*require_approval=*/true);
  const std::string key = w.key("alice@example.com", {"tag:web"});
  TestNode& web = w.join(key, "web");
  BOOST_TEST(static_cast<int>(web.received<control::RegisterResponse>().back().status) ==
             static_cast<int>(control::RegisterStatus::kPendingApproval));
  BOOST_REQUIRE(w.coordinator->approve(DeviceId{id_of(web)}, w.now).ok());
  w.pump();
  control::MapRequest m;
  m.node_key = web.node_key;
  w.send(web, m);

  TestNode& laptop = w.join(w.key("bob@example.com"), "laptop");
  BOOST_TEST(model_of(web).empty());      // the laptop is pending
  BOOST_TEST(!mentions(web, id_of(laptop)));
  BOOST_REQUIRE(w.coordinator->approve(DeviceId{id_of(laptop)}, w.now).ok());
  w.pump();
  BOOST_TEST(static_cast<int>(laptop.received<control::RegisterResponse>().back().status) ==
             static_cast<int>(control::RegisterStatus::kAuthorized));
  BOOST_TEST(ids_of(model_of(web)) == std::vector<uint64_t>{id_of(laptop)});
}

BOOST_AUTO_TEST_CASE(refuses_bad_auth_key_and_closes) {
  World w(kPolicy);
  TestNode& n = w.node();
  w.connect(n);
  w.send(n, w.register_request(n, "weftkey-nonsense", "x"));
  auto r = n.received<control::RegisterResponse>();
  BOOST_REQUIRE(r.size() == 1u);
  BOOST_TEST(r[0].error_code == "auth_key.malformed");
  BOOST_TEST(n.closed);
  BOOST_TEST(w.coordinator->counters().registrations_refused == 1u);
}

BOOST_AUTO_TEST_CASE(counts_and_closes_on_version_mismatch_and_garbage) {
  World w(kPolicy);
  TestNode& n = w.node();
  n.channel = std::make_unique<NodeChannel>(n.machine, w.server_public(), 2);
  n.closed = false;
  w.coordinator->connection_opened(n.conn, w.now);
  auto h = n.hello(w.rng);
  w.coordinator->connection_bytes(n.conn, core::ByteView{h.data(), h.size()}, w.now, w.rng);
  w.pump();
  BOOST_TEST(n.closed);
  BOOST_TEST(w.coordinator->counters().version_mismatches == 1u);

  // After a good handshake: a frame of garbage.
  TestNode& m = w.node();
  w.connect(m);
  std::vector<uint8_t> junk = {0, 0, 0, 40};
  junk.resize(44, 0xab);
  w.coordinator->connection_bytes(m.conn, core::ByteView{junk.data(), junk.size()}, w.now, w.rng);
  w.pump();
  BOOST_TEST(m.closed);
  BOOST_TEST(w.coordinator->counters().frames_refused == 1u);
}

BOOST_AUTO_TEST_CASE(malformed_message_gets_an_error_and_a_close) {
  World w(kPolicy);
  TestNode& n = w.node();
  w.connect(n);
  std::vector<uint8_t> bad = {0x7f, 1, 2, 3}, sealed;
  BOOST_REQUIRE(n.channel->sender.seal(core::ByteView{bad.data(), bad.size()},
                                       n.channel->transport, sealed).ok());
  w.coordinator->connection_bytes(n.conn, core::ByteView{sealed.data(), sealed.size()}, w.now,
                                  w.rng);
  w.pump();
  BOOST_TEST(n.closed);
  BOOST_TEST(w.coordinator->counters().messages_malformed == 1u);
  BOOST_TEST(n.received<control::ErrorMessage>().back().code == "control.unknown_message");
}

BOOST_AUTO_TEST_CASE(keepalives_flow_and_silent_nodes_are_dropped) {
  World w(kPolicy);
  TestNode& web = w.join(w.key("alice@example.com", {"tag:web"}), "web");
  w.advance(w.config.keepalive + std::chrono::seconds(1));
  BOOST_TEST(web.received<control::KeepAlive>().size() == 1u);
  BOOST_TEST(!web.closed);
  w.advance(3 * w.config.keepalive);
  BOOST_TEST(web.closed);
  BOOST_TEST(w.coordinator->streams() == 0u);
}

BOOST_AUTO_TEST_CASE(restart_keeps_devices_and_addresses_and_reconnects_without_a_key) {
  World w(kPolicy);
  TestNode& web = w.join(w.key("alice@example.com", {"tag:web"}), "web");
  const auto before = web.received<control::MapResponse>().at(0).self;
  w.restart();
  w.connect(web);
  w.send(web, w.register_request(web, "", "web"));
  auto r = web.received<control::RegisterResponse>().back();
  BOOST_TEST(static_cast<int>(r.status) == static_cast<int>(control::RegisterStatus::kAuthorized));
  BOOST_TEST(r.node.value == before.id.value);
  control::MapRequest m;
  m.node_key = web.node_key;
  w.send(web, m);
  const auto after = web.received<control::MapResponse>().back().self;
  BOOST_TEST(after.addresses == before.addresses);
  BOOST_TEST(after.name == before.name);
}

BOOST_AUTO_TEST_CASE(records_the_policy_version_a_streaming_node_applies) {
  World w(kPolicy);
  TestNode& web = w.join(w.key("alice@example.com", {"tag:web"}), "web");
  const DeviceId id{id_of(web)};
  // The MapRequest was sent before the first map: the node had no policy yet.
  BOOST_TEST(w.coordinator->registry().find(id)->policy_version == 0u);
  w.send(web, control::PolicyApplied{web.received<control::MapResponse>().at(0).policy_version});
  BOOST_TEST(!web.closed);
  BOOST_TEST(w.coordinator->registry().find(id)->policy_version == 1u);
  // A presence row: written with the lazy flush, so it survives a restart.
  w.advance(std::chrono::minutes(1));
  w.restart();
  BOOST_TEST(w.coordinator->registry().find(id)->policy_version == 1u);
}

BOOST_AUTO_TEST_CASE(refuses_policy_applied_outside_a_map_stream) {
  World w(kPolicy);
  TestNode& n = w.node();
  w.connect(n);
  w.send(n, control::PolicyApplied{1});
  BOOST_TEST(n.closed);
  BOOST_TEST(n.received<control::ErrorMessage>().back().code == "control.unexpected");
}

BOOST_AUTO_TEST_CASE(policy_change_sends_deltas_and_invalid_policy_is_refused) {
  World w(kPolicy);
  TestNode& web = w.join(w.key("alice@example.com", {"tag:web"}), "web");
  TestNode& laptop = w.join(w.key("bob@example.com"), "laptop");
  BOOST_TEST(model_of(laptop).size() == 1u);

  PolicyOutcome bad = w.coordinator->set_policy("{\"acls\": [", w.now);
  BOOST_TEST(!bad.valid);
  BOOST_TEST(!bad.findings.empty());
  BOOST_TEST(w.coordinator->policy_history().size() == 1u);

  // A test decided against the registry: bob is not an admin, so this test fails.
  const char* failing = R"({
    "tagOwners": {"tag:web": ["alice@example.com"]},
    "acls": [{"action": "accept", "src": ["autogroup:admin"], "dst": ["tag:web:443"]}],
    "tests": [{"src": "bob@example.com", "accept": ["tag:web:443"]}]
  })";
  PolicyOutcome refused = w.coordinator->set_policy(failing, w.now);
  BOOST_TEST(!refused.valid);
  BOOST_TEST(refused.failed_tests.size() == 1u);

  const char* cut = R"({"tagOwners": {"tag:web": ["alice@example.com"]}, "acls": []})";
  PolicyOutcome ok = w.coordinator->set_policy(cut, w.now);
  w.pump();
  BOOST_TEST(ok.valid);
  BOOST_TEST(ok.version == 2u);
  BOOST_TEST(model_of(laptop).empty());
  BOOST_TEST(model_of(web).empty());
  BOOST_TEST(w.store.policies.size() == 2u);
}

BOOST_AUTO_TEST_CASE(store_failure_refuses_and_marks_unhealthy) {
  World w(kPolicy);
  const std::string key = w.key("bob@example.com");
  w.store.fail = true;
  TestNode& n = w.node();
  w.connect(n);
  w.send(n, w.register_request(n, key, "x"));
  BOOST_TEST(n.received<control::RegisterResponse>().back().error_code == "control.store");
  BOOST_TEST(!w.coordinator->healthy());
}

BOOST_AUTO_TEST_CASE(rotation_replaces_the_node_key_and_peers_learn_it) {
  World w(kPolicy);
  TestNode& web = w.join(w.key("alice@example.com", {"tag:web"}), "web");
  TestNode& laptop = w.join(w.key("bob@example.com"), "laptop");
  BOOST_REQUIRE(w.coordinator->rotate(DeviceId{id_of(laptop)}, w.now).ok());
  w.pump();
  BOOST_TEST(laptop.received<control::RotateKey>().size() == 1u);
  control::RegisterRequest r = w.register_request(laptop, "", "laptop");
  r.old_node_key = laptop.node_key;
  r.node_key = public_of<core::NodePublicKey>(random_private<core::NodePrivateKey>(w.rng));
  w.send(laptop, r);
  BOOST_TEST(static_cast<int>(laptop.received<control::RegisterResponse>().back().status) ==
             static_cast<int>(control::RegisterStatus::kAuthorized));
  BOOST_TEST((model_of(web).at(id_of(laptop)).node_key == r.node_key));
  const Device* d = w.coordinator->registry().find(DeviceId{id_of(laptop)});
  BOOST_TEST((d->node_key == r.node_key));
}

BOOST_AUTO_TEST_CASE(ephemeral_device_is_removed_after_it_goes_offline) {
  World w(kPolicy);
  TestNode& web = w.join(w.key("alice@example.com", {"tag:web"}), "web");
  TestNode& eph = w.join(w.key("bob@example.com", {}, true, /*ephemeral=*/true), "ci");
  BOOST_TEST(model_of(web).size() == 1u);
  w.disconnect(eph);
  BOOST_TEST(!model_of(web).at(id_of(eph)).online);
  // web keeps its stream alive meanwhile, as a client does.
  for (auto waited = core::Duration::zero(); waited <= w.registry_config.ephemeral_timeout;
       waited += std::chrono::seconds(30)) {
    w.send(web, control::KeepAlive{});
    w.advance(std::chrono::seconds(30));
  }
  BOOST_TEST(!web.closed);
  BOOST_TEST(model_of(web).empty());
  BOOST_TEST((w.coordinator->registry().find(DeviceId{id_of(eph)})->state ==
              DeviceState::kRemoved));
}

namespace {

// Everything the coordinator queued, without reporting closes back: a driver that has not
// finished closing a connection yet.
std::vector<Transmit> drain(World& w) {
  std::vector<Transmit> out;
  Transmit t;
  while (w.coordinator->poll_transmit(t)) out.push_back(std::move(t));
  return out;
}

void feed(World& w, ConnectionId conn, const std::vector<uint8_t>& bytes) {
  w.coordinator->connection_bytes(conn, core::ByteView{bytes.data(), bytes.size()}, w.now, w.rng);
}

// A frame of garbage after the handshake: the channel is broken and the connection closes.
std::vector<uint8_t> junk_frame() {
  std::vector<uint8_t> junk = {0, 0, 0, 40};
  junk.resize(44, 0xab);
  return junk;
}

}  // namespace

BOOST_AUTO_TEST_CASE(approving_a_node_whose_connection_is_closing_sends_nothing_after_the_close) {
  World w(kPolicy, /*require_approval=*/true);
  TestNode& n = w.join(w.key("bob@example.com"), "laptop");
  const DeviceId id{id_of(n)};
  feed(w, n.conn, junk_frame());
  auto closing = drain(w);
  BOOST_REQUIRE(closing.size() == 1u);
  BOOST_TEST(closing[0].close);

  BOOST_REQUIRE(w.coordinator->approve(id, w.now).ok());
  BOOST_TEST(drain(w).empty());
  w.coordinator->connection_closed(n.conn, w.now);
  // The node comes back and finds itself approved.
  w.connect(n);
  w.send(n, w.register_request(n, "", "laptop"));
  BOOST_TEST(static_cast<int>(n.received<control::RegisterResponse>().back().status) ==
             static_cast<int>(control::RegisterStatus::kAuthorized));
}

BOOST_AUTO_TEST_CASE(refused_registration_closes_its_connection_once) {
  World w(kPolicy);
  TestNode& n = w.node();
  w.connect(n);
  feed(w, n.conn, n.seal(w.register_request(n, "weftkey-nonsense", "x")));
  auto refused = drain(w);
  BOOST_REQUIRE(refused.size() == 1u);
  BOOST_TEST(refused[0].close);
  // The handshake timer of the refused connection must not close it a second time.
  w.now.mono += w.config.handshake_timeout + std::chrono::seconds(1);
  w.coordinator->on_deadline(w.now, w.rng);
  BOOST_TEST(drain(w).empty());
}

BOOST_AUTO_TEST_CASE(removing_a_device_whose_stream_is_closing_closes_it_once) {
  World w(kPolicy);
  TestNode& n = w.join(w.key("bob@example.com"), "laptop");
  feed(w, n.conn, junk_frame());
  BOOST_REQUIRE(drain(w).size() == 1u);
  BOOST_REQUIRE(w.coordinator->remove(DeviceId{id_of(n)}, w.now).ok());
  BOOST_TEST(drain(w).empty());
}

BOOST_AUTO_TEST_CASE(device_expired_while_online_goes_offline_and_ephemeral_one_is_cleaned_up) {
  World w(kPolicy);
  TestNode& web = w.join(w.key("alice@example.com", {"tag:web"}), "web");
  TestNode& eph = w.join(w.key("bob@example.com", {}, true, /*ephemeral=*/true), "ci");
  const DeviceId id{id_of(eph)};
  BOOST_REQUIRE(w.coordinator->expire(id, w.now).ok());
  w.pump();
  BOOST_TEST(eph.closed);
  BOOST_TEST(!w.coordinator->registry().find(id)->online);
  for (auto waited = core::Duration::zero(); waited <= w.registry_config.ephemeral_timeout;
       waited += std::chrono::seconds(30)) {
    w.send(web, control::KeepAlive{});
    w.advance(std::chrono::seconds(30));
  }
  BOOST_TEST((w.coordinator->registry().find(id)->state == DeviceState::kRemoved));
}

BOOST_AUTO_TEST_CASE(stream_replaced_by_a_pending_registration_leaves_the_device_offline) {
  World w(kPolicy, /*require_approval=*/true);
  TestNode& n = w.join(w.key("alice@example.com"), "laptop");
  const DeviceId id{id_of(n)};
  BOOST_REQUIRE(w.coordinator->approve(id, w.now).ok());
  w.pump();
  control::MapRequest m;
  m.node_key = n.node_key;
  w.send(n, m);
  BOOST_REQUIRE(w.coordinator->registry().find(id)->online);

  // The same machine registers again on a new connection with a new node key and another
  // user's key: the device is pending again, and the old stream is replaced.
  const ConnectionId old = n.conn;
  w.connect(n);
  n.node_key = public_of<core::NodePublicKey>(random_private<core::NodePrivateKey>(w.rng));
  w.send(n, w.register_request(n, w.key("bob@example.com"), "laptop"));
  BOOST_REQUIRE(static_cast<int>(n.received<control::RegisterResponse>().back().status) ==
                static_cast<int>(control::RegisterStatus::kPendingApproval));
  w.coordinator->connection_closed(old, w.now);
  w.disconnect(n);
  BOOST_TEST(!w.coordinator->registry().find(id)->online);
  BOOST_TEST(w.coordinator->streams() == 0u);
}

BOOST_AUTO_TEST_CASE(refuses_a_message_larger_than_any_node_sends) {
  World w(kPolicy);
  TestNode& n = w.node();
  w.connect(n);
  const std::vector<uint8_t> big(1u << 20, 0x01);
  std::vector<uint8_t> sealed;
  BOOST_REQUIRE(n.channel->sender.seal(core::ByteView{big.data(), big.size()},
                                       n.channel->transport, sealed).ok());
  feed(w, n.conn, sealed);
  w.pump();
  BOOST_TEST(n.closed);
  BOOST_TEST(w.coordinator->counters().frames_refused == 1u);
  BOOST_TEST(w.coordinator->counters().messages_malformed == 0u);
  BOOST_TEST(n.received<control::ErrorMessage>().back().code == "control.message_too_large");
}

BOOST_AUTO_TEST_CASE(tag_change_reaches_the_device_itself) {
  World w(kPolicy);
  TestNode& n = w.join(w.key("alice@example.com"), "laptop");
  BOOST_REQUIRE(n.received<control::MapResponse>().at(0).self.key_expiry.has_value());
  BOOST_REQUIRE(w.coordinator->set_tags(DeviceId{id_of(n)}, {"tag:web"}, w.now).ok());
  w.pump();
  auto deltas = n.received<control::MapDelta>();
  BOOST_REQUIRE(!deltas.empty());
  BOOST_REQUIRE(deltas.back().self.has_value());
  BOOST_TEST(deltas.back().self->tags == std::vector<std::string>{"tag:web"});
  BOOST_TEST(!deltas.back().self->key_expiry.has_value());  // tagged devices do not expire
}
