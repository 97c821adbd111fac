// The devices table: every field and every ordered child survives a reopen, a device written
// again keeps one row, keys stay unique (the transaction that breaks that leaves nothing), the
// address copy agrees with the pool's record, removed devices stay, schema-1 files are migrated,
// and rows that do not decode are reported as corrupt.
#define BOOST_TEST_MODULE store_device_table
#include <boost/test/unit_test.hpp>

#include <string>
#include <utility>
#include <vector>

#include "coord/device.h"
#include "store/address_table.h"
#include "store/database.h"
#include "store/device_table.h"
#include "store/migrations.h"
#include "store/secrets.h"
#include "support/store_db.h"
#include "support/temp_dir.h"

using namespace weft;
using namespace weft::coord;
using namespace weft::store;
using namespace store_test;
using namespace std::chrono_literals;

namespace {

core::KeyBytes key_bytes(uint8_t seed) {
  core::KeyBytes k;
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<uint8_t>(seed * 31 + i);
  return k;
}

DeviceAddresses addresses(int n) {
  return {*util::IpAddress::parse("100.64.0." + std::to_string(n)),
          *util::IpAddress::parse("fd7a:115c:a1e0::" + std::to_string(n))};
}

// A pending device with no optional value set; keys and hostname distinct per `n`.
Device bare_device(uint64_t n) {
  Device d;
  d.id = DeviceId{n};
  d.hostname = "host" + std::to_string(n);
  d.requested_hostname = d.hostname;
  d.machine_key = core::MachinePublicKey(key_bytes(static_cast<uint8_t>(3 * n)));
  d.node_key = core::NodePublicKey(key_bytes(static_cast<uint8_t>(3 * n + 1)));
  d.disco_key = core::DiscoPublicKey(key_bytes(static_cast<uint8_t>(3 * n + 2)));
  d.user = UserId{1};
  d.created = kT0;
  d.last_seen = kT0;
  return d;
}

// Every field set, many children of each kind, v4 and v6 alike.
Device full_device(uint64_t n) {
  Device d = bare_device(n);
  d.hostname = "build-box-2";
  d.requested_hostname = "build-box";
  d.os = "linux";
  d.client_version = "weft 0.3.1";
  d.addresses = addresses(static_cast<int>(n));
  for (int i = 0; i < 9; ++i) {
    d.endpoints.push_back(*core::SocketAddress::parse("198.51.100." + std::to_string(i) + ":4" +
                                                      std::to_string(1000 + i)));
  }
  d.endpoints.push_back(*core::SocketAddress::parse("[2001:db8::7]:41641"));
  d.home_region = 65535;
  for (int i = 0; i < 11; ++i) d.tags.push_back("tag:t" + std::to_string(10 - i));
  d.user = UserId{42};
  d.created = kT0;
  d.last_seen = kT0 + 5h + 7ns;
  d.online = true;
  d.key_expiry = kT0 + std::chrono::hours(24 * 180);
  d.state = DeviceState::kAuthorized;
  d.ephemeral = true;
  d.offline_since = kT0 + 3h;
  for (int i = 0; i < 10; ++i) {
    d.advertised_routes.push_back(*util::IpPrefix::parse("10." + std::to_string(i) + ".0.0/16"));
  }
  d.advertised_routes.push_back(*util::IpPrefix::parse("2001:db8:1::/48"));
  d.advertised_routes.push_back(*util::IpPrefix::parse("0.0.0.0/0"));
  AuthKeyId key;
  for (std::size_t i = 0; i < key.bytes.size(); ++i) key.bytes[i] = static_cast<uint8_t>(0xf0 + i);
  d.auth_key = key;
  d.policy_version = 17;
  return d;
}

void check_same(const Device& a, const Device& b) {
  BOOST_TEST(a.id.value == b.id.value);
  BOOST_TEST(a.hostname == b.hostname);
  BOOST_TEST(a.requested_hostname == b.requested_hostname);
  BOOST_TEST(a.os == b.os);
  BOOST_TEST(a.client_version == b.client_version);
  BOOST_TEST((a.machine_key == b.machine_key));
  BOOST_TEST((a.node_key == b.node_key));
  BOOST_TEST((a.disco_key == b.disco_key));
  BOOST_TEST((a.addresses == b.addresses));
  BOOST_TEST((a.endpoints == b.endpoints));
  BOOST_TEST(a.home_region == b.home_region);
  BOOST_TEST(a.tags == b.tags, boost::test_tools::per_element());
  BOOST_TEST(a.user.value == b.user.value);
  BOOST_TEST((a.created == b.created));
  BOOST_TEST((a.last_seen == b.last_seen));
  BOOST_TEST(a.online == b.online);
  BOOST_TEST((a.key_expiry == b.key_expiry));
  BOOST_TEST(state_name(a.state) == state_name(b.state));
  BOOST_TEST(a.ephemeral == b.ephemeral);
  BOOST_TEST((a.offline_since == b.offline_since));
  BOOST_TEST((a.advertised_routes == b.advertised_routes));
  BOOST_TEST((a.auth_key == b.auth_key));
  BOOST_TEST(a.policy_version == b.policy_version);
}

// The registry's write of a device that holds addresses: the pool's record and the row together.
Status save_with_addresses(Database& db, const Device& d) {
  return db.transaction([&]() -> Status {
    if (auto s = put_device_addresses(db, d.id, *d.addresses); !s) return s;
    return put_device(db, d);
  });
}

}  // namespace

