// SQLite driver for the server's state: opening with safe file modes, WAL + synchronous=FULL,
// prepared statements and migrations. See docs/control-plane.md, section "Store".
#include "store/database.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <utility>

#include "store/migrations.h"

namespace weft::store {
namespace {

// umask is process-wide: Database::open is meant for server start, before other threads run.
class UmaskGuard {
 public:
  UmaskGuard() : old_(::umask(077)) {}
  ~UmaskGuard() { ::umask(old_); }
  UmaskGuard(const UmaskGuard&) = delete;
  UmaskGuard& operator=(const UmaskGuard&) = delete;

 private:
  mode_t old_;
};

// Refuses a file that group or others may read or write. Absent files are fine.
Status check_mode(const std::string& file) {
  struct stat st {};
  if (::lstat(file.c_str(), &st) != 0) {
    if (errno == ENOENT) return Ok{};
    return make_error("store.open", file + ": " + ::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) return make_error("store.open", file + ": not a regular file");
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    ::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return make_error("store.mode", file + " has mode " + mode +
                                        ": group or others may access it; chmod 600 it first");
  }
  return Ok{};
}

Status create_private(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return make_error("store.open", path + ": " + ::strerror(errno));
  ::close(fd);
  return Ok{};
}

}  // namespace

// ---- Statement ----

Statement::Statement(Statement&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), stmt_(std::exchange(other.stmt_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = std::exchange(other.db_, nullptr);
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}

Statement& Statement::bind_blob(int index, const uint8_t* data, std::size_t size) {
  // A zero-length blob must still be a blob, not NULL: give SQLite a valid pointer.
  static const uint8_t kEmpty = 0;
  sqlite3_bind_blob64(stmt_, index, size == 0 ? &kEmpty : data, size, SQLITE_TRANSIENT);
  return *this;
}

Result<bool> Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return make_error("store.sqlite", std::string(sqlite3_errmsg(db_)) + " (" +
                                        sqlite3_errstr(rc) + ")");
}

Status Statement::run() {
  for (;;) {
    auto r = step();
    if (!r) return r.error();
    if (!*r) return Ok{};
  }
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int64_t Statement::column_int64(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Statement::column_text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  int n = sqlite3_column_bytes(stmt_, column);
  return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p), n);
}

std::vector<uint8_t> Statement::column_blob(int column) const {
  const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, column));
  int n = sqlite3_column_bytes(stmt_, column);
  return p == nullptr ? std::vector<uint8_t>() : std::vector<uint8_t>(p, p + n);
}

// ---- Database ----

Result<std::unique_ptr<Database>> Database::open(const std::string& path) {
  return open(path, server_migrations());
}

Result<std::unique_ptr<Database>> Database::open(const std::string& path,
                                                 const std::vector<Migration>& migrations) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    auto st = check_mode(path + suffix);
    if (!st) return st.error();
  }
  // SQLite creates -wal and -shm with the main file's mode; the umask covers any other file.
  UmaskGuard umask_guard;
  if (auto st = create_private(path); !st) return st.error();

  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_EXRESCODE,
                           nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    sqlite3_close(raw);
    return make_error("store.open", path + ": " + msg);
  }
  std::unique_ptr<Database> db(new Database(raw, path));
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);

  // journal_mode answers with the mode in force; anything but "wal" (e.g. a filesystem without
  // shared memory) is refused rather than silently running with a rollback journal.
  {
    auto mode = db->prepare("PRAGMA journal_mode=WAL");
    if (!mode) return mode.error();
    auto row = mode->step();
    if (!row) return row.error();
    if (!*row || mode->column_text(0) != "wal") {
      return make_error("store.sqlite", path + ": cannot switch to WAL journal mode");
    }
  }
  if (auto st = db->exec("PRAGMA synchronous=FULL"); !st) return st.error();
  if (auto st = db->exec("PRAGMA foreign_keys=ON"); !st) return st.error();
  if (auto st = db->migrate(migrations); !st) return st.error();
  return db;
}

Database::~Database() { sqlite3_close(db_); }

Error Database::sqlite_error(std::string_view what) const {
  return make_error("store.sqlite", std::string(what) + ": " + sqlite3_errmsg(db_));
}

Result<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), 0, &stmt, nullptr);
  if (rc != SQLITE_OK) return sqlite_error("prepare");
  return Statement(db_, stmt);
}

Status Database::exec(const char* sql) {
  char* msg = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &msg);
  if (rc == SQLITE_OK) return Ok{};
  std::string detail = msg != nullptr ? msg : sqlite3_errstr(rc);
  sqlite3_free(msg);
  return make_error("store.sqlite", detail);
}

Status Database::transaction(const std::function<Status()>& body) {
  // IMMEDIATE takes the write lock up front, so a busy database fails at BEGIN (after the busy
  // timeout) instead of half-way through the body.
  if (auto st = exec("BEGIN IMMEDIATE"); !st) return st.error();
  Status result = body();
  if (result) result = exec("COMMIT");
  if (!result) {
    // After a failed COMMIT SQLite may already have rolled back; ignore "no transaction".
    exec("ROLLBACK");
  }
  return result;
}

int Database::schema_version() {
  auto stmt = prepare("PRAGMA user_version");
  if (!stmt) return -1;
  auto row = stmt->step();
  return row && *row ? static_cast<int>(stmt->column_int64(0)) : -1;
}

Status Database::migrate(const std::vector<Migration>& migrations) {
  int known = migrations.empty() ? 0 : migrations.back().version;
  int current = schema_version();
  if (current < 0) return sqlite_error("reading user_version");
  if (current > known) {
    return make_error("store.schema_newer",
                      path_ + " has schema version " + std::to_string(current) +
                          ", newer than this weft knows (" + std::to_string(known) +
                          "); run the weft that wrote it, or restore a backup");
  }
  for (const Migration& m : migrations) {
    if (m.version <= current) continue;
    Status st = transaction([&]() -> Status {
      if (auto s = exec(m.sql); !s) return s.error();
      // PRAGMA takes no bound parameters; the version is an integer from this repository.
      std::string set = "PRAGMA user_version=" + std::to_string(m.version);
      return exec(set.c_str());
    });
    if (!st) {
      return make_error("store.migration", "schema step " + std::to_string(m.version) +
                                               " failed: " + st.error().detail);
    }
  }
  return Ok{};
}

}  // namespace weft::store
