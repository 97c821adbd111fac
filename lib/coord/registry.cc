// The registry's state and indexes: creation, restore with its consistency checks, users,
// pre-auth keys and lookups. Device registration and the lifecycle live beside it
// (registry_register.cc, registry_lifecycle.cc).
#include "coord/registry.h"

#include <algorithm>
#include <cassert>

#include "coord/names.h"

namespace weft::coord {
namespace {

std::string device_label(const Device& d) { return "device " + std::to_string(d.id.value); }

Error invalid(const std::string& detail) { return make_error("coord.restore_invalid", detail); }

}  // namespace

Registry::Registry(const RegistryConfig& config, std::unique_ptr<AddressPool> pool,
                   const crypto::Key32& hashing_secret)
    : config_(config), pool_(std::move(pool)), auth_keys_(hashing_secret) {}

Registry::~Registry() = default;

Result<std::unique_ptr<Registry>> Registry::create(const RegistryConfig& config,
                                                   const crypto::Key32& hashing_secret) {
  if (config.key_expiry <= core::Duration::zero()) {
    return make_error("coord.registry_config", "the node key expiry must be positive");
  }
  if (config.ephemeral_timeout <= core::Duration::zero()) {
    return make_error("coord.registry_config", "the ephemeral clean-up delay must be positive");
  }
  auto pool = AddressPool::create(config.pool);
  if (!pool) return pool.error();
  return std::unique_ptr<Registry>(new Registry(config, std::move(*pool), hashing_secret));
}

// ------------------------------------------------------------------------------ indexes

std::optional<core::WallTime> Registry::expiry_deadline(const Device& d) const {
  if (d.state != DeviceState::kAuthorized) return std::nullopt;
  return d.key_expiry;
}

std::optional<core::WallTime> Registry::cleanup_deadline(const Device& d) const {
  if (!d.ephemeral || d.state == DeviceState::kRemoved || d.online || !d.offline_since) {
    return std::nullopt;
  }
  return *d.offline_since +
         std::chrono::duration_cast<core::WallTime::duration>(config_.ephemeral_timeout);
}

void Registry::index_in(const Device& d) {
  by_machine_key_[d.machine_key] = d.id;
  by_node_key_[d.node_key] = d.id;
  if (d.state != DeviceState::kRemoved) by_hostname_[d.hostname] = d.id;
  if (auto t = expiry_deadline(d)) expiry_index_.emplace(*t, d.id);
  if (auto t = cleanup_deadline(d)) cleanup_index_.emplace(*t, d.id);
}

// The machine key is never unindexed: a device keeps it for life, even removed.
void Registry::index_out(const Device& d) {
  if (auto it = by_node_key_.find(d.node_key); it != by_node_key_.end() && it->second == d.id) {
    by_node_key_.erase(it);
  }
  if (auto it = by_hostname_.find(d.hostname); it != by_hostname_.end() && it->second == d.id) {
    by_hostname_.erase(it);
  }
  if (auto t = expiry_deadline(d)) expiry_index_.erase({*t, d.id});
  if (auto t = cleanup_deadline(d)) cleanup_index_.erase({*t, d.id});
}

void Registry::put_device(const Device& next, RegistryChange& change) {
  auto it = devices_.find(next.id);
  if (it != devices_.end()) {
    const Device& old = it->second;
    if (old.state != DeviceState::kRemoved &&
        (next.state == DeviceState::kRemoved || next.hostname != old.hostname)) {
      hostname_floor_.clear();  // a name became free
    }
    index_out(old);
    it->second = next;
  } else {
    devices_.emplace(next.id, next);
    next_device_id_ = std::max(next_device_id_, next.id.value + 1);
  }
  index_in(next);
  // Every caller writes one device's steps back to back, so only the last entry can repeat it.
  if (!change.devices_upserted.empty() && change.devices_upserted.back().id == next.id) {
    change.devices_upserted.back() = next;
  } else {
    change.devices_upserted.push_back(next);
  }
}

// ------------------------------------------------------------------------------ restore

Status Registry::restore(const std::vector<User>& users, const std::vector<Device>& devices,
                         const std::vector<StoredAuthKey>& auth_keys,
                         const std::map<DeviceId, DeviceAddresses>& held,
                         const std::vector<QuarantinedAddress>& quarantined) {
  if (!users_.empty() || !devices_.empty() || !auth_keys_.keys().empty() ||
      !pool_->held().empty()) {
    return make_error("coord.restore_twice", "the registry already holds state");
  }

  // Check everything that does not need the pool or the key table before changing anything.
  uint64_t max_user = 0;
  for (const User& u : users) {
    const std::string label = "user " + std::to_string(u.id.value);
    if (u.id.value == 0) return invalid("a user with id 0");
    const auto email = normalize_email(u.email);
    if (!email || *email != u.email) return invalid(label + ": invalid e-mail \"" + u.email + "\"");
    if (!users_.emplace(u.id, u).second) return invalid(label + " appears twice");
    if (!users_by_email_.emplace(u.email, u.id).second) {
      return invalid(label + ": e-mail " + u.email + " belongs to another user");
    }
    max_user = std::max(max_user, u.id.value);
  }

  std::map<core::MachinePublicKey, DeviceId> machines;
  std::map<core::NodePublicKey, DeviceId> nodes;
  std::map<std::string, DeviceId, std::less<>> hostnames;
  std::map<DeviceId, const Device*> rows;
  for (const Device& d : devices) {
    const std::string label = device_label(d);
    if (d.id.value == 0) return invalid("a device with id 0");
    if (!rows.emplace(d.id, &d).second) return invalid(label + " appears twice");
    if (d.machine_key.is_zero() || d.node_key.is_zero()) return invalid(label + ": a zero key");
    if (!machines.emplace(d.machine_key, d.id).second) {
      return invalid(label + ": its machine key belongs to another device");
    }
    if (!nodes.emplace(d.node_key, d.id).second) {
      return invalid(label + ": its node key belongs to another device");
    }
    max_user = std::max(max_user, d.user.value);
    const auto h = held.find(d.id);
    if (d.state == DeviceState::kRemoved) {
      if (h != held.end() || d.addresses) return invalid(label + ": removed but holds addresses");
      continue;
    }
    if (users_.count(d.user) == 0) {
      return invalid(label + ": owned by unknown user " + std::to_string(d.user.value));
    }
    if (!d.addresses || h == held.end() || h->second != *d.addresses) {
      return invalid(label + ": its addresses differ from the pool's record");
    }
    if (!hostnames.emplace(d.hostname, d.id).second) {
      return invalid(label + ": hostname " + d.hostname + " belongs to another device");
    }
  }
  for (const auto& entry : held) {
    if (rows.count(entry.first) == 0) {
      return invalid("addresses held for unknown device " + std::to_string(entry.first.value));
    }
  }
  for (const StoredAuthKey& k : auth_keys) max_user = std::max(max_user, k.user.value);

  for (const auto& [id, addresses] : held) {
    if (Status s = pool_->restore(id, addresses); !s) return s;
  }
  for (const QuarantinedAddress& q : quarantined) {
    if (Status s = pool_->restore_quarantined(q); !s) return s;
  }
  for (const StoredAuthKey& k : auth_keys) {
    if (Status s = auth_keys_.restore(k); !s) return s;
  }
  RegistryChange ignored;
  for (const auto& [id, row] : rows) put_device(*row, ignored);
  next_user_id_ = max_user + 1;
  return Ok{};
}

// ------------------------------------------------------------------------------ users

Result<RegistryChange> Registry::create_user(std::string_view email, Role role,
                                             core::WallTime now) {
  const auto normalized = normalize_email(email);
  if (!normalized) {
    return make_error("coord.invalid_email",
                      "\"" + std::string(email) +
                          "\" is not an e-mail address (one '@', a name before it, a domain "
                          "after it, no spaces)");
  }
  if (users_by_email_.count(*normalized) != 0) {
    return make_error("coord.user_exists", "user " + *normalized + " exists already");
  }
  User user;
  user.id = UserId{next_user_id_++};
  user.email = *normalized;
  user.role = role;
  user.created = now;
  users_by_email_.emplace(user.email, user.id);
  users_.emplace(user.id, user);
  RegistryChange change;
  change.users_upserted.push_back(std::move(user));
  return change;
}

Result<RegistryChange> Registry::remove_user(std::string_view email) {
  const User* user = find_user(email);
  if (user == nullptr) return make_error("coord.unknown_user", "no user " + std::string(email));
  std::size_t owned = 0;
  for (const auto& entry : devices_) {
    const Device& d = entry.second;
    owned += (d.user == user->id && d.state != DeviceState::kRemoved) ? 1 : 0;
  }
  if (owned != 0) {
    return make_error("coord.user_has_devices", user->email + " still has " +
                                                    std::to_string(owned) +
                                                    " device(s); remove them first");
  }
  RegistryChange change;
  std::vector<AuthKeyId> to_revoke;
  for (const auto& [id, key] : auth_keys_.keys()) {
    if (key.user == user->id && !key.revoked) to_revoke.push_back(id);
  }
  for (const AuthKeyId& id : to_revoke) {
    const Status s = auth_keys_.revoke(id);
    assert(s.ok());
    (void)s;
    change.auth_keys_upserted.push_back(*auth_keys_.find(id));
  }
  const UserId id = user->id;
  users_by_email_.erase(user->email);
  users_.erase(id);
  change.users_removed.push_back(id);
  return change;
}

Result<RegistryChange> Registry::set_role(std::string_view email, Role role) {
  const User* found = find_user(email);
  if (found == nullptr) return make_error("coord.unknown_user", "no user " + std::string(email));
  User& user = users_.at(found->id);
  RegistryChange change;
  if (user.role == role) return change;
  user.role = role;
  change.users_upserted.push_back(user);
  return change;
}

const User* Registry::find_user(std::string_view email) const {
  const auto normalized = normalize_email(email);
  if (!normalized) return nullptr;
  auto it = users_by_email_.find(*normalized);
  return it == users_by_email_.end() ? nullptr : find_user(it->second);
}

const User* Registry::find_user(UserId id) const {
  auto it = users_.find(id);
  return it == users_.end() ? nullptr : &it->second;
}

// ------------------------------------------------------------------------------ pre-auth keys

Result<AuthKeyCreation> Registry::create_auth_key(const AuthKeyRequest& request,
                                                  core::WallTime now, core::Random& rng,
                                                  const TagOwnerCheck& owns_tag) {
  if (find_user(request.user) == nullptr) {
    return make_error("coord.unknown_user",
                      "no user with id " + std::to_string(request.user.value));
  }
  auto created = auth_keys_.create(request, now, rng, owns_tag);
  if (!created) return created.error();
  AuthKeyCreation out;
  out.change.auth_keys_upserted.push_back(*auth_keys_.find(created->id));
  out.key = std::move(*created);
  return out;
}

Result<RegistryChange> Registry::revoke_auth_key(const AuthKeyId& id) {
  const StoredAuthKey* key = auth_keys_.find(id);
  RegistryChange change;
  if (key != nullptr && key->revoked) return change;
  if (Status s = auth_keys_.revoke(id); !s) return s.error();
  change.auth_keys_upserted.push_back(*auth_keys_.find(id));
  return change;
}

// ------------------------------------------------------------------------------ lookups

const Device* Registry::find(DeviceId id) const {
  auto it = devices_.find(id);
  return it == devices_.end() ? nullptr : &it->second;
}

const Device* Registry::find_by_machine_key(const core::MachinePublicKey& key) const {
  auto it = by_machine_key_.find(key);
  return it == by_machine_key_.end() ? nullptr : find(it->second);
}

const Device* Registry::find_by_node_key(const core::NodePublicKey& key) const {
  auto it = by_node_key_.find(key);
  return it == by_node_key_.end() ? nullptr : find(it->second);
}

}  // namespace weft::coord
