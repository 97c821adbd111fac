// The server's SQLite database: a 0600 file in WAL mode with synchronous=FULL, foreign keys on,
// and a schema brought up to date by versioned migrations (PRAGMA user_version). A driver, not a
// core: it does file IO. Decisions are recorded in docs/control-plane.md, section "Store".
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace weft::store {

/// One schema step: applied, with user_version set to `version`, in one transaction.
/// `sql` is constant text written in this repository (several statements allowed), never data.
struct Migration {
  int version;
  const char* sql;
};

/// A prepared statement. Parameters are bound by 1-based index; data never enters SQL text.
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  Statement& bind(int index, int64_t value);
  Statement& bind(int index, std::string_view text);
  Statement& bind_blob(int index, const uint8_t* data, std::size_t size);

  /// Runs one step: true when a row is ready to read, false when done.
  /// Errors: "store.sqlite" with SQLite's message (a constraint failure, a busy database, IO).
  Result<bool> step();
  /// Steps until done, for statements that return no rows. Errors as `step`.
  Status run();
  /// Clears bindings and rewinds, to run the statement again.
  void reset();

  int64_t column_int64(int column) const;
  std::string column_text(int column) const;
  std::vector<uint8_t> column_blob(int column) const;

 private:
  friend class Database;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

/// An open database. Not thread-safe: one owner drives it (the server's store thread).
class Database {
 public:
  /// How long a statement waits on a lock held by another connection before "store.sqlite".
  static constexpr int kBusyTimeoutMs = 5000;

  /// Opens (creating with mode 0600 when absent) the server database at `path` and applies the
  /// server's migrations. Errors: "store.mode" when an existing file (or its -wal / -shm) is
  /// readable or writable by group or others (refused, not repaired: the operator decides);
  /// "store.open" when the file cannot be created or opened; "store.schema_newer" when the
  /// file's schema version is above what this code knows; "store.migration" when a step fails
  /// (nothing of that step stays); "store.sqlite" when a pragma is refused (e.g. WAL unavailable).
  static Result<std::unique_ptr<Database>> open(const std::string& path);
  /// As above with an explicit migration list (ascending versions from 1), for tests.
  static Result<std::unique_ptr<Database>> open(const std::string& path,
                                                const std::vector<Migration>& migrations);

  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  /// Errors: "store.sqlite" when the SQL does not compile.
  Result<Statement> prepare(std::string_view sql);
  /// Runs constant SQL (no data in it). Errors: "store.sqlite".
  Status exec(const char* sql);

  /// Runs `body` between BEGIN IMMEDIATE and COMMIT; when `body` (or COMMIT) fails, rolls back
  /// and returns that error, so nothing of the transaction remains. COMMIT returning means the
  /// write is on disk (synchronous=FULL). Not reentrant.
  /// Errors: those of `body`, or "store.sqlite" from BEGIN / COMMIT.
  Status transaction(const std::function<Status()>& body);

  /// PRAGMA user_version: the last migration applied.
  int schema_version();

  const std::string& path() const { return path_; }

 private:
  Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  Status migrate(const std::vector<Migration>& migrations);
  Error sqlite_error(std::string_view what) const;

  sqlite3* db_;
  std::string path_;
};

}  // namespace weft::store
