// Schema steps of the server database. History:
//   1 (2026-12-02): secrets, auth_keys + auth_key_tags, device_addresses, quarantined_addresses.
#include "store/migrations.h"

namespace weft::store {

const std::vector<Migration>& server_migrations() {
  // Times are integer nanoseconds since the Unix epoch (core::WallTime); addresses are their
  // text form; ids are the coordinator's integers or byte strings. STRICT tables refuse values
  // of the wrong type instead of converting them.
  static const std::vector<Migration> kSteps = {
      {1, R"sql(
CREATE TABLE secrets (
  name  TEXT PRIMARY KEY,
  value BLOB NOT NULL
) STRICT;

CREATE TABLE auth_keys (
  id          BLOB PRIMARY KEY CHECK (length(id) = 8),
  secret_hash BLOB NOT NULL CHECK (length(secret_hash) = 32),
  user_id     INTEGER NOT NULL,
  reusable    INTEGER NOT NULL CHECK (reusable IN (0, 1)),
  ephemeral   INTEGER NOT NULL CHECK (ephemeral IN (0, 1)),
  created_ns  INTEGER NOT NULL,
  expires_ns  INTEGER NOT NULL,
  uses        INTEGER NOT NULL CHECK (uses >= 0),
  revoked     INTEGER NOT NULL CHECK (revoked IN (0, 1))
) STRICT;

CREATE TABLE auth_key_tags (
  key_id   BLOB NOT NULL REFERENCES auth_keys(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  tag      TEXT NOT NULL,
  PRIMARY KEY (key_id, position)
) STRICT;

CREATE TABLE device_addresses (
  device_id INTEGER PRIMARY KEY,
  v4        TEXT NOT NULL UNIQUE,
  v6        TEXT NOT NULL UNIQUE
) STRICT;

CREATE TABLE quarantined_addresses (
  address  TEXT PRIMARY KEY,
  until_ns INTEGER NOT NULL
) STRICT;
)sql"},
  };
  return kSteps;
}

}  // namespace weft::store
