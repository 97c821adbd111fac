// The device_addresses and quarantined_addresses tables (schema step 1).
#include "store/address_table.h"

#include <algorithm>
#include <optional>
#include <string>

#include "store/wall_time.h"

namespace weft::store {
namespace {

Result<util::IpAddress> parse_address(const std::string& text, util::IpFamily family) {
  std::optional<util::IpAddress> a = util::IpAddress::parse(text);
  if (!a || a->family() != family) {
    return make_error("store.corrupt", "stored address \"" + text + "\" is not valid here");
  }
  return *a;
}

}  // namespace

Status put_device_addresses(Database& db, coord::DeviceId device,
                            const coord::DeviceAddresses& addresses) {
  const std::string v4 = addresses.v4.to_string();
  const std::string v6 = addresses.v6.to_string();
  auto lift = db.prepare("DELETE FROM quarantined_addresses WHERE address IN (?1, ?2)");
  if (!lift) return lift.error();
  lift->bind(1, v4).bind(2, v6);
  if (auto st = lift->run(); !st) return st;

  auto upsert = db.prepare(
      "INSERT INTO device_addresses(device_id, v4, v6) VALUES (?1, ?2, ?3) "
      "ON CONFLICT(device_id) DO UPDATE SET v4 = excluded.v4, v6 = excluded.v6");
  if (!upsert) return upsert.error();
  upsert->bind(1, static_cast<int64_t>(device.value)).bind(2, v4).bind(3, v6);
  return upsert->run();
}

Status put_released(Database& db, coord::DeviceId device, core::WallTime until) {
  auto held = db.prepare("SELECT v4, v6 FROM device_addresses WHERE device_id = ?1");
  if (!held) return held.error();
  held->bind(1, static_cast<int64_t>(device.value));
  auto row = held->step();
  if (!row) return row.error();
  if (!*row) {
    return make_error("store.unknown_device",
                      "no addresses stored for device " + std::to_string(device.value));
  }
  const std::string addresses[] = {held->column_text(0), held->column_text(1)};

  auto drop = db.prepare("DELETE FROM device_addresses WHERE device_id = ?1");
  if (!drop) return drop.error();
  drop->bind(1, static_cast<int64_t>(device.value));
  if (auto st = drop->run(); !st) return st;

  auto quarantine = db.prepare(
      "INSERT INTO quarantined_addresses(address, until_ns) VALUES (?1, ?2) "
      "ON CONFLICT(address) DO UPDATE SET until_ns = excluded.until_ns");
  if (!quarantine) return quarantine.error();
  for (const std::string& a : addresses) {
    quarantine->bind(1, a).bind(2, to_epoch_ns(until));
    if (auto st = quarantine->run(); !st) return st;
    quarantine->reset();
  }
  return Ok{};
}

Status save_device_addresses(Database& db, coord::DeviceId device,
                             const coord::DeviceAddresses& addresses) {
  return db.transaction([&] { return put_device_addresses(db, device, addresses); });
}

Status save_released(Database& db, coord::DeviceId device, core::WallTime until) {
  return db.transaction([&] { return put_released(db, device, until); });
}

Result<StoredAddresses> load_addresses(Database& db) {
  StoredAddresses out;
  auto held = db.prepare("SELECT device_id, v4, v6 FROM device_addresses ORDER BY device_id");
  if (!held) return held.error();
  for (;;) {
    auto row = held->step();
    if (!row) return row.error();
    if (!*row) break;
    auto v4 = parse_address(held->column_text(1), util::IpFamily::kV4);
    if (!v4) return v4.error();
    auto v6 = parse_address(held->column_text(2), util::IpFamily::kV6);
    if (!v6) return v6.error();
    out.held.emplace(coord::DeviceId{static_cast<uint64_t>(held->column_int64(0))},
                     coord::DeviceAddresses{*v4, *v6});
  }

  auto quarantined = db.prepare("SELECT address, until_ns FROM quarantined_addresses");
  if (!quarantined) return quarantined.error();
  for (;;) {
    auto row = quarantined->step();
    if (!row) return row.error();
    if (!*row) break;
    const std::string text = quarantined->column_text(0);
    std::optional<util::IpAddress> a = util::IpAddress::parse(text);
    if (!a) return make_error("store.corrupt", "stored address \"" + text + "\" does not parse");
    out.quarantined.push_back({*a, from_epoch_ns(quarantined->column_int64(1))});
  }
  // Text order is not address order; give the pool's order (its quarantined() is by address).
  std::sort(out.quarantined.begin(), out.quarantined.end(),
            [](const auto& x, const auto& y) { return x.address < y.address; });
  return out;
}

Status restore_addresses(Database& db, coord::AddressPool& pool) {
  auto loaded = load_addresses(db);
  if (!loaded) return loaded.error();
  for (const auto& [device, addresses] : loaded->held) {
    if (auto st = pool.restore(device, addresses); !st) return st;
  }
  for (const coord::QuarantinedAddress& entry : loaded->quarantined) {
    if (auto st = pool.restore_quarantined(entry); !st) return st;
  }
  return Ok{};
}

}  // namespace weft::store
