// The coordinator's token lifecycles: API tokens authorized per operation with their use made
// durable (a restart keeps the last use and the revocation), node-key expiry set by the operator
// (never, or later: authorized until then), and a log line for every use and
// refusal of a pre-auth key, an API token and a node key.
#define BOOST_TEST_MODULE coord_coordinator_tokens
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "coord/coordinator_harness.h"
#include "coord/registry.h"

using namespace weft;
using namespace weft::coord;
using namespace weft::coord::test;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> drain_log(Coordinator& c) {
  std::vector<std::string> out;
  std::string line;
  while (c.poll_log(line)) out.push_back(line);
  return out;
}

bool any_contains(const std::vector<std::string>& lines, const std::string& what) {
  for (const auto& l : lines)
    if (l.find(what) != std::string::npos) return true;
  return false;
}

}  // namespace

BOOST_AUTO_TEST_CASE(api_token_use_and_revocation_survive_a_restart) {
  World w;
  auto t = w.coordinator->create_api_token(ApiScope::kPolicy, std::nullopt, w.now, w.rng);
  BOOST_REQUIRE(t.ok());
  w.advance(1h);
  auto used = w.coordinator->authorize_api_token(t->text, "policy.set", w.now);
  BOOST_REQUIRE(used.ok());
  BOOST_TEST(used->ok());
  auto scoped = w.coordinator->authorize_api_token(t->text, "nodes.remove", w.now);
  BOOST_REQUIRE(scoped.ok());
  BOOST_TEST((*scoped->refusal == ApiTokenRefusal::kScope));
  const auto log = drain_log(*w.coordinator);
  BOOST_TEST(any_contains(log, "api token " + t->id.to_string() + " used for policy.set"));
  BOOST_TEST(any_contains(log, "refused for nodes.remove: api_token.scope"));
  BOOST_TEST(w.coordinator->counters().api_token_uses == 1u);
  BOOST_TEST(w.coordinator->counters().api_token_refusals == 1u);

  w.restart();
  const StoredApiToken* stored = w.coordinator->api_tokens().find(t->id);
  BOOST_REQUIRE(stored != nullptr);
  BOOST_TEST((stored->last_used == w.now.wall));
  BOOST_TEST(stored->uses == 1u);
  BOOST_REQUIRE(w.coordinator->revoke_api_token(t->id, w.now).ok());
  w.restart();
  auto revoked = w.coordinator->authorize_api_token(t->text, "policy.set", w.now);
  BOOST_REQUIRE(revoked.ok());
  BOOST_TEST((*revoked->refusal == ApiTokenRefusal::kRevoked));
  BOOST_TEST(any_contains(drain_log(*w.coordinator), "api_token.revoked"));
}

BOOST_AUTO_TEST_CASE(a_token_use_that_cannot_be_recorded_is_refused) {
  World w;
  auto t = w.coordinator->create_api_token(ApiScope::kAll, std::nullopt, w.now, w.rng);
  BOOST_REQUIRE(t.ok());
  w.store.fail = true;
  auto used = w.coordinator->authorize_api_token(t->text, "status", w.now);
  BOOST_TEST(!used.ok());
}

BOOST_AUTO_TEST_CASE(set_key_expiry_moves_the_deadline_and_never_keeps_the_node_in) {
  World w;
  TestNode& a = w.join(w.key("bob@example.com"), "a");
  const DeviceId id{id_of(a)};
  const auto before = *w.coordinator->registry().find(id)->key_expiry;
  BOOST_TEST((before == w.now.wall + kDefaultKeyExpiry));

  BOOST_REQUIRE(w.coordinator->set_key_expiry(id, std::nullopt, w.now).ok());
  w.pump();
  BOOST_TEST(!w.coordinator->registry().find(id)->key_expiry.has_value());
  // The node hears it in its own row.
  auto deltas = a.received<control::MapDelta>();
  BOOST_REQUIRE(!deltas.empty());
  BOOST_REQUIRE(deltas.back().self.has_value());
  BOOST_TEST(!deltas.back().self->key_expiry.has_value());
  w.advance(kDefaultKeyExpiry + 1h);
  BOOST_TEST((w.coordinator->registry().find(id)->state == DeviceState::kAuthorized));

  // A short expiry: authorized until then (the harness's nodes answer no keepalives, so the
  // state tells, not the stream), expired at the deadline.
  BOOST_REQUIRE(w.coordinator->set_key_expiry(id, core::Duration(2h), w.now).ok());
  w.advance(1h);
  BOOST_TEST((w.coordinator->registry().find(id)->state == DeviceState::kAuthorized));
  w.advance(1h + 1s);
  BOOST_TEST((w.coordinator->registry().find(id)->state == DeviceState::kExpired));
  // An expired key cannot be extended: the node logs in again.
  auto again = w.coordinator->set_key_expiry(id, core::Duration(24h), w.now);
  BOOST_REQUIRE(!again.ok());
  BOOST_TEST(again.error().code == "coord.key_expired");
  BOOST_TEST(w.coordinator->set_key_expiry(DeviceId{999}, std::nullopt, w.now).error().code ==
             "coord.unknown_device");
}

BOOST_AUTO_TEST_CASE(logs_every_use_and_refusal_of_pre_auth_and_node_keys) {
  World w;
  const std::string key = w.key("bob@example.com", {}, /*reusable=*/false);
  const std::string id = AuthKeys::parse(key)->first.to_string();
  TestNode& a = w.join(key, "a");
  auto log = drain_log(*w.coordinator);
  BOOST_TEST(any_contains(log, "pre-auth key " + id + " used: node " +
                                   std::to_string(id_of(a)) + " (host \"a\") registered"));
  // The spent key again, from another machine: refused with its code.
  TestNode& b = w.node();
  w.connect(b);
  w.send(b, w.register_request(b, key, "b"));
  log = drain_log(*w.coordinator);
  BOOST_TEST(any_contains(log, "registration refused (host \"b\") with pre-auth key " + id +
                                   ": auth_key.used"));
  // The node key: a reconnect is a use, an expired one a refusal.
  w.disconnect(a);
  w.connect(a);
  w.send(a, w.register_request(a, "", "a"));
  BOOST_TEST(any_contains(drain_log(*w.coordinator), "node key used (reconnected)"));
  BOOST_REQUIRE(w.coordinator->expire(DeviceId{id_of(a)}, w.now).ok());
  w.pump();
  w.connect(a);
  w.send(a, w.register_request(a, "", "a"));
  BOOST_TEST(any_contains(drain_log(*w.coordinator), "coord.key_expired"));
}
