// Device posture in the store (lib/store/posture_table.cc, schema step 5): the OS version and
// the operator's attributes survive a reopen with their device, are replaced whole on every
// write, and a database written before step 5 loads with none.
#define BOOST_TEST_MODULE store_posture_table
#include <boost/test/unit_test.hpp>

#include <map>
#include <string>
#include <vector>

#include "coord/device.h"
#include "store/database.h"
#include "store/device_table.h"
#include "store/migrations.h"
#include "support/store_db.h"
#include "support/temp_dir.h"

using namespace weft;
using namespace weft::coord;
using namespace weft::store;
using namespace store_test;

namespace {

Device device(uint64_t n) {
  Device d;
  d.id = DeviceId{n};
  d.hostname = "host" + std::to_string(n);
  d.requested_hostname = d.hostname;
  for (std::size_t i = 0; i < 32; ++i) {
    d.machine_key.bytes[i] = static_cast<uint8_t>(n * 3 + i);
    d.node_key.bytes[i] = static_cast<uint8_t>(n * 3 + 1 + i);
    d.disco_key.bytes[i] = static_cast<uint8_t>(n * 3 + 2 + i);
  }
  d.user = UserId{1};
  d.created = kT0;
  d.last_seen = kT0;
  return d;
}

const Device& by_id(const std::vector<Device>& all, uint64_t id) {
  for (const auto& d : all)
    if (d.id.value == id) return d;
  BOOST_FAIL("no device " << id);
  return all.front();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(store_posture_table)

BOOST_AUTO_TEST_CASE(os_version_and_attributes_survive_a_reopen_and_are_replaced_whole) {
  TempDir dir;
  const std::string path = dir.file("state.db");
  Device a = device(1);
  a.os = "linux";
  a.os_version = "6.1.0-18-amd64";
  a.posture_attributes = {{"custom:risk", "40"}, {"intune:complianceState", "compliant"},
                          {"custom:empty", ""}};
  const Device b = device(2);
  {
    auto db = open_ok(path);
    require_ok(save_device(*db, a));
    require_ok(save_device(*db, b));
  }
  {
    auto db = open_ok(path);
    auto loaded = value_ok(load_devices(*db));
    BOOST_TEST(by_id(loaded, 1).os_version == "6.1.0-18-amd64");
    BOOST_TEST((by_id(loaded, 1).posture_attributes == a.posture_attributes));
    BOOST_TEST(by_id(loaded, 2).os_version.empty());
    BOOST_TEST(by_id(loaded, 2).posture_attributes.empty());

    a.os_version = "6.6.0";
    a.posture_attributes = {{"custom:risk", "10"}};
    require_ok(save_device(*db, a));
    BOOST_TEST(count_rows(*db, "SELECT count(*) FROM device_posture_attributes") == 1);
  }
  auto db = open_ok(path);
  auto loaded = value_ok(load_devices(*db));
  BOOST_TEST(by_id(loaded, 1).os_version == "6.6.0");
  BOOST_TEST((by_id(loaded, 1).posture_attributes ==
              std::map<std::string, std::string>{{"custom:risk", "10"}}));
}

BOOST_AUTO_TEST_CASE(a_database_before_step_5_loads_with_no_posture) {
  TempDir dir;
  const std::string path = dir.file("state.db");
  {
    std::vector<Migration> before(server_migrations().begin(), server_migrations().begin() + 4);
    auto db = Database::open(path, before);
    BOOST_REQUIRE(db.ok());
    BOOST_TEST((*db)->schema_version() == 4);
    require_ok((*db)->exec(
        "INSERT INTO devices(id, hostname, requested_hostname, os, client_version, machine_key, "
        "node_key, disco_key, home_region, user_id, created_ns, last_seen_ns, online, state, "
        "ephemeral, policy_version) VALUES (5, 'old', 'old', 'linux', 'weft 0.1.0', "
        "zeroblob(32), randomblob(32), zeroblob(32), 0, 1, 0, 0, 0, 0, 0, 0)"));
  }
  auto db = open_ok(path);
  BOOST_TEST(db->schema_version() == kSchemaVersion);
  auto loaded = value_ok(load_devices(*db));
  BOOST_REQUIRE(loaded.size() == 1u);
  BOOST_TEST(loaded[0].os == "linux");
  BOOST_TEST(loaded[0].os_version.empty());
  BOOST_TEST(loaded[0].posture_attributes.empty());
}

BOOST_AUTO_TEST_CASE(an_attribute_of_no_device_is_refused_by_the_schema) {
  TempDir dir;
  auto db = open_ok(dir.file("state.db"));
  BOOST_TEST(!db->exec("INSERT INTO device_posture_attributes(device_id, name, value) "
                       "VALUES (9, 'custom:x', '1')")
                  .ok());
}

BOOST_AUTO_TEST_SUITE_END()
