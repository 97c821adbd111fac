// The secrets table (schema step 1).
#include "store/secrets.h"

namespace weft::store {

Status put_secret(Database& db, std::string_view name, const std::vector<uint8_t>& value) {
  auto stmt = db.prepare(
      "INSERT INTO secrets(name, value) VALUES (?1, ?2) "
      "ON CONFLICT(name) DO UPDATE SET value = excluded.value");
  if (!stmt) return stmt.error();
  stmt->bind(1, name).bind_blob(2, value.data(), value.size());
  return stmt->run();
}

Status save_secret(Database& db, std::string_view name, const std::vector<uint8_t>& value) {
  return db.transaction([&] { return put_secret(db, name, value); });
}

Result<std::optional<std::vector<uint8_t>>> load_secret(Database& db, std::string_view name) {
  auto stmt = db.prepare("SELECT value FROM secrets WHERE name = ?1");
  if (!stmt) return stmt.error();
  stmt->bind(1, name);
  auto row = stmt->step();
  if (!row) return row.error();
  if (!*row) return std::optional<std::vector<uint8_t>>();
  return std::optional<std::vector<uint8_t>>(stmt->column_blob(0));
}

}  // namespace weft::store
