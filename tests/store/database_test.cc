// The server database: private file modes, WAL with synchronous=FULL, migrations applied once
// and in one transaction each, newer schemas refused, failed transactions leaving nothing.
#define BOOST_TEST_MODULE store_database
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <string>

#include "store/database.h"
#include "store/migrations.h"
#include "support/temp_dir.h"

using namespace weft;
using namespace weft::store;

namespace {

mode_t mode_of(const std::string& file) {
  struct stat st {};
  BOOST_REQUIRE_MESSAGE(::stat(file.c_str(), &st) == 0, "no file " + file);
  return st.st_mode & 07777;
}

std::string pragma_text(Database& db, const char* sql) {
  auto stmt = db.prepare(sql);
  BOOST_REQUIRE(stmt.ok());
  auto row = stmt->step();
  BOOST_REQUIRE(row.ok() && *row);
  return stmt->column_text(0);
}

int64_t count_rows(Database& db, const char* sql) {
  auto stmt = db.prepare(sql);
  BOOST_REQUIRE(stmt.ok());
  auto row = stmt->step();
  BOOST_REQUIRE(row.ok() && *row);
  return stmt->column_int64(0);
}

std::unique_ptr<Database> open_ok(const std::string& path) {
  auto db = Database::open(path);
  BOOST_REQUIRE_MESSAGE(db.ok(), (db.ok() ? std::string() : db.error().code + ": " + db.error().detail));
  return std::move(db).value();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(store_database)

BOOST_AUTO_TEST_CASE(creates_file_and_wal_with_mode_0600) {
  TempDir dir;
  const std::string path = dir.file("state.db");
  mode_t old = ::umask(022);  // a permissive umask must not leak into the files
  auto db = open_ok(path);
  ::umask(old);
  BOOST_REQUIRE(db->exec("INSERT INTO secrets(name, value) VALUES ('x', x'01')").ok());
  BOOST_TEST(mode_of(path) == 0600u);
  BOOST_TEST(mode_of(path + "-wal") == 0600u);
  BOOST_TEST(mode_of(path + "-shm") == 0600u);
}

BOOST_AUTO_TEST_CASE(runs_in_wal_mode_with_full_sync_and_foreign_keys) {
  TempDir dir;
  auto db = open_ok(dir.file("state.db"));
  BOOST_TEST(pragma_text(*db, "PRAGMA journal_mode") == "wal");
  BOOST_TEST(pragma_text(*db, "PRAGMA synchronous") == "2");  // FULL
  BOOST_TEST(pragma_text(*db, "PRAGMA foreign_keys") == "1");
}

BOOST_AUTO_TEST_CASE(refuses_a_file_others_can_read) {
  TempDir dir;
  const std::string path = dir.write_file("state.db", "", 0644);
  auto db = Database::open(path);
  BOOST_REQUIRE(!db.ok());
  BOOST_TEST(db.error().code == "store.mode");
  BOOST_TEST(db.error().detail.find("0644") != std::string::npos);
  BOOST_TEST(mode_of(path) == 0644u);  // refused, not repaired
}

BOOST_AUTO_TEST_CASE(refuses_a_wal_file_others_can_read) {
  TempDir dir;
  const std::string path = dir.file("state.db");
  open_ok(path);
  dir.write_file("state.db-wal", "", 0640);
  auto db = Database::open(path);
  BOOST_REQUIRE(!db.ok());
  BOOST_TEST(db.error().code == "store.mode");
}

BOOST_AUTO_TEST_CASE(applies_migrations_once) {
  TempDir dir;
  const std::string path = dir.file("state.db");
  {
    auto db = open_ok(path);
    BOOST_TEST(db->schema_version() == kSchemaVersion);
    BOOST_REQUIRE(db->exec("INSERT INTO secrets(name, value) VALUES ('kept', x'02')").ok());
  }
  // The steps use plain CREATE TABLE: applying one twice would fail the reopen.
  auto db = open_ok(path);
  BOOST_TEST(db->schema_version() == kSchemaVersion);
  BOOST_TEST(count_rows(*db, "SELECT count(*) FROM secrets") == 1);
}

BOOST_AUTO_TEST_CASE(applies_only_the_new_steps) {
  TempDir dir;
  const std::string path = dir.file("t.db");
  std::vector<Migration> steps = {{1, "CREATE TABLE a (x INTEGER) STRICT;"}};
  {
    auto db = Database::open(path, steps);
    BOOST_REQUIRE(db.ok());
    BOOST_TEST((*db)->schema_version() == 1);
  }
  steps.push_back({2, "CREATE TABLE b (y INTEGER) STRICT; INSERT INTO a VALUES (7);"});
  auto db = Database::open(path, steps);
  BOOST_REQUIRE(db.ok());
  BOOST_TEST((*db)->schema_version() == 2);
  BOOST_TEST(count_rows(**db, "SELECT count(*) FROM a") == 1);
}

BOOST_AUTO_TEST_CASE(a_failed_step_leaves_nothing) {
  TempDir dir;
  const std::string path = dir.file("t.db");
  std::vector<Migration> steps = {
      {1, "CREATE TABLE a (x INTEGER) STRICT;"},
      {2, "CREATE TABLE b (y INTEGER) STRICT; INSERT INTO no_such_table VALUES (1);"}};
  auto failed = Database::open(path, steps);
  BOOST_REQUIRE(!failed.ok());
  BOOST_TEST(failed.error().code == "store.migration");
  BOOST_TEST(failed.error().detail.find("no_such_table") != std::string::npos);

  steps.pop_back();
  auto db = Database::open(path, steps);
  BOOST_REQUIRE(db.ok());
  BOOST_TEST((*db)->schema_version() == 1);
  BOOST_TEST(count_rows(**db, "SELECT count(*) FROM sqlite_master WHERE name = 'b'") == 0);
}

BOOST_AUTO_TEST_CASE(refuses_a_newer_schema) {
  TempDir dir;
  const std::string path = dir.file("state.db");
  {
    auto db = open_ok(path);
    BOOST_REQUIRE(db->exec("PRAGMA user_version=99").ok());
  }
  auto db = Database::open(path);
  BOOST_REQUIRE(!db.ok());
  BOOST_TEST(db.error().code == "store.schema_newer");
  BOOST_TEST(db.error().detail.find("99") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(failed_transaction_leaves_nothing) {
  TempDir dir;
  const std::string path = dir.file("state.db");
  auto db = open_ok(path);
  Status st = db->transaction([&]() -> Status {
    auto ins = db->prepare("INSERT INTO secrets(name, value) VALUES (?1, ?2)");
    if (!ins) return ins.error();
    const uint8_t byte = 1;
    ins->bind(1, std::string_view("first")).bind_blob(2, &byte, 1);
    if (auto r = ins->run(); !r) return r.error();
    ins->reset();
    ins->bind(1, std::string_view("first")).bind_blob(2, &byte, 1);  // primary key clash
    return ins->run();
  });
  BOOST_REQUIRE(!st.ok());
  BOOST_TEST(st.error().code == "store.sqlite");
  BOOST_TEST(st.error().detail.find("UNIQUE") != std::string::npos);
  BOOST_TEST(count_rows(*db, "SELECT count(*) FROM secrets") == 0);
  // And the connection is usable again afterwards.
  BOOST_TEST(db->transaction([] { return Status(Ok{}); }).ok());
}

BOOST_AUTO_TEST_CASE(binds_data_never_as_sql) {
  TempDir dir;
  auto db = open_ok(dir.file("state.db"));
  const std::string hostile = "x'); DROP TABLE secrets; --";
  auto ins = db->prepare("INSERT INTO secrets(name, value) VALUES (?1, x'00')");
  BOOST_REQUIRE(ins.ok());
  ins->bind(1, std::string_view(hostile));
  BOOST_REQUIRE(ins->run().ok());
  auto sel = db->prepare("SELECT name FROM secrets");
  BOOST_REQUIRE(sel.ok());
  auto row = sel->step();
  BOOST_REQUIRE(row.ok() && *row);
  BOOST_TEST(sel->column_text(0) == hostile);
}

BOOST_AUTO_TEST_SUITE_END()