BOOST_AUTO_TEST_SUITE(store_device_table)

BOOST_AUTO_TEST_CASE(every_field_and_child_survives_a_reopen) {
  TempDir dir;
  const std::string path = dir.file("state.db");
  const Device full = full_device(2);
  const Device bare = bare_device(1);
  {
    auto db = open_ok(path);
    require_ok(save_with_addresses(*db, full));
    require_ok(save_device(*db, bare));
  }
  auto db = open_ok(path);
  std::vector<Device> loaded = value_ok(load_devices(*db));
  BOOST_REQUIRE(loaded.size() == 2u);
  check_same(loaded[0], bare);  // by id
  check_same(loaded[1], full);
  BOOST_TEST(!loaded[0].addresses.has_value());
  BOOST_TEST(!loaded[0].key_expiry.has_value());
  BOOST_TEST(!loaded[0].offline_since.has_value());
  BOOST_TEST(!loaded[0].auth_key.has_value());
  BOOST_TEST(loaded[0].tags.empty());
}

BOOST_AUTO_TEST_CASE(optional_times_at_the_epoch_are_set_not_empty) {
  TempDir dir;
  auto db = open_ok(dir.file("state.db"));
  Device d = bare_device(1);
  d.key_expiry = core::WallTime{};  // 0 ns: must not read back as NULL
  d.offline_since = core::WallTime{};
  require_ok(save_device(*db, d));
  std::vector<Device> loaded = value_ok(load_devices(*db));
  BOOST_REQUIRE(loaded.size() == 1u);
  check_same(loaded[0], d);
}

BOOST_AUTO_TEST_CASE(a_device_written_twice_keeps_one_row_and_the_latest_children) {
  TempDir dir;
  auto db = open_ok(dir.file("state.db"));
  Device d = full_device(1);
  require_ok(save_with_addresses(*db, d));
  d.tags = {"tag:prod"};
  d.endpoints = {*core::SocketAddress::parse("203.0.113.9:41641")};
  d.advertised_routes.clear();
  d.online = false;
  d.offline_since = kT0 + 9h;
  require_ok(save_device(*db, d));
  d.tags = {"tag:prod", "tag:eu"};
  d.node_key = core::NodePublicKey(key_bytes(200));  // re-keyed
  d.policy_version = 18;
  require_ok(save_device(*db, d));

  std::vector<Device> loaded = value_ok(load_devices(*db));
  BOOST_REQUIRE(loaded.size() == 1u);
  check_same(loaded[0], d);
  BOOST_TEST(count_rows(*db, "SELECT count(*) FROM devices") == 1);
  BOOST_TEST(count_rows(*db, "SELECT count(*) FROM device_tags") == 2);
  BOOST_TEST(count_rows(*db, "SELECT count(*) FROM device_endpoints") == 1);
  BOOST_TEST(count_rows(*db, "SELECT count(*) FROM device_routes") == 0);
}

