// Interactive login in the coordinator (coord/coordinator_login.cc, registry_login.cc; docs/
// identity.md): a registration without an auth key waits under a login link; a proven identity
// registers the machine as its user's device (created, or bound by verified e-mail); refusals
// reach the node; links are single use; re-authentication keeps the device.
#define BOOST_TEST_MODULE coord_coordinator_login
#include <boost/test/unit_test.hpp>

#include "coord/coordinator_harness.h"
#include "coord/registry.h"

using namespace weft;
using namespace weft::coord;
using namespace weft::coord::test;

namespace {

constexpr char kPrefix[] = "https://weft.example/login/";

struct LoginWorld : World {
  LoginWorld() {
    config.login_url_prefix = kPrefix;
    restart();
  }
  /// Connects `n` and registers it without an auth key: the login id it was given.
  std::string ask_login(TestNode& n, bool force_reauth = false) {
    if (n.closed) connect(n);
    auto r = register_request(n, "", "laptop");
    r.force_reauth = force_reauth;
    send(n, r);
    auto resp = n.received<control::RegisterResponse>();
    BOOST_REQUIRE(!resp.empty());
    BOOST_REQUIRE(resp.back().status == control::RegisterStatus::kNeedsLogin);
    const std::string url = resp.back().auth_url;
    BOOST_REQUIRE(url.rfind(kPrefix, 0) == 0);
    return url.substr(sizeof kPrefix - 1);
  }
  Result<LoginResult> login(const std::string& id, ProvenIdentity who) {
    auto r = coordinator->complete_login(id, who, now, rng);
    pump();
    return r;
  }
};

ProvenIdentity alice() {
  return {"https://idp.example", "sub-alice", "alice@example.com", {"group:eng@example.com"}};
}

}  // namespace

BOOST_AUTO_TEST_CASE(registers_the_waiting_node_as_the_logged_in_user) {
  LoginWorld w;
  TestNode& n = w.node();
  const std::string id = w.ask_login(n);
  BOOST_TEST(id.size() == 32u);
  BOOST_TEST(w.coordinator->login_waiting(id));
  auto r = w.login(id, alice());
  BOOST_REQUIRE_MESSAGE(r.ok(), (r ? "" : r.error().detail));
  BOOST_TEST(r->user == "alice@example.com");
  BOOST_TEST(r->user_created);
  auto resp = n.received<control::RegisterResponse>();
  BOOST_TEST((resp.back().status == control::RegisterStatus::kAuthorized));
  const User* u = w.coordinator->registry().find_user("alice@example.com");
  BOOST_REQUIRE(u != nullptr);
  BOOST_TEST(u->oidc_subject == "sub-alice");
  BOOST_TEST(u->groups == std::vector<std::string>{"group:eng@example.com"});
  const Device* d = w.coordinator->registry().find(r->device);
  BOOST_REQUIRE(d != nullptr);
  BOOST_TEST(d->user.value == u->id.value);
  BOOST_TEST(!d->auth_key.has_value());
  // The link is single use.
  BOOST_TEST(!w.coordinator->login_waiting(id));
  BOOST_TEST(w.login(id, alice()).error().code == "coord.unknown_login");
}

BOOST_AUTO_TEST_CASE(binds_an_operator_created_user_by_verified_email) {
  LoginWorld w;
  auto created = w.coordinator->create_user("alice@example.com", Role::kAdmin, w.now);
  BOOST_REQUIRE(created.ok());
  TestNode& n = w.node();
  auto r = w.login(w.ask_login(n), alice());
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(!r->user_created);
  const User* u = w.coordinator->registry().find_user("alice@example.com");
  BOOST_TEST(u->id.value == created->id.value);
  BOOST_TEST((u->role == Role::kAdmin));
  BOOST_TEST(u->oidc_issuer == "https://idp.example");
  // Another account of the provider claiming the same e-mail is refused, and the node told.
  TestNode& m = w.node();
  ProvenIdentity other = alice();
  other.subject = "sub-impostor";
  auto refused = w.login(w.ask_login(m), other);
  BOOST_TEST(refused.error().code == "coord.identity_conflict");
  auto resp = m.received<control::RegisterResponse>();
  BOOST_TEST((resp.back().status == control::RegisterStatus::kRefused));
  BOOST_TEST(resp.back().error_code == "coord.identity_conflict");
}

