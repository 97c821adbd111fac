// Device registration (issue 8, "Devices"): one ladder of checks from the machine key the
// channel proved, then a new device, a reconnection, a re-registration or a node-key rotation;
// and the operator's tag change, which follows the same tag and expiry rules.
// docs/control-plane.md, "Registry", lists the cases and why.
#include "coord/registry.h"

#include <algorithm>
#include <cassert>

#include "coord/names.h"

namespace weft::coord {
namespace {

std::vector<std::string> canonical_tags(std::vector<std::string> tags) {
  std::sort(tags.begin(), tags.end());
  tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
  return tags;
}

}  // namespace

Result<const Device*> Registry::known_machine(const RegisterInput& input) const {
  if (input.machine_key.is_zero() || input.node_key.is_zero()) {
    return make_error("coord.invalid_key", "a machine or node key of all zeros");
  }
  const Device* known = find_by_machine_key(input.machine_key);
  if (known != nullptr && known->state == DeviceState::kRemoved) {
    return make_error("coord.removed", "this machine's device was removed; it cannot come back "
                                       "with its old machine key");
  }
  if (const Device* holder = find_by_node_key(input.node_key);
      holder != nullptr && holder != known) {
    if (holder->state == DeviceState::kRemoved) {
      return make_error("coord.removed", "this node key belonged to a removed device");
    }
    return make_error("coord.node_key_in_use", "another device holds this node key");
  }
  return known;
}

Result<Registration> Registry::register_device(const RegisterInput& input, core::WallTime now,
                                               core::Random& rng, const TagOwnerCheck& owns_tag) {
  auto machine = known_machine(input);
  if (!machine) return machine.error();
  const Device* known = *machine;

  if (known == nullptr) {
    if (input.old_node_key) {
      return make_error("coord.rotation_mismatch",
                        "key rotation for a machine that has no device");
    }
    if (input.auth_key.empty()) {
      return make_error("coord.auth_required", "a new machine registers with a pre-auth key");
    }
    return register_new(input, now, rng, owns_tag);
  }

  const Device& device = *known;
  // A retry (its reply was lost) or a new connection; also a retried rotation that took effect.
  if (input.node_key == device.node_key && device.state != DeviceState::kExpired) {
    return reconnect(device, input, now);
  }
  if (device.state == DeviceState::kExpired) {
    if (input.auth_key.empty()) {
      return make_error("coord.key_expired",
                        "the device's node key expired: register again with a pre-auth key");
    }
    if (input.node_key == device.node_key) {
      return make_error("coord.node_key_expired",
                        "an expired node key cannot be registered again: use a new node key");
    }
    return reregister(device, input, now, owns_tag);
  }
  if (input.old_node_key) {
    if (*input.old_node_key != device.node_key) {
      return make_error("coord.rotation_mismatch",
                        "old_node_key is not the node key this device holds");
    }
    if (device.state != DeviceState::kAuthorized) {
      return make_error("coord.not_authorized", "only an authorized device rotates its node key");
    }
    Registration out;
    Device next = device;
    next.node_key = input.node_key;
    apply_host_details(next, input);
    heard_from(next, now);
    put_device(next, out.change);
    out.device = std::move(next);
    out.outcome = RegisterOutcome::kRotated;
    return out;
  }
  if (input.auth_key.empty()) {
    return make_error("coord.auth_required",
                      "this machine's device holds another node key: rotate with old_node_key "
                      "or register again with a pre-auth key");
  }
  return reregister(device, input, now, owns_tag);
}

Result<Registration> Registry::register_new(const RegisterInput& input, core::WallTime now,
                                            core::Random& rng, const TagOwnerCheck& owns_tag) {
  auto grant = check_grant(input.auth_key, now, owns_tag);
  if (!grant) return grant.error();
  auto out = new_device(input, *grant, true, now, rng);
  if (!out) return out.error();
  record_key_use(input.auth_key, now, out->change);
  return out;
}

Result<Registration> Registry::reregister(const Device& device, const RegisterInput& input,
                                          core::WallTime now, const TagOwnerCheck& owns_tag) {
  auto grant = check_grant(input.auth_key, now, owns_tag);
  if (!grant) return grant.error();
  Registration out = regrant(device, input, *grant, true, now);
  record_key_use(input.auth_key, now, out.change);
  return out;
}

Result<Registration> Registry::new_device(const RegisterInput& input, const AuthKeyGrant& grant,
                                          bool from_key, core::WallTime now, core::Random& rng) {
  Device d;
  d.id = DeviceId{next_device_id_};
  d.machine_key = input.machine_key;
  d.node_key = input.node_key;
  d.created = now;
  apply_host_details(d, input);
  apply_grant(d, grant, false, now);
  if (!from_key) d.auth_key.reset();
  heard_from(d, now);
  // Last, because it records the addresses: every refusal before leaves nothing behind.
  auto addresses = pool_->assign(d.id, now, rng);
  if (!addresses) return addresses.error();
  d.addresses = *addresses;

  Registration out;
  out.change.addresses_assigned.emplace_back(d.id, *addresses);
  put_device(d, out.change);
  out.device = std::move(d);
  out.outcome = RegisterOutcome::kNew;
  return out;
}

Registration Registry::regrant(const Device& device, const RegisterInput& input,
                               const AuthKeyGrant& grant, bool from_key, core::WallTime now) {
  // Expired devices were authorized before (only authorized devices expire): an approval is of
  // the machine for its user, so it carries over unless the grant is someone else's.
  const bool approved = device.state != DeviceState::kPending && device.user == grant.user;
  Registration out;
  Device next = device;
  next.node_key = input.node_key;
  apply_host_details(next, input);
  apply_grant(next, grant, approved, now);
  if (!from_key) next.auth_key.reset();
  heard_from(next, now);
  put_device(next, out.change);
  out.device = std::move(next);
  out.outcome = RegisterOutcome::kReregistered;
  return out;
}

Registration Registry::reconnect(const Device& device, const RegisterInput& input,
                                 core::WallTime now) {
  Registration out;
  Device next = device;
  apply_host_details(next, input);
  heard_from(next, now);
  put_device(next, out.change);
  out.device = std::move(next);
  out.outcome = RegisterOutcome::kReconnected;
  return out;
}

Result<AuthKeyGrant> Registry::check_grant(std::string_view auth_key, core::WallTime now,
                                           const TagOwnerCheck& owns_tag) const {
  const AuthKeyCheck check = auth_keys_.check(auth_key, now);
  if (!check) return check.error();
  const AuthKeyGrant& grant = check.grant();
  if (find_user(grant.user) == nullptr) {
    return make_error("coord.unknown_user", "the pre-auth key's user no longer exists");
  }
  for (const std::string& tag : grant.tags) {
    if (!owns_tag || !owns_tag(grant.user, tag)) {
      return make_error("coord.tag_not_owned",
                        "tagOwners no longer lets the key's user own " + tag);
    }
  }
  return grant;
}

void Registry::apply_host_details(Device& d, const RegisterInput& input) {
  if (d.hostname.empty() || d.requested_hostname != input.hostname) {
    d.requested_hostname = input.hostname;
    d.hostname = unique_hostname(input.hostname, d);
  }
  d.disco_key = input.disco_key;
  d.os = input.os;
  d.os_version = input.os_version;
  d.client_version = input.client_version;
  d.advertised_routes = input.advertised_routes;
}

void Registry::apply_grant(Device& d, const AuthKeyGrant& grant, bool approved,
                           core::WallTime now) const {
  d.user = grant.user;
  d.tags = canonical_tags(grant.tags);
  d.ephemeral = grant.ephemeral;
  d.auth_key = grant.id;
  d.key_expiry = key_expiry_for(d, now);
  d.state = (config_.require_approval && !approved) ? DeviceState::kPending
                                                    : DeviceState::kAuthorized;
}

std::optional<core::WallTime> Registry::key_expiry_for(const Device& d,
                                                        core::WallTime now) const {
  if (d.tagged()) return std::nullopt;
  return now + std::chrono::duration_cast<core::WallTime::duration>(config_.key_expiry);
}

// The node was just heard from: an offline device's clean-up clock starts again, so an
// ephemeral device is not removed between its registration and its map stream.
void Registry::heard_from(Device& d, core::WallTime now) const {
  d.last_seen = now;
  if (!d.online) d.offline_since = now;
}

void Registry::record_key_use(std::string_view auth_key, core::WallTime now,
                              RegistryChange& change) {
  const AuthKeyCheck used = auth_keys_.use(auth_key, now);
  assert(used.ok());  // check_grant accepted it at the same `now`
  change.auth_keys_upserted.push_back(*auth_keys_.find(used.grant().id));
}

// The lowest free numbered name, where the device's own name counts as free: a function of the
// current names, so a restored registry picks the same one.
std::string Registry::unique_hostname(std::string_view requested, const Device& self) {
  const std::string base = sanitize_hostname(requested);
  uint32_t& floor = hostname_floor_[base];
  while (by_hostname_.count(numbered_hostname(base, floor)) != 0) ++floor;
  const auto own = by_hostname_.find(self.hostname);
  if (own != by_hostname_.end() && own->second == self.id) {
    const std::optional<uint32_t> n = hostname_number(base, self.hostname);
    if (n && *n < floor) return self.hostname;
  }
  return numbered_hostname(base, floor);
}

Result<RegistryChange> Registry::set_tags(DeviceId id, const std::vector<std::string>& tags,
                                          core::WallTime now) {
  auto device = live_device(id);
  if (!device) return device.error();
  for (const std::string& tag : tags) {
    if (!is_valid_tag(tag)) {
      return make_error("coord.invalid_tag", "\"" + tag + "\" is not a tag (tag:name)");
    }
  }
  RegistryChange change;
  Device next = std::move(*device);
  const bool was_tagged = next.tagged();
  next.tags = canonical_tags(tags);
  if (next.tags == devices_.at(id).tags) return change;
  // Tagged devices do not expire; a device that stops being tagged starts a user-owned expiry.
  if (next.tagged() != was_tagged) next.key_expiry = key_expiry_for(next, now);
  put_device(next, change);
  return change;
}

}  // namespace weft::coord
