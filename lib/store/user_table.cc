// The users table (schema step 2; step 3 adds the identity-provider account and synced groups).
#include "store/user_table.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/wall_time.h"

namespace weft::store {
namespace {

std::string join_lines(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : "\n") + s;
  return out;
}

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    out.emplace_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

}  // namespace

Status put_user(Database& db, const coord::User& user) {
  auto upsert = db.prepare(
      "INSERT INTO users(id, email, role, created_ns, oidc_issuer, oidc_subject, synced_groups) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
      "ON CONFLICT(id) DO UPDATE SET email = excluded.email, role = excluded.role, "
      "created_ns = excluded.created_ns, oidc_issuer = excluded.oidc_issuer, "
      "oidc_subject = excluded.oidc_subject, synced_groups = excluded.synced_groups");
  if (!upsert) return upsert.error();
  upsert->bind(1, static_cast<int64_t>(user.id.value))
      .bind(2, user.email)
      .bind(3, std::string_view(coord::role_name(user.role)))
      .bind(4, to_epoch_ns(user.created))
      .bind(5, user.oidc_issuer)
      .bind(6, user.oidc_subject)
      .bind(7, join_lines(user.groups));
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
  auto rows = db.prepare(
      "SELECT id, email, role, created_ns, oidc_issuer, oidc_subject, synced_groups FROM users "
      "ORDER BY id");
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
    user.oidc_issuer = rows->column_text(4);
    user.oidc_subject = rows->column_text(5);
    user.groups = split_lines(rows->column_text(6));
    out.push_back(std::move(user));
  }
  return out;
}

}  // namespace weft::store
