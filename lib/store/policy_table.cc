// The policy_history table (schema step 2).
#include "store/policy_table.h"

#include "store/wall_time.h"

namespace weft::store {
namespace {

coord::PolicyRecord read_record(const Statement& row) {
  coord::PolicyRecord record;
  record.version = static_cast<uint64_t>(row.column_int64(0));
  record.text = row.column_text(1);
  record.applied = from_epoch_ns(row.column_int64(2));
  return record;
}

}  // namespace

Status put_policy(Database& db, const coord::PolicyRecord& record) {
  // A plain INSERT: a second record of one version fails on the primary key.
  auto insert =
      db.prepare("INSERT INTO policy_history(version, text, applied_ns) VALUES (?1, ?2, ?3)");
  if (!insert) return insert.error();
  insert->bind(1, static_cast<int64_t>(record.version))
      .bind(2, record.text)
      .bind(3, to_epoch_ns(record.applied));
  return insert->run();
}

Status save_policy(Database& db, const coord::PolicyRecord& record) {
  return db.transaction([&] { return put_policy(db, record); });
}

Result<std::vector<coord::PolicyRecord>> load_policy_history(Database& db) {
  auto rows = db.prepare("SELECT version, text, applied_ns FROM policy_history ORDER BY version");
  if (!rows) return rows.error();
  std::vector<coord::PolicyRecord> out;
  for (;;) {
    auto row = rows->step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back(read_record(*rows));
  }
  return out;
}

Result<std::optional<coord::PolicyRecord>> load_latest_policy(Database& db) {
  auto rows = db.prepare(
      "SELECT version, text, applied_ns FROM policy_history ORDER BY version DESC LIMIT 1");
  if (!rows) return rows.error();
  auto row = rows->step();
  if (!row) return row.error();
  if (!*row) return std::optional<coord::PolicyRecord>();
  return std::optional<coord::PolicyRecord>(read_record(*rows));
}

}  // namespace weft::store
