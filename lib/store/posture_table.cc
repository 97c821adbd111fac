// devices.os_version and device_posture_attributes (schema step 5): device posture's columns.
#include "store/posture_table.h"

#include <string>

namespace weft::store {

Status put_device_posture(Database& db, const coord::Device& d) {
  const int64_t id = static_cast<int64_t>(d.id.value);
  auto version = db.prepare("UPDATE devices SET os_version = ?2 WHERE id = ?1");
  if (!version) return version.error();
  version->bind(1, id).bind(2, d.os_version);
  if (auto st = version->run(); !st) return st;

  auto clear = db.prepare("DELETE FROM device_posture_attributes WHERE device_id = ?1");
  if (!clear) return clear.error();
  clear->bind(1, id);
  if (auto st = clear->run(); !st) return st;
  auto insert = db.prepare(
      "INSERT INTO device_posture_attributes(device_id, name, value) VALUES (?1, ?2, ?3)");
  if (!insert) return insert.error();
  for (const auto& [name, value] : d.posture_attributes) {
    insert->bind(1, id).bind(2, name).bind(3, value);
    if (auto st = insert->run(); !st) return st;
    insert->reset();
  }
  return Ok{};
}

Status load_device_posture(Database& db, std::vector<coord::Device>& devices,
                           const std::map<int64_t, std::size_t>& index) {
  auto versions = db.prepare("SELECT id, os_version FROM devices");
  if (!versions) return versions.error();
  for (;;) {
    auto row = versions->step();
    if (!row) return row.error();
    if (!*row) break;
    auto it = index.find(versions->column_int64(0));
    if (it != index.end()) devices[it->second].os_version = versions->column_text(1);
  }
  auto attrs = db.prepare(
      "SELECT device_id, name, value FROM device_posture_attributes ORDER BY device_id, name");
  if (!attrs) return attrs.error();
  for (;;) {
    auto row = attrs->step();
    if (!row) return row.error();
    if (!*row) return Ok{};
    const int64_t id = attrs->column_int64(0);
    auto it = index.find(id);
    // The foreign key makes an orphan impossible; treat one as corruption all the same.
    if (it == index.end())
      return make_error("store.corrupt", "device_posture_attributes row (device " +
                                             std::to_string(id) + ", name " +
                                             attrs->column_text(1) + "): no such device");
    devices[it->second].posture_attributes[attrs->column_text(1)] = attrs->column_text(2);
  }
}

}  // namespace weft::store
