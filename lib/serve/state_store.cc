// SqliteStateStore: a RegistryChange and a PolicyRecord as one SQLite transaction.
#include "serve/state_store.h"

#include "coord/registry.h"
#include "store/address_table.h"
#include "store/api_token_table.h"
#include "store/auth_key_table.h"
#include "store/device_table.h"
#include "store/dns_table.h"
#include "store/policy_table.h"
#include "store/user_table.h"

namespace weft::serve {

Status SqliteStateStore::commit(const coord::StateChange& change) {
  return db_.transaction([&]() -> Status {
    if (const coord::RegistryChange* c = change.registry) {
      for (const auto& u : c->users_upserted)
        if (auto st = store::put_user(db_, u); !st) return st;
      for (const auto& k : c->auth_keys_upserted)
        if (auto st = store::put_auth_key(db_, k); !st) return st;
      for (const auto& [id, a] : c->addresses_assigned)
        if (auto st = store::put_device_addresses(db_, id, a); !st) return st;
      for (const auto& r : c->addresses_released)
        if (auto st = store::put_released(db_, r.device, r.until); !st) return st;
      for (const auto& d : c->devices_upserted)
        if (auto st = store::put_device(db_, d); !st) return st;
      for (const auto& u : c->users_removed)
        if (auto st = store::delete_user(db_, u); !st) return st;
    }
    if (change.policy != nullptr)
      if (auto st = store::put_policy(db_, *change.policy); !st) return st;
    if (change.api_tokens != nullptr)
      for (const auto& t : *change.api_tokens)
        if (auto st = store::put_api_token(db_, t); !st) return st;
    if (change.dns != nullptr)
      if (auto st = store::put_dns_settings(db_, *change.dns); !st) return st;
    return Ok{};
  });
}

Result<coord::RestoredState> load_state(store::Database& db) {
  coord::RestoredState s;
  auto users = store::load_users(db);
  if (!users) return users.error();
  s.users = std::move(users).value();
  auto devices = store::load_devices(db);
  if (!devices) return devices.error();
  s.devices = std::move(devices).value();
  auto keys = store::load_auth_keys(db);
  if (!keys) return keys.error();
  s.auth_keys = std::move(keys).value();
  auto addresses = store::load_addresses(db);
  if (!addresses) return addresses.error();
  s.quarantined = std::move(addresses->quarantined);
  auto policies = store::load_policy_history(db);
  if (!policies) return policies.error();
  s.policies = std::move(policies).value();
  auto tokens = store::load_api_tokens(db);
  if (!tokens) return tokens.error();
  s.api_tokens = std::move(tokens).value();
  auto dns = store::load_dns_settings(db);
  if (!dns) return dns.error();
  s.dns = std::move(dns).value();
  return s;
}

}  // namespace weft::serve
