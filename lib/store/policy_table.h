// The policy history in the store: every applied coord::PolicyRecord (version, file text,
// applied time), so a restarted server serves the latest and can show what was in force when.
#pragma once

#include <optional>
#include <vector>

#include "coord/device.h"
#include "store/database.h"
#include "util/result.h"

namespace weft::store {

/// Appends the record; call inside Database::transaction. The history is never rewritten: a
/// version already stored is refused. Errors: "store.sqlite" (a version already stored, or 0).
Status put_policy(Database& db, const coord::PolicyRecord& record);
/// As put_policy, in a transaction of its own: durable when it returns.
Status save_policy(Database& db, const coord::PolicyRecord& record);

/// Every stored record, by ascending version. Errors: "store.sqlite".
Result<std::vector<coord::PolicyRecord>> load_policy_history(Database& db);
/// The record of the highest version; nullopt when none was ever applied.
/// Errors: "store.sqlite".
Result<std::optional<coord::PolicyRecord>> load_latest_policy(Database& db);

}  // namespace weft::store
