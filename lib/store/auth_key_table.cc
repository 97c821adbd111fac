// The auth_keys and auth_key_tags tables (schema step 1; last_used_ns since step 4).
#include "store/auth_key_table.h"

#include <algorithm>
#include <map>

#include "store/wall_time.h"

namespace weft::store {

Status put_auth_key(Database& db, const coord::StoredAuthKey& key) {
  auto upsert = db.prepare(
      "INSERT INTO auth_keys(id, secret_hash, user_id, reusable, ephemeral, created_ns, "
      "expires_ns, uses, revoked, last_used_ns) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
      "ON CONFLICT(id) DO UPDATE SET secret_hash = excluded.secret_hash, "
      "user_id = excluded.user_id, reusable = excluded.reusable, "
      "ephemeral = excluded.ephemeral, created_ns = excluded.created_ns, "
      "expires_ns = excluded.expires_ns, uses = excluded.uses, revoked = excluded.revoked, "
      "last_used_ns = excluded.last_used_ns");
  if (!upsert) return upsert.error();
  upsert->bind_blob(1, key.id.bytes.data(), key.id.bytes.size())
      .bind_blob(2, key.secret_hash.data(), key.secret_hash.size())
      .bind(3, static_cast<int64_t>(key.user.value))
      .bind(4, int64_t{key.reusable})
      .bind(5, int64_t{key.ephemeral})
      .bind(6, to_epoch_ns(key.created))
      .bind(7, to_epoch_ns(key.expires))
      .bind(8, static_cast<int64_t>(key.uses))
      .bind(9, int64_t{key.revoked});
  if (key.last_used) upsert->bind(10, to_epoch_ns(*key.last_used));  // unbound: NULL
  if (auto st = upsert->run(); !st) return st;

  auto clear = db.prepare("DELETE FROM auth_key_tags WHERE key_id = ?1");
  if (!clear) return clear.error();
  clear->bind_blob(1, key.id.bytes.data(), key.id.bytes.size());
  if (auto st = clear->run(); !st) return st;

  auto tag = db.prepare("INSERT INTO auth_key_tags(key_id, position, tag) VALUES (?1, ?2, ?3)");
  if (!tag) return tag.error();
  for (std::size_t i = 0; i < key.tags.size(); ++i) {
    tag->bind_blob(1, key.id.bytes.data(), key.id.bytes.size())
        .bind(2, static_cast<int64_t>(i))
        .bind(3, key.tags[i]);
    if (auto st = tag->run(); !st) return st;
    tag->reset();
  }
  return Ok{};
}

Status save_auth_key(Database& db, const coord::StoredAuthKey& key) {
  return db.transaction([&] { return put_auth_key(db, key); });
}

Result<std::vector<coord::StoredAuthKey>> load_auth_keys(Database& db) {
  auto rows = db.prepare(
      "SELECT id, secret_hash, user_id, reusable, ephemeral, created_ns, expires_ns, uses, "
      "revoked, last_used_ns IS NULL, last_used_ns FROM auth_keys ORDER BY id");
  if (!rows) return rows.error();
  std::vector<coord::StoredAuthKey> out;
  std::map<coord::AuthKeyId, std::size_t> index;
  for (;;) {
    auto row = rows->step();
    if (!row) return row.error();
    if (!*row) break;
    std::vector<uint8_t> id = rows->column_blob(0);
    std::vector<uint8_t> hash = rows->column_blob(1);
    coord::StoredAuthKey key;
    if (id.size() != key.id.bytes.size() || hash.size() != key.secret_hash.size()) {
      return make_error("store.corrupt", "auth_keys row with a malformed id or hash");
    }
    std::copy(id.begin(), id.end(), key.id.bytes.begin());
    std::copy(hash.begin(), hash.end(), key.secret_hash.begin());
    key.user = coord::UserId{static_cast<uint64_t>(rows->column_int64(2))};
    key.reusable = rows->column_int64(3) != 0;
    key.ephemeral = rows->column_int64(4) != 0;
    key.created = from_epoch_ns(rows->column_int64(5));
    key.expires = from_epoch_ns(rows->column_int64(6));
    key.uses = static_cast<uint64_t>(rows->column_int64(7));
    key.revoked = rows->column_int64(8) != 0;
    if (rows->column_int64(9) == 0) key.last_used = from_epoch_ns(rows->column_int64(10));
    index.emplace(key.id, out.size());
    out.push_back(std::move(key));
  }

  auto tags = db.prepare("SELECT key_id, tag FROM auth_key_tags ORDER BY key_id, position");
  if (!tags) return tags.error();
  for (;;) {
    auto row = tags->step();
    if (!row) return row.error();
    if (!*row) break;
    std::vector<uint8_t> raw = tags->column_blob(0);
    coord::AuthKeyId id;
    if (raw.size() != id.bytes.size()) {
      return make_error("store.corrupt", "auth_key_tags row with a malformed key id");
    }
    std::copy(raw.begin(), raw.end(), id.bytes.begin());
    auto it = index.find(id);
    // The foreign key makes an orphan tag impossible; treat one as corruption all the same.
    if (it == index.end()) return make_error("store.corrupt", "tag of an unknown pre-auth key");
    out[it->second].tags.push_back(tags->column_text(1));
  }
  return out;
}

Status restore_auth_keys(Database& db, coord::AuthKeys& keys) {
  auto loaded = load_auth_keys(db);
  if (!loaded) return loaded.error();
  for (const coord::StoredAuthKey& key : *loaded) {
    if (auto st = keys.restore(key); !st) return st;
  }
  return Ok{};
}

}  // namespace weft::store
