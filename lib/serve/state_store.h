// The coordinator's store on SQLite: StateStore::commit as one transaction over lib/store's tables,
// and the state the coordinator starts from. A driver (file IO); docs/control-plane.md, "Store".
#pragma once

#include <memory>

#include "coord/coordinator.h"
#include "store/database.h"
#include "util/result.h"

namespace weft::serve {

class SqliteStateStore final : public coord::StateStore {
 public:
  explicit SqliteStateStore(store::Database& db) : db_(db) {}
  /// One transaction: users, auth keys, addresses, devices and the policy record of `change`;
  /// durable when it returns ok (synchronous=FULL). Errors: the store's ("store.sqlite", ...);
  /// nothing of the change is written then.
  Status commit(const coord::StateChange& change) override;

 private:
  store::Database& db_;
};

/// Everything the coordinator restores at start. Errors: those of the load_* functions.
Result<coord::RestoredState> load_state(store::Database& db);

}  // namespace weft::serve
