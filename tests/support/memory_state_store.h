// An in-memory coord::StateStore for tests and fuzz targets: keeps what was committed, as a real
// store would, hands it back as a RestoredState, and can be told to fail. No Boost.Test here.
#pragma once

#include <map>
#include <vector>

#include "coord/coordinator.h"
#include "coord/registry.h"

namespace weft::test {

struct MemoryStore : coord::StateStore {
  Status commit(const coord::StateChange& change) override {
    if (fail) return make_error("store.sqlite", "disk full (test)");
    ++commits;
    if (change.registry != nullptr) {
      for (const auto& u : change.registry->users_upserted) users[u.id] = u;
      for (const auto& u : change.registry->users_removed) users.erase(u);
      for (const auto& d : change.registry->devices_upserted) devices[d.id] = d;
      for (const auto& k : change.registry->auth_keys_upserted) keys[k.id] = k;
    }
    if (change.policy != nullptr) policies.push_back(*change.policy);
    if (change.api_tokens != nullptr)
      for (const auto& t : *change.api_tokens) api_tokens[t.id] = t;
    if (change.dns != nullptr) dns = *change.dns;
    return Ok{};
  }
  coord::RestoredState state() const {
    coord::RestoredState s;
    for (const auto& [id, u] : users) s.users.push_back(u);
    for (const auto& [id, d] : devices) s.devices.push_back(d);
    for (const auto& [id, k] : keys) s.auth_keys.push_back(k);
    s.policies = policies;
    for (const auto& [id, t] : api_tokens) s.api_tokens.push_back(t);
    s.dns = dns;
    return s;
  }
  bool fail = false;
  int commits = 0;
  std::map<coord::UserId, coord::User> users;
  std::map<coord::DeviceId, coord::Device> devices;
  std::map<coord::AuthKeyId, coord::StoredAuthKey> keys;
  std::vector<coord::PolicyRecord> policies;
  std::map<coord::ApiTokenId, coord::StoredApiToken> api_tokens;
  coord::DnsSettings dns;
};

}  // namespace weft::test
