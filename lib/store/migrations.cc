// Schema steps of the server database. History:
//   1 (2026-12-02): secrets, auth_keys + auth_key_tags, device_addresses, quarantined_addresses.
//   2 (2026-12-03): the registry: users, devices + device_tags / device_endpoints /
//                   device_routes, policy_history.
//   3 (2026-12-03): users' identity-provider account and synced groups (issue 16, OIDC).
//   4 (2026-12-02): API tokens (issue 16), and the last use of pre-auth keys.
//   5 (2026-12-02): device posture (issue 17): the OS version nodes report, and the posture
//                   attributes operators set (`weft admin nodes set-attr`).
//   6 (2026-12-02): subnet routers and exit nodes (issue 17): the approved routes of devices.
//   7 (2026-12-02): MagicDNS settings (issue 17): upstream nameservers, search domains,
//                   split-DNS routes (`weft admin dns set`).
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
      // The registry. A device row copies its addresses from device_addresses (the pool's
      // record) and a deferred foreign key makes the copies agree at every COMMIT: the pool's
      // put_device_addresses / put_released and put_device go in one transaction. Device rows
      // are never deleted and a removed device never comes back: its keys stay refused (UNIQUE)
      // and its id retired. devices.user_id has no foreign key: a removed device keeps its row
      // after its user is deleted.
      {2, R"sql(
-- Roles as coord::role_name spells them; a new role is a new step (a CHECK cannot be altered).
CREATE TABLE users (
  id         INTEGER PRIMARY KEY,
  email      TEXT NOT NULL UNIQUE,
  role       TEXT NOT NULL CHECK (role IN ('member', 'owner', 'admin', 'network-admin',
                                          'it-admin', 'billing-admin', 'auditor')),
  created_ns INTEGER NOT NULL
) STRICT;

CREATE UNIQUE INDEX device_addresses_whole_row ON device_addresses(device_id, v4, v6);

CREATE TABLE devices (
  id                 INTEGER PRIMARY KEY,
  hostname           TEXT NOT NULL,
  requested_hostname TEXT NOT NULL,
  os                 TEXT NOT NULL,
  client_version     TEXT NOT NULL,
  machine_key        BLOB NOT NULL UNIQUE CHECK (length(machine_key) = 32),
  node_key           BLOB NOT NULL UNIQUE CHECK (length(node_key) = 32),
  disco_key          BLOB NOT NULL CHECK (length(disco_key) = 32),
  v4                 TEXT,
  v6                 TEXT,
  home_region        INTEGER NOT NULL CHECK (home_region BETWEEN 0 AND 65535),
  user_id            INTEGER NOT NULL,
  created_ns         INTEGER NOT NULL,
  last_seen_ns       INTEGER NOT NULL,
  online             INTEGER NOT NULL CHECK (online IN (0, 1)),
  key_expiry_ns      INTEGER,
  state              INTEGER NOT NULL CHECK (state BETWEEN 0 AND 3),
  ephemeral          INTEGER NOT NULL CHECK (ephemeral IN (0, 1)),
  offline_since_ns   INTEGER,
  auth_key_id        BLOB CHECK (auth_key_id IS NULL OR length(auth_key_id) = 8),
  policy_version     INTEGER NOT NULL CHECK (policy_version >= 0),
  CHECK ((v4 IS NULL) = (v6 IS NULL)),
  FOREIGN KEY (id, v4, v6) REFERENCES device_addresses(device_id, v4, v6)
    DEFERRABLE INITIALLY DEFERRED
) STRICT;

-- Hostnames are unique among the devices that still count; a removed one frees its name.
CREATE UNIQUE INDEX devices_hostname ON devices(hostname) WHERE state <> 3;

CREATE TRIGGER devices_never_deleted BEFORE DELETE ON devices BEGIN
  SELECT RAISE(ABORT, 'devices rows are never deleted: a removed device keeps its row');
END;

CREATE TRIGGER devices_removed_stays_removed BEFORE UPDATE OF state ON devices
  WHEN OLD.state = 3 AND NEW.state <> 3 BEGIN
  SELECT RAISE(ABORT, 'a removed device never comes back');
END;

CREATE TABLE device_tags (
  device_id INTEGER NOT NULL REFERENCES devices(id),
  position  INTEGER NOT NULL,
  tag       TEXT NOT NULL,
  PRIMARY KEY (device_id, position)
) STRICT;

CREATE TABLE device_endpoints (
  device_id INTEGER NOT NULL REFERENCES devices(id),
  position  INTEGER NOT NULL,
  endpoint  TEXT NOT NULL,
  PRIMARY KEY (device_id, position)
) STRICT;

CREATE TABLE device_routes (
  device_id INTEGER NOT NULL REFERENCES devices(id),
  position  INTEGER NOT NULL,
  prefix    TEXT NOT NULL,
  PRIMARY KEY (device_id, position)
) STRICT;

CREATE TABLE policy_history (
  version    INTEGER PRIMARY KEY CHECK (version >= 1),
  text       TEXT NOT NULL,
  applied_ns INTEGER NOT NULL
) STRICT;
)sql"},
      // Users bound to an identity-provider account (issue 16, OIDC login): issuer + subject
      // (empty for operator-created users that never logged in), and the provider's groups at
      // the last login as synced group names, one per line.
      {3, R"sql(
ALTER TABLE users ADD COLUMN oidc_issuer TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN oidc_subject TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN synced_groups TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX users_oidc_identity ON users(oidc_issuer, oidc_subject)
  WHERE oidc_subject <> '';
)sql"},
      // Step 3 is the identity providers' (issue 16, OIDC login); this one the tokens'. A
      // database that has step 4 and not 3 never happens outside development: both came in
      // the same release.
      {4, R"sql(
ALTER TABLE auth_keys ADD COLUMN last_used_ns INTEGER;

CREATE TABLE api_tokens (
  id           BLOB PRIMARY KEY CHECK (length(id) = 8),
  secret_hash  BLOB NOT NULL CHECK (length(secret_hash) = 32),
  scope        TEXT NOT NULL CHECK (scope IN ('policy', 'nodes', 'all')),
  created_ns   INTEGER NOT NULL,
  expires_ns   INTEGER NOT NULL,
  last_used_ns INTEGER,
  uses         INTEGER NOT NULL CHECK (uses >= 0),
  revoked      INTEGER NOT NULL CHECK (revoked IN (0, 1))
) STRICT;
)sql"},
      // Device posture (issue 17, docs/network-config.md): the OS version a node reports beside
      // its OS and client version, and the attributes the operator sets ("custom:risk" -> "40"),
      // one row each; values are kept as text, as policies compare them.
      {5, R"sql(
ALTER TABLE devices ADD COLUMN os_version TEXT NOT NULL DEFAULT '';

CREATE TABLE device_posture_attributes (
  device_id INTEGER NOT NULL REFERENCES devices(id),
  name      TEXT NOT NULL,
  value     TEXT NOT NULL,
  PRIMARY KEY (device_id, name)
) STRICT;
)sql"},
      // Subnet routers and exit nodes (issue 17, docs/network-config.md): the routes the operator
      // (or the policy's autoApprovers) approved, one row each, beside the advertised ones in
      // device_routes. An approved route the device no longer advertises stays approved.
      {6, R"sql(
CREATE TABLE device_approved_routes (
  device_id INTEGER NOT NULL REFERENCES devices(id),
  position  INTEGER NOT NULL,
  prefix    TEXT NOT NULL,
  PRIMARY KEY (device_id, position)
) STRICT;
)sql"},
      // MagicDNS (issue 17, docs/network-config.md): the tailnet's DNS settings that `weft admin
      // dns set` replaces whole: upstream nameservers and search domains in order, split-DNS
      // routes (a domain's nameservers in order). Empty tables: no upstream, no search domains.
      {7, R"sql(
CREATE TABLE dns_nameservers (
  position INTEGER PRIMARY KEY CHECK (position >= 0),
  address  TEXT NOT NULL
) STRICT;

CREATE TABLE dns_search_domains (
  position INTEGER PRIMARY KEY CHECK (position >= 0),
  domain   TEXT NOT NULL
) STRICT;

CREATE TABLE dns_routes (
  domain   TEXT NOT NULL,
  position INTEGER NOT NULL CHECK (position >= 0),
  address  TEXT NOT NULL,
  PRIMARY KEY (domain, position)
) STRICT;
)sql"},
  };
  return kSteps;
}

}  // namespace weft::store