BOOST_AUTO_TEST_CASE(a_refused_login_reaches_the_node) {
  LoginWorld w;
  TestNode& n = w.node();
  const std::string id = w.ask_login(n);
  w.coordinator->refuse_login(id, "oidc.not_allowed", "mallory@other.org may not join", w.now);
  w.pump();
  auto resp = n.received<control::RegisterResponse>();
  BOOST_TEST((resp.back().status == control::RegisterStatus::kRefused));
  BOOST_TEST(resp.back().error_message == "mallory@other.org may not join");
  BOOST_TEST(n.closed);
  BOOST_TEST(!w.coordinator->login_waiting(id));
  BOOST_TEST(w.coordinator->registry().users().empty());
}

BOOST_AUTO_TEST_CASE(a_closed_connection_forgets_its_link) {
  LoginWorld w;
  TestNode& n = w.node();
  const std::string id = w.ask_login(n);
  w.disconnect(n);
  BOOST_TEST(!w.coordinator->login_waiting(id));
  BOOST_TEST(w.login(id, alice()).error().code == "coord.unknown_login");
}

BOOST_AUTO_TEST_CASE(force_reauth_keeps_the_device_and_its_addresses) {
  LoginWorld w;
  TestNode& n = w.node();
  auto first = w.login(w.ask_login(n), alice());
  BOOST_REQUIRE(first.ok());
  const Device before = *w.coordinator->registry().find(first->device);
  w.disconnect(n);
  // A plain reconnect needs no login.
  w.connect(n);
  w.send(n, w.register_request(n, "", "laptop"));
  BOOST_TEST((n.received<control::RegisterResponse>().back().status ==
              control::RegisterStatus::kAuthorized));
  w.disconnect(n);
  // --force-reauth does, and lands on the same device; new groups come with it.
  ProvenIdentity again = alice();
  again.groups = {"group:ops@example.com"};
  w.now.wall += std::chrono::hours(1);
  auto second = w.login(w.ask_login(n, true), again);
  BOOST_REQUIRE(second.ok());
  BOOST_TEST(second->device.value == first->device.value);
  const Device& after = *w.coordinator->registry().find(first->device);
  BOOST_TEST((after.addresses->v4 == before.addresses->v4));
  BOOST_TEST((after.key_expiry > before.key_expiry));
  BOOST_TEST(w.coordinator->registry().find_user("alice@example.com")->groups ==
             std::vector<std::string>{"group:ops@example.com"});
}

BOOST_AUTO_TEST_CASE(without_a_login_prefix_no_key_is_refused_as_before) {
  World w;
  TestNode& n = w.node();
  w.connect(n);
  w.send(n, w.register_request(n, "", "laptop"));
  auto resp = n.received<control::RegisterResponse>();
  BOOST_TEST((resp.back().status == control::RegisterStatus::kRefused));
  BOOST_TEST(resp.back().error_code == "coord.auth_required");
}