BOOST_AUTO_TEST_CASE(a_duplicate_node_or_machine_key_is_refused_and_the_transaction_rolled_back) {
  const Device first = bare_device(1);
  Device same_node = full_device(2);
  same_node.node_key = first.node_key;
  Device same_machine = full_device(2);
  same_machine.machine_key = first.machine_key;
  for (const auto& [second, column] : {std::pair{same_node, "node_key"},
                                       std::pair{same_machine, "machine_key"}}) {
    BOOST_TEST_CONTEXT(column) {
      TempDir dir;
      auto db = open_ok(dir.file("state.db"));
      require_ok(save_device(*db, first));
      Status st = save_with_addresses(*db, second);
      BOOST_REQUIRE(!st.ok());
      BOOST_TEST(st.error().code == "store.sqlite");
      BOOST_TEST(st.error().detail.find(column) != std::string::npos);
      BOOST_TEST(value_ok(load_devices(*db)).size() == 1u);
      // The pool's record written earlier in the transaction went with it.
      auto held = load_addresses(*db);
      BOOST_REQUIRE(held.ok());
      BOOST_TEST(held->held.empty());
    }
  }
}

BOOST_AUTO_TEST_CASE(a_hostname_is_unique_among_devices_not_removed) {
  TempDir dir;
  auto db = open_ok(dir.file("state.db"));
  Device first = bare_device(1);
  require_ok(save_device(*db, first));
  Device second = bare_device(2);
  second.hostname = first.hostname;
  BOOST_TEST(!save_device(*db, second).ok());
  first.state = DeviceState::kRemoved;
  require_ok(save_device(*db, first));
  require_ok(save_device(*db, second));  // the removed device freed the name
  BOOST_TEST(value_ok(load_devices(*db)).size() == 2u);
}

BOOST_AUTO_TEST_CASE(the_row_addresses_must_agree_with_the_pool_record) {
  TempDir dir;
  auto db = open_ok(dir.file("state.db"));
  Device d = bare_device(1);
  d.addresses = addresses(5);
  // Without the pool's record the COMMIT fails (the foreign key is deferred to it).
  Status alone = save_device(*db, d);
  BOOST_REQUIRE(!alone.ok());
  BOOST_TEST(alone.error().detail.find("FOREIGN KEY") != std::string::npos);
  BOOST_TEST(value_ok(load_devices(*db)).empty());

  require_ok(save_with_addresses(*db, d));
  // A release that forgets the device row is refused, and so is a row naming other addresses.
  BOOST_TEST(!save_released(*db, d.id, kT0 + 1h).ok());
  Device moved = d;
  moved.addresses = addresses(6);
  BOOST_TEST(!save_device(*db, moved).ok());
  BOOST_TEST((value_ok(load_devices(*db)).at(0).addresses == d.addresses));

  // Removal: the pool quarantines the addresses and the row drops them, in one transaction.
  d.state = DeviceState::kRemoved;
  d.addresses.reset();
  require_ok(db->transaction([&]() -> Status {
    if (auto s = put_released(*db, d.id, kT0 + 1h); !s) return s;
    return put_device(*db, d);
  }));
  std::vector<Device> loaded = value_ok(load_devices(*db));
  BOOST_REQUIRE(loaded.size() == 1u);
  check_same(loaded[0], d);
}

BOOST_AUTO_TEST_CASE(a_removed_device_keeps_its_row_and_never_comes_back) {
  TempDir dir;
  auto db = open_ok(dir.file("state.db"));
  Device d = bare_device(1);
  d.state = DeviceState::kRemoved;
  require_ok(save_device(*db, d));

  BOOST_TEST(!db->exec("DELETE FROM devices WHERE id = 1").ok());
  Device back = d;
  back.state = DeviceState::kAuthorized;
  Status st = save_device(*db, back);
  BOOST_REQUIRE(!st.ok());
  BOOST_TEST(st.error().detail.find("never comes back") != std::string::npos);
  // Its keys stay refused for any new device.
  Device again = bare_device(2);
  again.machine_key = d.machine_key;
  BOOST_TEST(!save_device(*db, again).ok());

  std::vector<Device> loaded = value_ok(load_devices(*db));
  BOOST_REQUIRE(loaded.size() == 1u);
  BOOST_TEST(state_name(loaded[0].state) == std::string("removed"));
}

