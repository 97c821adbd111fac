// Pre-auth keys: the text shown once, only a keyed hash stored, attributes carried into the
// grant, and each typed refusal (malformed, unknown, revoked, expired, used).
#define BOOST_TEST_MODULE coord_auth_key
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <set>
#include <string>

#include "coord/auth_key.h"

using namespace weft;
using namespace weft::coord;
using namespace std::chrono_literals;

namespace {

const core::WallTime kT0 = core::WallTime{} + std::chrono::hours(24 * 365 * 50);
const UserId kAlice{1};
const UserId kBob{2};

crypto::Key32 secret_of(uint8_t fill) {
  crypto::Key32 k;
  k.fill(fill);
  return k;
}

// tagOwners stand-in: alice owns tag:server and tag:ci; bob owns nothing.
bool alice_owns(UserId user, std::string_view tag) {
  return user == kAlice && (tag == "tag:server" || tag == "tag:ci");
}

CreatedAuthKey create(AuthKeys& keys, core::Random& rng, AuthKeyRequest request = {}) {
  if (request.user == UserId{}) request.user = kAlice;
  auto k = keys.create(request, kT0, rng, alice_owns);
  BOOST_TEST_REQUIRE(k.ok(), (k.ok() ? "" : k.error().detail));
  return *k;
}

// A refusal of the expected kind, with its stable code.
void expect_refused(const AuthKeyCheck& c, AuthKeyRefusal expected) {
  BOOST_TEST_REQUIRE(!c.ok());
  BOOST_TEST((c.refusal() == expected));
  BOOST_TEST(c.error().code == refusal_code(expected));
}

// Broken randomness: the same bytes on every call.
class StuckRandom final : public core::Random {
 public:
  void fill(uint8_t* out, std::size_t n) override { std::fill(out, out + n, uint8_t{0x5a}); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(auth_key)

BOOST_AUTO_TEST_CASE(text_is_prefixed_and_carries_256_bits_of_secret) {
  AuthKeys keys(secret_of(1));
  core::SeededRandom rng(1);
  const CreatedAuthKey k = create(keys, rng);
  BOOST_TEST(k.text.size() == kAuthKeyTextSize);
  BOOST_TEST(k.text.rfind("weftkey-", 0) == 0u);
  BOOST_TEST(k.text.substr(8, 16) == k.id.to_string());
  BOOST_TEST(k.text[24] == '-');
  BOOST_TEST(k.text.substr(25).size() == 64u);
  auto parsed = AuthKeys::parse(k.text);
  BOOST_TEST_REQUIRE(parsed.has_value());
  BOOST_TEST((parsed->first == k.id));
}

BOOST_AUTO_TEST_CASE(only_a_keyed_hash_of_the_secret_is_stored) {
  AuthKeys keys(secret_of(1));
  core::SeededRandom rng(2);
  const CreatedAuthKey k = create(keys, rng);
  const StoredAuthKey* stored = keys.find(k.id);
  BOOST_TEST_REQUIRE(stored != nullptr);
  const crypto::Key32 secret = AuthKeys::parse(k.text)->second;
  BOOST_TEST(!std::equal(secret.begin(), secret.end(), stored->secret_hash.begin()));
  BOOST_TEST((stored->secret_hash != crypto::blake2s256(secret.data(), secret.size())));

  // The same stored key under another server's hashing secret does not verify: a copy of the
  // database alone cannot be used to test guesses.
  AuthKeys other(secret_of(2));
  BOOST_TEST(other.restore(*stored).ok());
  BOOST_TEST((other.check(k.text, kT0).refusal() == AuthKeyRefusal::kUnknown));
  AuthKeys same(secret_of(1));
  BOOST_TEST(same.restore(*stored).ok());
  BOOST_TEST(same.check(k.text, kT0).ok());
}

BOOST_AUTO_TEST_CASE(grant_carries_the_key_attributes) {
  AuthKeys keys(secret_of(1));
  core::SeededRandom rng(3);
  AuthKeyRequest request;
  request.user = kAlice;
  request.reusable = true;
  request.ephemeral = true;
  request.expiry = 24h;
  request.tags = {"tag:server", "tag:ci"};
  const CreatedAuthKey k = create(keys, rng, request);
  const StoredAuthKey& stored = *keys.find(k.id);
  BOOST_TEST(stored.reusable);
  BOOST_TEST(stored.ephemeral);
  BOOST_TEST((stored.created == kT0));
  BOOST_TEST((stored.expires == kT0 + 24h));
  AuthKeyCheck c = keys.check(k.text, kT0 + 1h);
  BOOST_TEST_REQUIRE(c.ok());
  BOOST_TEST((c.grant().id == k.id));
  BOOST_TEST((c.grant().user == kAlice));
  BOOST_TEST(c.grant().ephemeral);
  BOOST_TEST((c.grant().tags == std::vector<std::string>{"tag:server", "tag:ci"}));
}

BOOST_AUTO_TEST_CASE(default_expiry_is_90_days_and_longer_is_refused) {
  AuthKeys keys(secret_of(1));
  core::SeededRandom rng(4);
  const CreatedAuthKey k = create(keys, rng);
  BOOST_TEST((keys.find(k.id)->expires == kT0 + kDefaultAuthKeyExpiry));
  for (core::Duration bad : {core::Duration(kMaxAuthKeyExpiry + 1s), core::Duration::zero(),
                             core::Duration(-1h)}) {
    AuthKeyRequest request;
    request.user = kAlice;
    request.expiry = bad;
    BOOST_TEST(keys.create(request, kT0, rng, alice_owns).error().code == "auth_key.expiry");
  }
  BOOST_TEST(keys.keys().size() == 1u);
}

BOOST_AUTO_TEST_CASE(single_use_key_registers_one_device) {
  AuthKeys keys(secret_of(1));
  core::SeededRandom rng(5);
  const CreatedAuthKey k = create(keys, rng);
  BOOST_TEST(keys.check(k.text, kT0).ok());
  BOOST_TEST(keys.check(k.text, kT0).ok());  // checking spends nothing
  BOOST_TEST(keys.use(k.text, kT0).ok());
  expect_refused(keys.use(k.text, kT0), AuthKeyRefusal::kUsed);
  BOOST_TEST(std::string(refusal_code(AuthKeyRefusal::kUsed)) == "auth_key.used");
  BOOST_TEST(keys.find(k.id)->uses == 1u);
}

BOOST_AUTO_TEST_CASE(reusable_key_registers_many_devices_and_counts_them) {
  AuthKeys keys(secret_of(1));
  core::SeededRandom rng(6);
  AuthKeyRequest request;
  request.reusable = true;
  const CreatedAuthKey k = create(keys, rng, request);
  for (int i = 0; i < 5; ++i) BOOST_TEST(keys.use(k.text, kT0 + std::chrono::minutes(i)).ok());
  BOOST_TEST(keys.find(k.id)->uses == 5u);
}

BOOST_AUTO_TEST_CASE(refuses_an_expired_key) {
  AuthKeys keys(secret_of(1));
  core::SeededRandom rng(7);
  AuthKeyRequest request;
  request.reusable = true;
  request.expiry = 1h;
  const CreatedAuthKey k = create(keys, rng, request);
  BOOST_TEST(keys.use(k.text, kT0 + 1h - 1s).ok());
  expect_refused(keys.use(k.text, kT0 + 1h), AuthKeyRefusal::kExpired);
  BOOST_TEST(keys.find(k.id)->uses == 1u);
}

BOOST_AUTO_TEST_CASE(refuses_a_revoked_key_before_anything_else) {
  AuthKeys keys(secret_of(1));
  core::SeededRandom rng(8);
  const CreatedAuthKey k = create(keys, rng);
  BOOST_TEST(keys.use(k.text, kT0).ok());
  BOOST_TEST(keys.revoke(k.id).ok());
  BOOST_TEST(keys.revoke(k.id).ok());
  // Used and expired too, but revoked is what the operator did: it is the reason given.
  BOOST_TEST((keys.check(k.text, kT0 + std::chrono::hours(24 * 365)).refusal() ==
              AuthKeyRefusal::kRevoked));
  AuthKeyId missing;
  missing.bytes.fill(0xee);
  BOOST_TEST(keys.revoke(missing).error().code == "auth_key.unknown");
}

BOOST_AUTO_TEST_CASE(a_wrong_secret_is_unknown_like_a_missing_id) {
  AuthKeys keys(secret_of(1));
  core::SeededRandom rng(9);
  const CreatedAuthKey k = create(keys, rng);
  std::string forged = k.text;
  forged.back() = forged.back() == '0' ? '1' : '0';
  BOOST_TEST((keys.check(forged, kT0).refusal() == AuthKeyRefusal::kUnknown));
  std::string other_id = k.text;
  other_id[8] = other_id[8] == '0' ? '1' : '0';
  BOOST_TEST((keys.check(other_id, kT0).refusal() == AuthKeyRefusal::kUnknown));
  BOOST_TEST(keys.use(forged, kT0).error().code == "auth_key.unknown");
  BOOST_TEST(keys.find(k.id)->uses == 0u);
}

BOOST_AUTO_TEST_CASE(refuses_malformed_text) {
  AuthKeys keys(secret_of(1));
  core::SeededRandom rng(10);
  const CreatedAuthKey k = create(keys, rng);
  std::string upper = k.text;
  std::transform(upper.begin() + 8, upper.end(), upper.begin() + 8, ::toupper);
  std::string no_dash = k.text;
  no_dash[24] = 'a';
  std::string bad_prefix = k.text;
  bad_prefix[0] = 'W';
  std::string non_hex = k.text;
  non_hex[40] = 'g';
  for (const std::string& text :
       {std::string(), std::string("weftkey-"), k.text.substr(0, k.text.size() - 1),
        k.text + "0", k.text + "\n", upper, no_dash, bad_prefix, non_hex,
        std::string("tskey-auth-") + k.text.substr(8)}) {
    BOOST_TEST_CONTEXT(text) { expect_refused(keys.check(text, kT0), AuthKeyRefusal::kMalformed); }
  }
}

BOOST_AUTO_TEST_CASE(tags_need_the_users_ownership) {
  AuthKeys keys(secret_of(1));
  core::SeededRandom rng(11);
  AuthKeyRequest request;
  request.user = kBob;
  request.tags = {"tag:server"};
  BOOST_TEST(keys.create(request, kT0, rng, alice_owns).error().code == "auth_key.tag_not_owned");
  request.user = kAlice;
  request.tags = {"tag:server", "tag:db"};
  BOOST_TEST(keys.create(request, kT0, rng, alice_owns).error().code == "auth_key.tag_not_owned");
  // Without a policy hook no tag can be owned.
  request.tags = {"tag:server"};
  BOOST_TEST(keys.create(request, kT0, rng, TagOwnerCheck{}).error().code ==
             "auth_key.tag_not_owned");
  for (const char* bad : {"server", "tag:", "tag:1server", "tag:a b", "tag:a_b", "group:x"}) {
    request.tags = {bad};
    BOOST_TEST(keys.create(request, kT0, rng, alice_owns).error().code == "auth_key.tag", bad);
  }
  BOOST_TEST(keys.keys().empty());
  // No tags: no ownership question is asked.
  request.user = kBob;
  request.tags.clear();
  BOOST_TEST(keys.create(request, kT0, rng, TagOwnerCheck{}).ok());
}

BOOST_AUTO_TEST_CASE(ids_and_secrets_differ_between_keys) {
  AuthKeys keys(secret_of(1));
  core::SeededRandom rng(12);
  std::set<std::string> texts, ids;
  for (int i = 0; i < 100; ++i) {
    const CreatedAuthKey k = create(keys, rng);
    texts.insert(k.text.substr(25));
    ids.insert(k.id.to_string());
  }
  BOOST_TEST(texts.size() == 100u);
  BOOST_TEST(ids.size() == 100u);
}

BOOST_AUTO_TEST_CASE(a_stuck_random_source_is_reported) {
  AuthKeys keys(secret_of(1));
  StuckRandom rng;
  AuthKeyRequest request;
  request.user = kAlice;
  BOOST_TEST(keys.create(request, kT0, rng, alice_owns).ok());
  BOOST_TEST(keys.create(request, kT0, rng, alice_owns).error().code == "auth_key.id_collision");
}

BOOST_AUTO_TEST_CASE(reloaded_keys_keep_their_state) {
  AuthKeys live(secret_of(3));
  core::SeededRandom rng(13);
  const CreatedAuthKey used = create(live, rng);
  const CreatedAuthKey fresh = create(live, rng);
  const CreatedAuthKey revoked = create(live, rng);
  BOOST_TEST(live.use(used.text, kT0).ok());
  BOOST_TEST(live.revoke(revoked.id).ok());

  AuthKeys reloaded(secret_of(3));
  for (const auto& [id, key] : live.keys()) BOOST_TEST(reloaded.restore(key).ok());
  BOOST_TEST(reloaded.restore(*live.find(fresh.id)).error().code == "auth_key.duplicate");
  BOOST_TEST((reloaded.check(used.text, kT0).refusal() == AuthKeyRefusal::kUsed));
  BOOST_TEST(reloaded.check(fresh.text, kT0).ok());
  BOOST_TEST((reloaded.check(revoked.text, kT0).refusal() == AuthKeyRefusal::kRevoked));
}

BOOST_AUTO_TEST_SUITE_END()