BOOST_AUTO_TEST_CASE(synced_groups_decide_policy) {
  // group:eng@example.com may reach tag:srv; the tagged server and alice's laptop see each other.
  LoginWorld w;
  const PolicyOutcome applied = w.coordinator->set_policy(
      R"({"tagOwners": {"tag:srv": ["ops@example.com"]},
          "acls": [{"action": "accept", "src": ["group:eng@example.com"], "dst": ["tag:srv:*"]}]})",
      w.now);
  BOOST_REQUIRE(applied.valid);
  BOOST_REQUIRE(w.coordinator->create_user("ops@example.com", Role::kMember, w.now).ok());
  AuthKeyRequest req;
  req.tags = {"tag:srv"};
  auto key = w.coordinator->create_auth_key("ops@example.com", req, w.now, w.rng);
  BOOST_REQUIRE(key.ok());
  TestNode& srv = w.join(key->text, "srv");
  TestNode& n = w.node();
  auto r = w.login(w.ask_login(n), alice());
  BOOST_REQUIRE(r.ok());
  control::MapRequest m;
  m.node_key = n.node_key;
  w.send(n, m);
  auto maps = n.received<control::MapResponse>();
  BOOST_REQUIRE(!maps.empty());
  BOOST_TEST(maps.back().peers.size() == 1u);  // srv
  // bob (no group) is not srv's peer.
  TestNode& b = w.node();
  ProvenIdentity bob{"https://idp.example", "sub-bob", "bob@example.com", {}};
  BOOST_REQUIRE(w.login(w.ask_login(b), bob).ok());
  control::MapRequest mb;
  mb.node_key = b.node_key;
  w.send(b, mb);
  BOOST_TEST(b.received<control::MapResponse>().back().peers.empty());
  (void)srv;
}

BOOST_AUTO_TEST_CASE(policy_tests_see_synced_groups) {
  LoginWorld w;
  TestNode& n = w.node();
  BOOST_REQUIRE(w.login(w.ask_login(n), alice()).ok());
  const PolicyOutcome o = w.coordinator->check_policy(R"({
    "acls": [{"action": "accept", "src": ["group:eng@example.com"], "dst": ["*:22"]}],
    "tests": [{"src": "alice@example.com", "accept": ["100.64.0.1:22"]}]})");
  BOOST_TEST(o.valid);
  BOOST_TEST(o.failed_tests.empty());
}

BOOST_AUTO_TEST_CASE(logins_and_their_refusals_are_logged_with_the_key_uses) {
  LoginWorld w;
  auto lines = [&] {
    std::vector<std::string> out;
    for (std::string l; w.coordinator->poll_log(l);) out.push_back(l);
    return out;
  };
  auto has = [](const std::vector<std::string>& ls, const std::string& what) {
    for (const auto& l : ls)
      if (l.find(what) != std::string::npos) return true;
    return false;
  };
  TestNode& n = w.node();
  BOOST_REQUIRE(w.login(w.ask_login(n), alice()).ok());
  auto log = lines();
  BOOST_TEST(has(log, "login of alice@example.com (subject \"sub-alice\") used: "
                      "alice@example.com (new user), node 1 (host \"laptop\") registered"));
  // A refusal by the driver (the provider's token, the allow-lists) ...
  TestNode& m = w.node();
  w.coordinator->refuse_login(w.ask_login(m), "oidc.not_allowed", "mallory@other.org may not join",
                              w.now);
  w.pump();
  BOOST_TEST(has(lines(), "login refused (host \"laptop\"): oidc.not_allowed: mallory@other.org may not join"));
  // ... by the coordinator, and a link that is not waiting any more.
  TestNode& k = w.node();
  ProvenIdentity impostor = alice();
  impostor.subject = "sub-impostor";
  const std::string id = w.ask_login(k);
  BOOST_TEST(!w.login(id, impostor).ok());
  log = lines();
  BOOST_TEST(has(log, "login of alice@example.com (subject \"sub-impostor\") refused (host \"laptop\"): "
                      "coord.identity_conflict"));
  BOOST_TEST(!w.login(id, alice()).ok());
  BOOST_TEST(has(lines(), "login of alice@example.com (subject \"sub-alice\") refused: coord.unknown_login"));
  // Re-authentication on the known machine is a registration again.
  w.disconnect(n);
  BOOST_REQUIRE(w.login(w.ask_login(n, true), alice()).ok());
  BOOST_TEST(has(lines(), "used: alice@example.com, node 1 (host \"laptop\") registered again"));
}
