// The api_tokens table (schema step 4).
#include "store/api_token_table.h"

#include <algorithm>

#include "store/wall_time.h"

namespace weft::store {

Status put_api_token(Database& db, const coord::StoredApiToken& t) {
  auto upsert = db.prepare(
      "INSERT INTO api_tokens(id, secret_hash, scope, created_ns, expires_ns, uses, revoked, "
      "last_used_ns) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
      "ON CONFLICT(id) DO UPDATE SET secret_hash = excluded.secret_hash, "
      "scope = excluded.scope, created_ns = excluded.created_ns, "
      "expires_ns = excluded.expires_ns, uses = excluded.uses, revoked = excluded.revoked, "
      "last_used_ns = excluded.last_used_ns");
  if (!upsert) return upsert.error();
  upsert->bind_blob(1, t.id.bytes.data(), t.id.bytes.size())
      .bind_blob(2, t.secret_hash.data(), t.secret_hash.size())
      .bind(3, coord::scope_name(t.scope))
      .bind(4, to_epoch_ns(t.created))
      .bind(5, to_epoch_ns(t.expires))
      .bind(6, static_cast<int64_t>(t.uses))
      .bind(7, int64_t{t.revoked});
  if (t.last_used) upsert->bind(8, to_epoch_ns(*t.last_used));  // unbound: NULL
  return upsert->run();
}

Result<std::vector<coord::StoredApiToken>> load_api_tokens(Database& db) {
  auto rows = db.prepare(
      "SELECT id, secret_hash, scope, created_ns, expires_ns, uses, revoked, "
      "last_used_ns IS NULL, last_used_ns FROM api_tokens ORDER BY id");
  if (!rows) return rows.error();
  std::vector<coord::StoredApiToken> out;
  for (;;) {
    auto row = rows->step();
    if (!row) return row.error();
    if (!*row) break;
    coord::StoredApiToken t;
    std::vector<uint8_t> id = rows->column_blob(0);
    std::vector<uint8_t> hash = rows->column_blob(1);
    auto scope = coord::parse_scope(rows->column_text(2));
    if (id.size() != t.id.bytes.size() || hash.size() != t.secret_hash.size() || !scope)
      return make_error("store.corrupt", "api_tokens row with a malformed id, hash or scope");
    std::copy(id.begin(), id.end(), t.id.bytes.begin());
    std::copy(hash.begin(), hash.end(), t.secret_hash.begin());
    t.scope = *scope;
    t.created = from_epoch_ns(rows->column_int64(3));
    t.expires = from_epoch_ns(rows->column_int64(4));
    t.uses = static_cast<uint64_t>(rows->column_int64(5));
    t.revoked = rows->column_int64(6) != 0;
    if (rows->column_int64(7) == 0) t.last_used = from_epoch_ns(rows->column_int64(8));
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace weft::store
