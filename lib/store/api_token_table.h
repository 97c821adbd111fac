// API tokens in the store (schema step 4): coord::StoredApiToken rows, the hash only, never the
// secret; reloaded into the coordinator's RestoredState.
#pragma once

#include <vector>

#include "coord/api_token.h"
#include "store/database.h"
#include "util/result.h"

namespace weft::store {

/// Writes the token as it is now (created, used or revoked), replacing an earlier row; call
/// inside Database::transaction. Errors: "store.sqlite".
Status put_api_token(Database& db, const coord::StoredApiToken& token);

/// Every stored token, by id. Errors: "store.sqlite"; "store.corrupt" when a row has an id or
/// hash of the wrong size or an unknown scope.
Result<std::vector<coord::StoredApiToken>> load_api_tokens(Database& db);

}  // namespace weft::store
