// The users table (schema step 2).
#include "store/user_table.h"

#include <optional>
#include <string>

#include "store/wall_time.h"

namespace weft::store {

Status put_user(Database& db, const coord::User& user) {
  auto upsert = db.prepare(
      "INSERT INTO users(id, email, role, created_ns) VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT(id) DO UPDATE SET email = excluded.email, role = excluded.role, "
      "created_ns = excluded.created_ns");
  if (!upsert) return upsert.error();
  upsert->bind(1, static_cast<int64_t>(user.id.value))
      .bind(2, user.email)
      .bind(3, std::string_view(coord::role_name(user.role)))
      .bind(4, to_epoch_ns(user.created));
  return upsert->run();
}

Status save_user(Database& db, const coord::User& user) {
  return db.transaction([&] { return put_user(db, user); });
}

Status delete_user(Database& db, coord::UserId user) {
  auto drop = db.prepare("DELETE FROM users WHERE id = ?1 RETURNING id");
  if (!drop) return drop.error();
  drop->bind(1, static_cast<int64_t>(user.value));
  auto row = drop->step();
  if (!row) return row.error();
  if (!*row) {
    return make_error("store.unknown_user", "no user " + std::to_string(user.value) + " stored");
  }
  return drop->run();
}

Result<std::vector<coord::User>> load_users(Database& db) {
  auto rows = db.prepare("SELECT id, email, role, created_ns FROM users ORDER BY id");
  if (!rows) return rows.error();
  std::vector<coord::User> out;
  for (;;) {
    auto row = rows->step();
    if (!row) return row.error();
    if (!*row) break;
    coord::User user;
    user.id = coord::UserId{static_cast<uint64_t>(rows->column_int64(0))};
    user.email = rows->column_text(1);
    const std::string role = rows->column_text(2);
    std::optional<coord::Role> parsed = coord::parse_role(role);
    if (!parsed) {
      return make_error("store.corrupt", "users row " + std::to_string(user.id.value) +
                                             ": unknown role \"" + role + "\"");
    }
    user.role = *parsed;
    user.created = from_epoch_ns(rows->column_int64(3));
    out.push_back(std::move(user));
  }
  return out;
}

}  // namespace weft::store
