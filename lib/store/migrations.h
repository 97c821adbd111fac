// The server database's schema history: every step ever shipped, in order. Steps are never
// edited once released; a change is a new step. See docs/control-plane.md, section "Store".
#pragma once

#include <vector>

#include "store/database.h"

namespace weft::store {

/// The schema version this code writes (the last step's version).
inline constexpr int kSchemaVersion = 7;

/// Versions 1..kSchemaVersion, ascending.
const std::vector<Migration>& server_migrations();

}  // namespace weft::store
