// The store's tables: secrets, pre-auth keys and device addresses survive a reopen and reload
// into the coordinator's restore functions exactly as they were recorded.
#define BOOST_TEST_MODULE store_tables
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "coord/address_pool.h"
#include "coord/auth_key.h"
#include "store/address_table.h"
#include "store/auth_key_table.h"
#include "store/database.h"
#include "store/secrets.h"
#include "support/temp_dir.h"

using namespace weft;
using namespace weft::coord;
using namespace weft::store;
using namespace std::chrono_literals;

namespace {

// Sub-second part included: times must round-trip to the nanosecond.
const core::WallTime kT0 = core::WallTime{} + std::chrono::hours(24 * 365 * 56) + 123456789ns;
const UserId kAlice{1};

std::unique_ptr<Database> open_ok(const std::string& path) {
  auto db = Database::open(path);
  BOOST_REQUIRE_MESSAGE(db.ok(), (db.ok() ? std::string() : db.error().detail));
  return std::move(db).value();
}

void require_ok(const Status& st) {
  BOOST_REQUIRE_MESSAGE(st.ok(), (st.ok() ? std::string() : st.error().code + ": " +
                                                                st.error().detail));
}

bool alice_owns(UserId user, std::string_view tag) {
  return user == kAlice && (tag == "tag:server" || tag == "tag:ci");
}

void check_same(const StoredAuthKey& a, const StoredAuthKey& b) {
  BOOST_TEST(a.id.to_string() == b.id.to_string());
  BOOST_TEST((a.secret_hash == b.secret_hash));
  BOOST_TEST(a.user.value == b.user.value);
  BOOST_TEST(a.reusable == b.reusable);
  BOOST_TEST(a.ephemeral == b.ephemeral);
  BOOST_TEST(a.tags == b.tags, boost::test_tools::per_element());
  BOOST_TEST((a.created == b.created));
  BOOST_TEST((a.expires == b.expires));
  BOOST_TEST(a.uses == b.uses);
  BOOST_TEST((a.last_used == b.last_used));
  BOOST_TEST(a.revoked == b.revoked);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(store_tables)

BOOST_AUTO_TEST_CASE(secrets_survive_a_reopen) {
  TempDir dir;
  const std::string path = dir.file("state.db");
  const std::vector<uint8_t> secret(32, 0xab);
  {
    auto db = open_ok(path);
    auto none = load_secret(*db, "auth_key_hashing");
    BOOST_REQUIRE(none.ok());
    BOOST_TEST(!none->has_value());
    require_ok(save_secret(*db, "auth_key_hashing", std::vector<uint8_t>(32, 0x01)));
    require_ok(save_secret(*db, "auth_key_hashing", secret));  // replaces
  }
  auto db = open_ok(path);
  auto loaded = load_secret(*db, "auth_key_hashing");
  BOOST_REQUIRE(loaded.ok() && loaded->has_value());
  BOOST_TEST(**loaded == secret, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(auth_keys_round_trip_into_restore) {
  TempDir dir;
  const std::string path = dir.file("state.db");
  crypto::Key32 hashing;
  hashing.fill(7);
  core::SeededRandom rng(3);
  AuthKeys keys(hashing);
  std::vector<std::string> texts;
  {
    auto db = open_ok(path);
    AuthKeyRequest tagged{kAlice, true, true, 48h, {"tag:server", "tag:ci"}};
    AuthKeyRequest plain{kAlice, false, false, std::nullopt, {}};
    for (const AuthKeyRequest& req : {tagged, plain, plain}) {
      auto k = keys.create(req, kT0, rng, alice_owns);
      BOOST_REQUIRE(k.ok());
      texts.push_back(k->text);
      require_ok(save_auth_key(*db, *keys.find(k->id)));
    }
    // A use and a revocation are re-saved over the created rows.
    BOOST_REQUIRE(keys.use(texts[0], kT0 + 1h).ok());
    BOOST_REQUIRE(keys.use(texts[1], kT0 + 1h).ok());
    require_ok(save_auth_key(*db, *keys.find(AuthKeys::parse(texts[0])->first)));
    require_ok(save_auth_key(*db, *keys.find(AuthKeys::parse(texts[1])->first)));
    BOOST_REQUIRE(keys.revoke(AuthKeys::parse(texts[2])->first).ok());
    require_ok(save_auth_key(*db, *keys.find(AuthKeys::parse(texts[2])->first)));
  }
  auto db = open_ok(path);
  AuthKeys reloaded(hashing);
  require_ok(restore_auth_keys(*db, reloaded));
  BOOST_REQUIRE(reloaded.keys().size() == keys.keys().size());
  for (const auto& [id, key] : keys.keys()) {
    const StoredAuthKey* r = reloaded.find(id);
    BOOST_REQUIRE(r != nullptr);
    check_same(*r, key);
  }
  // The reloaded server decides as the old one would.
  BOOST_TEST(reloaded.check(texts[0], kT0 + 2h).ok());  // reusable, used once
  BOOST_TEST((reloaded.check(texts[1], kT0 + 2h).refusal() == AuthKeyRefusal::kUsed));
  BOOST_TEST((reloaded.check(texts[2], kT0 + 2h).refusal() == AuthKeyRefusal::kRevoked));
}

BOOST_AUTO_TEST_CASE(addresses_and_quarantine_round_trip_into_restore) {
  TempDir dir;
  const std::string path = dir.file("state.db");
  auto pool = AddressPool::create(AddressPoolConfig::defaults());
  BOOST_REQUIRE(pool.ok());
  core::SeededRandom rng(5);
  {
    auto db = open_ok(path);
    for (uint64_t d = 1; d <= 20; ++d) {
      auto a = (*pool)->assign(DeviceId{d}, kT0, rng);
      BOOST_REQUIRE(a.ok());
      require_ok(save_device_addresses(*db, DeviceId{d}, *a));
    }
    for (uint64_t d : {3, 9, 14}) {
      require_ok((*pool)->release(DeviceId{d}, kT0 + 1h));
      require_ok(save_released(*db, DeviceId{d}, kT0 + 1h + kDefaultAddressQuarantine));
    }
  }
  auto db = open_ok(path);
  auto stored = load_addresses(*db);
  BOOST_REQUIRE(stored.ok());
  BOOST_TEST(stored->held.size() == 17u);
  BOOST_TEST(stored->quarantined.size() == 6u);

  auto reloaded = AddressPool::create(AddressPoolConfig::defaults());
  BOOST_REQUIRE(reloaded.ok());
  require_ok(restore_addresses(*db, **reloaded));
  BOOST_TEST(((*reloaded)->held() == (*pool)->held()));
  const auto q1 = (*pool)->quarantined();
  const auto q2 = (*reloaded)->quarantined();
  BOOST_REQUIRE(q1.size() == q2.size());
  for (std::size_t i = 0; i < q1.size(); ++i) {
    BOOST_TEST((q1[i].address == q2[i].address));
    BOOST_TEST((q1[i].until == q2[i].until));
  }
  BOOST_TEST((*reloaded)->free_count(util::IpFamily::kV4) ==
             (*pool)->free_count(util::IpFamily::kV4));
}

BOOST_AUTO_TEST_CASE(reassigning_a_lifted_address_clears_its_quarantine) {
  TempDir dir;
  auto db = open_ok(dir.file("state.db"));
  const DeviceAddresses a{*util::IpAddress::parse("100.64.0.5"),
                          *util::IpAddress::parse("fd7a:115c:a1e0::5")};
  require_ok(save_device_addresses(*db, DeviceId{1}, a));
  require_ok(save_released(*db, DeviceId{1}, kT0));
  require_ok(save_device_addresses(*db, DeviceId{2}, a));  // quarantine over, handed out again
  auto stored = load_addresses(*db);
  BOOST_REQUIRE(stored.ok());
  BOOST_TEST(stored->quarantined.empty());
  BOOST_TEST(stored->held.count(DeviceId{2}) == 1u);

  auto pool = AddressPool::create(AddressPoolConfig::defaults());
  BOOST_REQUIRE(pool.ok());
  require_ok(restore_addresses(*db, **pool));
}

BOOST_AUTO_TEST_CASE(an_address_is_never_stored_for_two_devices) {
  TempDir dir;
  auto db = open_ok(dir.file("state.db"));
  const DeviceAddresses a{*util::IpAddress::parse("100.64.0.5"),
                          *util::IpAddress::parse("fd7a:115c:a1e0::5")};
  const DeviceAddresses b{*util::IpAddress::parse("100.64.0.5"),
                          *util::IpAddress::parse("fd7a:115c:a1e0::6")};
  require_ok(save_device_addresses(*db, DeviceId{1}, a));
  Status st = save_device_addresses(*db, DeviceId{2}, b);
  BOOST_REQUIRE(!st.ok());
  BOOST_TEST(st.error().code == "store.sqlite");
  auto stored = load_addresses(*db);
  BOOST_REQUIRE(stored.ok());
  BOOST_TEST(stored->held.size() == 1u);
}

BOOST_AUTO_TEST_CASE(releasing_an_unknown_device_is_refused) {
  TempDir dir;
  auto db = open_ok(dir.file("state.db"));
  Status st = save_released(*db, DeviceId{42}, kT0);
  BOOST_REQUIRE(!st.ok());
  BOOST_TEST(st.error().code == "store.unknown_device");
}

BOOST_AUTO_TEST_CASE(a_failed_write_of_several_tables_leaves_nothing) {
  TempDir dir;
  auto db = open_ok(dir.file("state.db"));
  const DeviceAddresses a{*util::IpAddress::parse("100.64.0.5"),
                          *util::IpAddress::parse("fd7a:115c:a1e0::5")};
  Status st = db->transaction([&]() -> Status {
    if (auto s = put_secret(*db, "x", {1, 2, 3}); !s) return s;
    if (auto s = put_device_addresses(*db, DeviceId{1}, a); !s) return s;
    return put_released(*db, DeviceId{2}, kT0);  // unknown: the whole transaction is undone
  });
  BOOST_REQUIRE(!st.ok());
  auto secret = load_secret(*db, "x");
  BOOST_REQUIRE(secret.ok());
  BOOST_TEST(!secret->has_value());
  auto stored = load_addresses(*db);
  BOOST_REQUIRE(stored.ok());
  BOOST_TEST(stored->held.empty());
}

BOOST_AUTO_TEST_SUITE_END()
