// The server's secrets table: small named byte strings (e.g. the pre-auth key hashing secret),
// protected by the database file's 0600 mode.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "store/database.h"
#include "util/result.h"

namespace weft::store {

/// Writes (or replaces) the secret `name`; call inside Database::transaction.
/// Errors: "store.sqlite".
Status put_secret(Database& db, std::string_view name, const std::vector<uint8_t>& value);
/// As put_secret, in a transaction of its own: durable when it returns.
Status save_secret(Database& db, std::string_view name, const std::vector<uint8_t>& value);
/// The secret `name`, or nullopt when none is stored. Errors: "store.sqlite".
Result<std::optional<std::vector<uint8_t>>> load_secret(Database& db, std::string_view name);

}  // namespace weft::store
