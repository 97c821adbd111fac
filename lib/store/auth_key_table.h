// Pre-auth keys in the store: coord::StoredAuthKey rows (hash only, never the secret) with their
// tags in order, reloaded into coord::AuthKeys::restore.
#pragma once

#include <vector>

#include "coord/auth_key.h"
#include "store/database.h"
#include "util/result.h"

namespace weft::store {

/// Writes the key as it is now (created, used or revoked), replacing any earlier row and tags;
/// call inside Database::transaction. Errors: "store.sqlite".
Status put_auth_key(Database& db, const coord::StoredAuthKey& key);
/// As put_auth_key, in a transaction of its own: durable when it returns.
Status save_auth_key(Database& db, const coord::StoredAuthKey& key);

/// Every stored key, by id. Errors: "store.sqlite"; "store.corrupt" when a row has an id or
/// hash of the wrong size.
Result<std::vector<coord::StoredAuthKey>> load_auth_keys(Database& db);
/// Loads every key into `keys` (before its first check). Errors: those of load_auth_keys and
/// of AuthKeys::restore.
Status restore_auth_keys(Database& db, coord::AuthKeys& keys);

}  // namespace weft::store
