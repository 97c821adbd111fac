// The devices table and its ordered children device_tags, device_endpoints and device_routes
// (schema step 2).
#include "store/device_table.h"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <string>

#include "store/posture_table.h"
#include "store/wall_time.h"

namespace weft::store {
namespace {

constexpr int64_t kLastState = static_cast<int64_t>(coord::DeviceState::kRemoved);

Error corrupt(const std::string& where, const std::string& what) {
  return make_error("store.corrupt", where + ": " + what);
}

std::string device_row(int64_t id) { return "devices row " + std::to_string(id); }

// Copies a blob into a fixed-size key; false when the size differs.
template <std::size_t N>
bool read_bytes(const std::vector<uint8_t>& raw, std::array<uint8_t, N>& out) {
  if (raw.size() != N) return false;
  std::copy(raw.begin(), raw.end(), out.begin());
  return true;
}

Result<util::IpAddress> read_address(const std::string& text, util::IpFamily family,
                                     const std::string& where) {
  std::optional<util::IpAddress> a = util::IpAddress::parse(text);
  if (!a || a->family() != family) return corrupt(where, "address \"" + text + "\" is not valid");
  return *a;
}

// Replaces the ordered child rows of one device. The SQL is constant text per table.
Status replace_children(Database& db, const char* delete_sql, const char* insert_sql,
                        int64_t device, const std::vector<std::string>& values) {
  auto clear = db.prepare(delete_sql);
  if (!clear) return clear.error();
  clear->bind(1, device);
  if (auto st = clear->run(); !st) return st;

  auto insert = db.prepare(insert_sql);
  if (!insert) return insert.error();
  for (std::size_t i = 0; i < values.size(); ++i) {
    insert->bind(1, device).bind(2, static_cast<int64_t>(i)).bind(3, values[i]);
    if (auto st = insert->run(); !st) return st;
    insert->reset();
  }
  return Ok{};
}

// The device columns in the order decode_device reads them. "x IS NULL" columns tell NULL
// from 0 or "" (column_int64 / column_text read NULL as those).
constexpr const char* kSelectDevices =
    "SELECT id, hostname, requested_hostname, os, client_version, machine_key, node_key, "
    "disco_key, v4 IS NULL, v4, v6, home_region, user_id, created_ns, last_seen_ns, online, "
    "key_expiry_ns IS NULL, key_expiry_ns, state, ephemeral, offline_since_ns IS NULL, "
    "offline_since_ns, auth_key_id IS NULL, auth_key_id, policy_version FROM devices ORDER BY id";

Result<coord::Device> decode_device(const Statement& row) {
  coord::Device d;
  const int64_t id = row.column_int64(0);
  const std::string where = device_row(id);
  d.id = coord::DeviceId{static_cast<uint64_t>(id)};
  d.hostname = row.column_text(1);
  d.requested_hostname = row.column_text(2);
  d.os = row.column_text(3);
  d.client_version = row.column_text(4);
  if (!read_bytes(row.column_blob(5), d.machine_key.bytes)) {
    return corrupt(where, "machine_key is not 32 bytes");
  }
  if (!read_bytes(row.column_blob(6), d.node_key.bytes)) {
    return corrupt(where, "node_key is not 32 bytes");
  }
  if (!read_bytes(row.column_blob(7), d.disco_key.bytes)) {
    return corrupt(where, "disco_key is not 32 bytes");
  }
  if (row.column_int64(8) == 0) {
    auto v4 = read_address(row.column_text(9), util::IpFamily::kV4, where);
    if (!v4) return v4.error();
    auto v6 = read_address(row.column_text(10), util::IpFamily::kV6, where);
    if (!v6) return v6.error();
    d.addresses = coord::DeviceAddresses{*v4, *v6};
  }
  const int64_t region = row.column_int64(11);
  if (region < 0 || region > 0xffff) return corrupt(where, "home_region out of range");
  d.home_region = static_cast<uint16_t>(region);
  d.user = coord::UserId{static_cast<uint64_t>(row.column_int64(12))};
  d.created = from_epoch_ns(row.column_int64(13));
  d.last_seen = from_epoch_ns(row.column_int64(14));
  d.online = row.column_int64(15) != 0;
  if (row.column_int64(16) == 0) d.key_expiry = from_epoch_ns(row.column_int64(17));
  const int64_t state = row.column_int64(18);
  if (state < 0 || state > kLastState) {
    return corrupt(where, "unknown state " + std::to_string(state));
  }
  d.state = static_cast<coord::DeviceState>(state);
  d.ephemeral = row.column_int64(19) != 0;
  if (row.column_int64(20) == 0) d.offline_since = from_epoch_ns(row.column_int64(21));
  if (row.column_int64(22) == 0) {
    coord::AuthKeyId key;
    if (!read_bytes(row.column_blob(23), key.bytes)) {
      return corrupt(where, "auth_key_id is not 8 bytes");
    }
    d.auth_key = key;
  }
  d.policy_version = static_cast<uint64_t>(row.column_int64(24));
  return d;
}

// Reads one child table (device_id, position, text) in order and hands each row to `add`,
// which decodes the text into the device; an orphan row is corruption.
template <class Add>
Status load_children(Database& db, const char* select_sql, const char* table,
                     std::vector<coord::Device>& devices,
                     const std::map<int64_t, std::size_t>& index, Add add) {
  auto rows = db.prepare(select_sql);
  if (!rows) return rows.error();
  for (;;) {
    auto row = rows->step();
    if (!row) return row.error();
    if (!*row) return Ok{};
    const int64_t id = rows->column_int64(0);
    const std::string where = std::string(table) + " row (device " + std::to_string(id) +
                              ", position " + std::to_string(rows->column_int64(1)) + ")";
    auto it = index.find(id);
    // The foreign key makes an orphan impossible; treat one as corruption all the same.
    if (it == index.end()) return corrupt(where, "no such device");
    if (auto st = add(devices[it->second], rows->column_text(2), where); !st) return st;
  }
}

}  // namespace

Status put_device(Database& db, const coord::Device& d) {
  // DO UPDATE rather than INSERT OR REPLACE: REPLACE deletes the old row first, which the
  // never-deleted trigger refuses, and it would also silently drop other rows whose keys clash.
  auto upsert = db.prepare(
      "INSERT INTO devices(id, hostname, requested_hostname, os, client_version, machine_key, "
      "node_key, disco_key, v4, v6, home_region, user_id, created_ns, last_seen_ns, online, "
      "key_expiry_ns, state, ephemeral, offline_since_ns, auth_key_id, policy_version) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, "
      "?19, ?20, ?21) "
      "ON CONFLICT(id) DO UPDATE SET hostname = excluded.hostname, "
      "requested_hostname = excluded.requested_hostname, os = excluded.os, "
      "client_version = excluded.client_version, machine_key = excluded.machine_key, "
      "node_key = excluded.node_key, disco_key = excluded.disco_key, v4 = excluded.v4, "
      "v6 = excluded.v6, home_region = excluded.home_region, user_id = excluded.user_id, "
      "created_ns = excluded.created_ns, last_seen_ns = excluded.last_seen_ns, "
      "online = excluded.online, key_expiry_ns = excluded.key_expiry_ns, "
      "state = excluded.state, ephemeral = excluded.ephemeral, "
      "offline_since_ns = excluded.offline_since_ns, auth_key_id = excluded.auth_key_id, "
      "policy_version = excluded.policy_version");
  if (!upsert) return upsert.error();
  const int64_t id = static_cast<int64_t>(d.id.value);
  upsert->bind(1, id)
      .bind(2, d.hostname)
      .bind(3, d.requested_hostname)
      .bind(4, d.os)
      .bind(5, d.client_version)
      .bind_blob(6, d.machine_key.bytes.data(), d.machine_key.bytes.size())
      .bind_blob(7, d.node_key.bytes.data(), d.node_key.bytes.size())
      .bind_blob(8, d.disco_key.bytes.data(), d.disco_key.bytes.size())
      .bind(11, int64_t{d.home_region})
      .bind(12, static_cast<int64_t>(d.user.value))
      .bind(13, to_epoch_ns(d.created))
      .bind(14, to_epoch_ns(d.last_seen))
      .bind(15, int64_t{d.online})
      .bind(17, static_cast<int64_t>(d.state))
      .bind(18, int64_t{d.ephemeral})
      .bind(21, static_cast<int64_t>(d.policy_version));
  // Optional values left unbound are NULL.
  if (d.addresses) {
    upsert->bind(9, d.addresses->v4.to_string()).bind(10, d.addresses->v6.to_string());
  }
  if (d.key_expiry) upsert->bind(16, to_epoch_ns(*d.key_expiry));
  if (d.offline_since) upsert->bind(19, to_epoch_ns(*d.offline_since));
  if (d.auth_key) upsert->bind_blob(20, d.auth_key->bytes.data(), d.auth_key->bytes.size());
  if (auto st = upsert->run(); !st) return st;
  if (auto st = put_device_posture(db, d); !st) return st;

  std::vector<std::string> endpoints;
  for (const core::SocketAddress& e : d.endpoints) endpoints.push_back(e.to_string());
  std::vector<std::string> routes;
  for (const util::IpPrefix& r : d.advertised_routes) routes.push_back(r.to_string());
  if (auto st = replace_children(db, "DELETE FROM device_tags WHERE device_id = ?1",
                                 "INSERT INTO device_tags(device_id, position, tag) "
                                 "VALUES (?1, ?2, ?3)",
                                 id, d.tags);
      !st) {
    return st;
  }
  if (auto st = replace_children(db, "DELETE FROM device_endpoints WHERE device_id = ?1",
                                 "INSERT INTO device_endpoints(device_id, position, endpoint) "
                                 "VALUES (?1, ?2, ?3)",
                                 id, endpoints);
      !st) {
    return st;
  }
  if (auto st = replace_children(db, "DELETE FROM device_routes WHERE device_id = ?1",
                                 "INSERT INTO device_routes(device_id, position, prefix) "
                                 "VALUES (?1, ?2, ?3)",
                                 id, routes);
      !st) {
    return st;
  }
  std::vector<std::string> approved;
  for (const util::IpPrefix& r : d.approved_routes) approved.push_back(r.to_string());
  return replace_children(db, "DELETE FROM device_approved_routes WHERE device_id = ?1",
                          "INSERT INTO device_approved_routes(device_id, position, prefix) "
                          "VALUES (?1, ?2, ?3)",
                          id, approved);
}

Status save_device(Database& db, const coord::Device& device) {
  return db.transaction([&] { return put_device(db, device); });
}

Result<std::vector<coord::Device>> load_devices(Database& db) {
  auto rows = db.prepare(kSelectDevices);
  if (!rows) return rows.error();
  std::vector<coord::Device> out;
  std::map<int64_t, std::size_t> index;
  for (;;) {
    auto row = rows->step();
    if (!row) return row.error();
    if (!*row) break;
    auto device = decode_device(*rows);
    if (!device) return device.error();
    index.emplace(static_cast<int64_t>(device->id.value), out.size());
    out.push_back(std::move(device).value());
  }
  if (auto st = load_device_posture(db, out, index); !st) return st.error();

  auto tags = load_children(
      db, "SELECT device_id, position, tag FROM device_tags ORDER BY device_id, position",
      "device_tags", out, index,
      [](coord::Device& d, std::string text, const std::string&) -> Status {
        d.tags.push_back(std::move(text));
        return Ok{};
      });
  if (!tags) return tags.error();
  auto endpoints = load_children(
      db,
      "SELECT device_id, position, endpoint FROM device_endpoints ORDER BY device_id, position",
      "device_endpoints", out, index,
      [](coord::Device& d, const std::string& text, const std::string& where) -> Status {
        std::optional<core::SocketAddress> e = core::SocketAddress::parse(text);
        if (!e) return corrupt(where, "endpoint \"" + text + "\" does not parse");
        d.endpoints.push_back(*e);
        return Ok{};
      });
  if (!endpoints) return endpoints.error();
  auto routes = load_children(
      db, "SELECT device_id, position, prefix FROM device_routes ORDER BY device_id, position",
      "device_routes", out, index,
      [](coord::Device& d, const std::string& text, const std::string& where) -> Status {
        // Strict: the store writes prefixes masked, so host bits mean the row was altered.
        std::optional<util::IpPrefix> p = util::IpPrefix::parse(text, /*strict=*/true);
        if (!p) return corrupt(where, "route \"" + text + "\" does not parse");
        d.advertised_routes.push_back(*p);
        return Ok{};
      });
  if (!routes) return routes.error();
  auto approved = load_children(
      db,
      "SELECT device_id, position, prefix FROM device_approved_routes ORDER BY device_id, position",
      "device_approved_routes", out, index,
      [](coord::Device& d, const std::string& text, const std::string& where) -> Status {
        std::optional<util::IpPrefix> p = util::IpPrefix::parse(text, /*strict=*/true);
        if (!p) return corrupt(where, "route \"" + text + "\" does not parse");
        d.approved_routes.push_back(*p);
        return Ok{};
      });
  if (!approved) return approved.error();
  return out;
}

}  // namespace weft::store