BOOST_AUTO_TEST_CASE(a_schema_1_database_gains_the_registry_tables_and_keeps_its_rows) {
  TempDir dir;
  const std::string path = dir.file("state.db");
  {
    auto db = Database::open(path, {server_migrations().front()});
    BOOST_REQUIRE(db.ok());
    BOOST_TEST((*db)->schema_version() == 1);
    require_ok(save_secret(**db, "auth_key_hashing", std::vector<uint8_t>(32, 9)));
    require_ok(save_device_addresses(**db, DeviceId{3}, addresses(3)));
  }
  auto db = open_ok(path);
  BOOST_TEST(db->schema_version() == kSchemaVersion);
  BOOST_TEST(kSchemaVersion == server_migrations().back().version);
  auto secret = load_secret(*db, "auth_key_hashing");
  BOOST_REQUIRE(secret.ok() && secret->has_value());
  auto held = load_addresses(*db);
  BOOST_REQUIRE(held.ok());
  BOOST_TEST((held->held.at(DeviceId{3}) == addresses(3)));
  // The device row can name the assignment written under schema 1.
  Device d = bare_device(3);
  d.addresses = addresses(3);
  require_ok(save_device(*db, d));
  std::vector<Device> loaded = value_ok(load_devices(*db));
  BOOST_REQUIRE(loaded.size() == 1u);
  check_same(loaded[0], d);
}

// Rows an edited or damaged file could hold (the CHECKs and foreign keys switched off to write
// them): each load refuses with store.corrupt naming the table and the row.
BOOST_AUTO_TEST_CASE(a_row_that_does_not_decode_is_reported_corrupt) {
  struct Case {
    const char* damage;
    const char* where;
  };
  const Case cases[] = {
      {"UPDATE devices SET node_key = x'0102' WHERE id = 2", "devices row 2"},
      {"UPDATE devices SET machine_key = zeroblob(33) WHERE id = 2", "devices row 2"},
      {"UPDATE devices SET auth_key_id = x'01' WHERE id = 2", "devices row 2"},
      {"UPDATE devices SET state = 4 WHERE id = 2", "devices row 2"},
      {"UPDATE devices SET v4 = '100.64.0.300' WHERE id = 2", "devices row 2"},
      {"UPDATE devices SET v6 = '100.64.0.2' WHERE id = 2", "devices row 2"},
      {"UPDATE devices SET home_region = 70000 WHERE id = 2", "devices row 2"},
      {"UPDATE device_endpoints SET endpoint = 'example.com:80' WHERE device_id = 2 "
       "AND position = 3",
       "device_endpoints row (device 2, position 3)"},
      {"UPDATE device_routes SET prefix = '10.0.0.1/8' WHERE device_id = 2 AND position = 0",
       "device_routes row (device 2, position 0)"},
      {"INSERT INTO device_tags VALUES (9, 0, 'tag:orphan')", "device_tags row (device 9"},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.damage) {
      TempDir dir;
      auto db = open_ok(dir.file("state.db"));
      require_ok(save_device(*db, bare_device(1)));
      require_ok(save_with_addresses(*db, full_device(2)));
      require_ok(db->exec("PRAGMA ignore_check_constraints = ON"));
      require_ok(db->exec("PRAGMA foreign_keys = OFF"));
      require_ok(db->exec(c.damage));
      auto devices = load_devices(*db);
      BOOST_REQUIRE(!devices.ok());
      BOOST_TEST(devices.error().code == "store.corrupt");
      BOOST_TEST(devices.error().detail.find(c.where) != std::string::npos,
                 devices.error().detail);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
