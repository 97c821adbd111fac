// API tokens: only a keyed hash stored, each typed refusal (malformed, unknown, revoked, expired,
// scope) driven by a fake clock, the last use recorded, and which operations each scope covers.
#define BOOST_TEST_MODULE coord_api_token
#include <boost/test/unit_test.hpp>

#include <string>

#include "coord/api_token.h"
#include "coord/auth_key.h"

using namespace weft;
using namespace weft::coord;
using namespace std::chrono_literals;

namespace {

const core::WallTime kT0 = core::WallTime{} + std::chrono::hours(24 * 365 * 50);

crypto::Key32 secret_of(uint8_t fill) {
  crypto::Key32 k;
  k.fill(fill);
  return k;
}

CreatedApiToken create(ApiTokens& tokens, core::Random& rng, ApiScope scope,
                       std::optional<core::Duration> expiry = std::nullopt) {
  auto t = tokens.create(scope, expiry, kT0, rng);
  BOOST_TEST_REQUIRE(t.ok(), (t.ok() ? "" : t.error().detail));
  return *t;
}

void expect_refused(const ApiTokenCheck& c, ApiTokenRefusal expected) {
  BOOST_TEST_REQUIRE(!c.ok());
  BOOST_TEST((*c.refusal == expected));
  BOOST_TEST(c.error().code == refusal_code(expected));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(api_token)

BOOST_AUTO_TEST_CASE(stores_only_a_hash_and_accepts_the_text_shown_once) {
  ApiTokens tokens(secret_of(1));
  core::SeededRandom rng(1);
  const CreatedApiToken t = create(tokens, rng, ApiScope::kAll);
  BOOST_TEST(t.text.rfind("weftapi-", 0) == 0u);
  BOOST_TEST(t.text.size() == secret_text_size(kApiTokenPrefix));
  const StoredApiToken* stored = tokens.find(t.id);
  BOOST_TEST_REQUIRE(stored != nullptr);
  const std::string secret_hex = t.text.substr(t.text.rfind('-') + 1);
  BOOST_TEST(lower_hex(stored->secret_hash.data(), stored->secret_hash.size()) != secret_hex);
  BOOST_TEST(tokens.check(t.text, "nodes.remove", kT0).ok());
  BOOST_TEST((stored->expires == kT0 + kDefaultApiTokenExpiry));
  // Another server (another hashing secret) does not accept it.
  ApiTokens other(secret_of(2));
  BOOST_REQUIRE(other.restore(*stored).ok());
  expect_refused(other.check(t.text, "status", kT0), ApiTokenRefusal::kUnknown);
}

BOOST_AUTO_TEST_CASE(refuses_a_token_from_its_expiry_on_with_the_time_in_the_message) {
  ApiTokens tokens(secret_of(1));
  core::SeededRandom rng(2);
  const CreatedApiToken t = create(tokens, rng, ApiScope::kPolicy, std::chrono::hours(24));
  BOOST_TEST(tokens.check(t.text, "policy.set", kT0 + 24h - 1s).ok());
  const ApiTokenCheck late = tokens.check(t.text, "policy.set", kT0 + 24h);
  expect_refused(late, ApiTokenRefusal::kExpired);
  BOOST_TEST(late.error().detail.find("expired at") != std::string::npos);
  BOOST_TEST(late.error().detail.find(t.id.to_string()) != std::string::npos);
  // A refused use changes nothing.
  const ApiTokenCheck used = tokens.use(t.text, "policy.set", kT0 + 25h);
  BOOST_TEST(!used.ok());
  BOOST_TEST(tokens.find(t.id)->uses == 0u);
  BOOST_TEST(!tokens.find(t.id)->last_used.has_value());
}

BOOST_AUTO_TEST_CASE(records_each_use_and_the_last_one) {
  ApiTokens tokens(secret_of(1));
  core::SeededRandom rng(3);
  const CreatedApiToken t = create(tokens, rng, ApiScope::kNodes);
  BOOST_TEST(tokens.use(t.text, "nodes.list", kT0 + 1h).ok());
  BOOST_TEST(tokens.use(t.text, "nodes.remove", kT0 + 2h).ok());
  BOOST_TEST(tokens.find(t.id)->uses == 2u);
  BOOST_TEST((*tokens.find(t.id)->last_used == kT0 + 2h));
}

BOOST_AUTO_TEST_CASE(refuses_a_revoked_token_before_its_expiry) {
  ApiTokens tokens(secret_of(1));
  core::SeededRandom rng(4);
  const CreatedApiToken t = create(tokens, rng, ApiScope::kAll);
  BOOST_REQUIRE(tokens.revoke(t.id).ok());
  BOOST_REQUIRE(tokens.revoke(t.id).ok());  // twice is accepted
  expect_refused(tokens.use(t.text, "status", kT0), ApiTokenRefusal::kRevoked);
  BOOST_TEST(tokens.revoke(ApiTokenId{}).error().code == "api_token.unknown");
}

BOOST_AUTO_TEST_CASE(refuses_malformed_and_unknown_tokens) {
  ApiTokens tokens(secret_of(1));
  core::SeededRandom rng(5);
  const CreatedApiToken t = create(tokens, rng, ApiScope::kAll);
  std::string upper = t.text;
  upper[10] = static_cast<char>(std::toupper(static_cast<unsigned char>(upper[10])));
  for (const std::string& bad :
       {std::string(), std::string("weftapi-"), t.text.substr(0, t.text.size() - 1),
        t.text + "0", std::string("weftkey-") + t.text.substr(8)})
    expect_refused(tokens.check(bad, "status", kT0), ApiTokenRefusal::kMalformed);
  std::string wrong = t.text;
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  expect_refused(tokens.check(wrong, "status", kT0), ApiTokenRefusal::kUnknown);
  // A pre-auth key is not an API token, whatever its bytes.
  std::string as_key = "weftkey-" + t.text.substr(8);
  BOOST_TEST(!tokens.check(as_key, "status", kT0).ok());
}

BOOST_AUTO_TEST_CASE(policy_scope_sets_the_policy_but_cannot_remove_nodes) {
  ApiTokens tokens(secret_of(1));
  core::SeededRandom rng(6);
  const CreatedApiToken t = create(tokens, rng, ApiScope::kPolicy);
  for (const char* op : {"policy.set", "policy.check", "policy.get", "tailnet.export", "status"})
    BOOST_TEST(tokens.check(t.text, op, kT0).ok(), op);
  for (const char* op : {"nodes.remove", "nodes.list", "users.create", "keys.create",
                         "tokens.revoke"}) {
    const ApiTokenCheck c = tokens.check(t.text, op, kT0);
    expect_refused(c, ApiTokenRefusal::kScope);
    BOOST_TEST(c.error().detail.find("has scope policy, which does not cover " + std::string(op)) !=
               std::string::npos);
  }
  const ApiTokenCheck mint = tokens.check(t.text, "tokens.create", kT0);
  expect_refused(mint, ApiTokenRefusal::kScope);
  BOOST_TEST(mint.error().detail.find("no API token can create tokens") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(scopes_cover_their_operations_and_no_token_creates_tokens) {
  BOOST_TEST(scope_permits(ApiScope::kNodes, "nodes.remove"));
  BOOST_TEST(scope_permits(ApiScope::kNodes, "nodes.set_expiry"));
  BOOST_TEST(!scope_permits(ApiScope::kNodes, "policy.set"));
  BOOST_TEST(scope_permits(ApiScope::kNodes, "status"));
  BOOST_TEST(scope_permits(ApiScope::kAll, "users.create"));
  BOOST_TEST(scope_permits(ApiScope::kAll, "tokens.revoke"));
  for (ApiScope s : {ApiScope::kPolicy, ApiScope::kNodes, ApiScope::kAll}) {
    BOOST_TEST(!scope_permits(s, "tokens.create"));
    BOOST_TEST(!scope_permits(s, "no.such.op"));
    BOOST_TEST((parse_scope(scope_name(s)) == s));
  }
  BOOST_TEST(!parse_scope("admin").has_value());
}

BOOST_AUTO_TEST_CASE(refuses_expiries_out_of_range) {
  ApiTokens tokens(secret_of(1));
  core::SeededRandom rng(7);
  for (core::Duration d : {core::Duration::zero(), core::Duration(-1s),
                           core::Duration(kMaxApiTokenExpiry + 1s)}) {
    auto t = tokens.create(ApiScope::kAll, d, kT0, rng);
    BOOST_TEST_REQUIRE(!t.ok());
    BOOST_TEST(t.error().code == "api_token.expiry");
  }
  BOOST_TEST(tokens.create(ApiScope::kAll, core::Duration(kMaxApiTokenExpiry), kT0, rng).ok());
}

BOOST_AUTO_TEST_CASE(auth_keys_record_their_last_use) {
  AuthKeys keys(secret_of(1));
  core::SeededRandom rng(8);
  AuthKeyRequest req;
  req.user = UserId{1};
  req.reusable = true;
  auto k = keys.create(req, kT0, rng, nullptr);
  BOOST_REQUIRE(k.ok());
  BOOST_TEST(!keys.find(k->id)->last_used.has_value());
  BOOST_REQUIRE(keys.use(k->text, kT0 + 3h).ok());
  BOOST_TEST((*keys.find(k->id)->last_used == kT0 + 3h));
}

BOOST_AUTO_TEST_SUITE_END()
