// Users in the store: coord::User rows (id, e-mail, role, created), reloaded by the registry at
// server start. See docs/control-plane.md, section "Store".
#pragma once

#include <vector>

#include "coord/device.h"
#include "coord/ids.h"
#include "store/database.h"
#include "util/result.h"

namespace weft::store {

/// Writes the user as it is now, inserting or replacing the row of its id; call inside
/// Database::transaction. Errors: "store.sqlite" (also when another user has the e-mail: a
/// UNIQUE constraint; the caller's transaction then rolls back).
Status put_user(Database& db, const coord::User& user);
/// As put_user, in a transaction of its own: durable when it returns.
Status save_user(Database& db, const coord::User& user);
/// Deletes the user's row (its devices keep theirs); call inside Database::transaction.
/// Errors: "store.unknown_user" when no row has the id; "store.sqlite".
Status delete_user(Database& db, coord::UserId user);

/// Every stored user, by id. Errors: "store.sqlite"; "store.corrupt" naming the row when its
/// role is not one this code knows.
Result<std::vector<coord::User>> load_users(Database& db);

}  // namespace weft::store
