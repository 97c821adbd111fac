// Test helpers for lib/store: open a server database or fail the test, require a Status, count
// rows, and a fixed wall time with a sub-second part (times must round-trip to the nanosecond).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/test/unit_test.hpp>

#include "core/time.h"
#include "store/database.h"
#include "util/result.h"

namespace store_test {

inline const weft::core::WallTime kT0 = weft::core::WallTime{} +
                                        std::chrono::hours(24 * 365 * 56) +
                                        std::chrono::nanoseconds(123456789);

/// Opens `path` with the server's migrations; fails the test with SQLite's word otherwise.
inline std::unique_ptr<weft::store::Database> open_ok(const std::string& path) {
  auto db = weft::store::Database::open(path);
  BOOST_REQUIRE_MESSAGE(db.ok(), (db.ok() ? std::string()
                                          : db.error().code + ": " + db.error().detail));
  return std::move(db).value();
}

inline void require_ok(const weft::Status& st) {
  BOOST_REQUIRE_MESSAGE(st.ok(), (st.ok() ? std::string()
                                          : st.error().code + ": " + st.error().detail));
}

/// The value of `result`; fails the test with the error otherwise.
template <class T>
T value_ok(weft::Result<T> result) {
  BOOST_REQUIRE_MESSAGE(result.ok(), (result.ok() ? std::string()
                                                  : result.error().code + ": " +
                                                        result.error().detail));
  return std::move(result).value();
}

/// The single integer a query such as "SELECT count(*) FROM t" returns.
inline int64_t count_rows(weft::store::Database& db, const char* sql) {
  auto stmt = db.prepare(sql);
  BOOST_REQUIRE(stmt.ok());
  auto row = stmt->step();
  BOOST_REQUIRE(row.ok() && *row);
  return stmt->column_int64(0);
}

}  // namespace store_test
