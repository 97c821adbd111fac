// A device's life after registration: approval, expiry (the operator's and the key's, as a
// deadline), removal (ephemeral clean-up too), presence, endpoints and the reported policy.
#include "coord/registry.h"

#include <cassert>

namespace weft::coord {

Result<Device> Registry::live_device(DeviceId id) const {
  const Device* d = find(id);
  if (d == nullptr) {
    return make_error("coord.unknown_device", "no device " + std::to_string(id.value));
  }
  if (d->state == DeviceState::kRemoved) {
    return make_error("coord.removed", "device " + std::to_string(id.value) + " was removed");
  }
  return *d;
}

Result<RegistryChange> Registry::approve(DeviceId id, core::WallTime now) {
  auto device = live_device(id);
  if (!device) return device.error();
  RegistryChange change;
  switch (device->state) {
    case DeviceState::kAuthorized: return change;
    case DeviceState::kPending: break;
    case DeviceState::kExpired:
    case DeviceState::kRemoved:
      return make_error("coord.not_pending", "device " + std::to_string(id.value) + " is " +
                                                 state_name(device->state) + ", not pending");
  }
  Device next = std::move(*device);
  // Its key's lifetime counts from registration; if that ran out while it waited, it is
  // expired rather than authorized for a moment and expired at the next deadline.
  const bool lapsed = next.key_expiry && *next.key_expiry <= now;
  next.state = lapsed ? DeviceState::kExpired : DeviceState::kAuthorized;
  put_device(next, change);
  return change;
}

Result<RegistryChange> Registry::expire(DeviceId id, core::WallTime now) {
  auto device = live_device(id);
  if (!device) return device.error();
  RegistryChange change;
  if (device->state == DeviceState::kExpired) return change;
  if (device->state != DeviceState::kAuthorized) {
    return make_error("coord.not_authorized",
                      "device " + std::to_string(id.value) + " is pending: approve or remove it");
  }
  Device next = std::move(*device);
  next.state = DeviceState::kExpired;
  next.key_expiry = now;
  put_device(next, change);
  return change;
}

Result<RegistryChange> Registry::set_key_expiry(DeviceId id, std::optional<core::WallTime> at,
                                                core::WallTime now) {
  auto device = live_device(id);
  if (!device) return device.error();
  if (device->state == DeviceState::kExpired) {
    return make_error("coord.key_expired",
                      "device " + std::to_string(id.value) +
                          "'s node key has expired already: its user logs in again (weft up "
                          "--force-reauth) or it registers with a pre-auth key");
  }
  if (at && *at <= now) {
    return make_error("coord.expiry", "a new key expiry must be in the future (weft admin nodes "
                                      "expire ends a key now)");
  }
  RegistryChange change;
  if (device->key_expiry == at) return change;
  Device next = std::move(*device);
  next.key_expiry = at;
  put_device(next, change);
  return change;
}

Status Registry::request_rotation(DeviceId id) const {
  auto device = live_device(id);
  if (!device) return device.error();
  if (device->state != DeviceState::kAuthorized) {
    return make_error("coord.not_authorized", "device " + std::to_string(id.value) + " is " +
                                                  state_name(device->state) +
                                                  "; only an authorized device rotates its key");
  }
  return Ok{};
}

Result<RegistryChange> Registry::remove(DeviceId id, core::WallTime now) {
  auto device = live_device(id);
  if (!device) return device.error();
  RegistryChange change;
  remove_device(std::move(*device), now, change);
  return change;
}

void Registry::remove_device(Device d, core::WallTime now, RegistryChange& change) {
  if (d.addresses) {
    const Status released = pool_->release(d.id, now);
    assert(released.ok());  // a device not removed holds its addresses (restore checks it)
    (void)released;
    change.addresses_released.push_back(
        {d.id, *d.addresses,
         now + std::chrono::duration_cast<core::WallTime::duration>(config_.pool.quarantine)});
    d.addresses.reset();
  }
  d.state = DeviceState::kRemoved;
  d.online = false;
  put_device(d, change);
}

Result<RegistryChange> Registry::set_online(DeviceId id, bool online, core::WallTime now) {
  auto device = live_device(id);
  if (!device) return device.error();
  RegistryChange change;
  Device next = std::move(*device);
  next.online = online;
  next.last_seen = now;
  if (online) {
    next.offline_since.reset();
  } else {
    next.offline_since = now;
  }
  put_device(next, change);
  return change;
}

Result<RegistryChange> Registry::set_endpoints(DeviceId id,
                                               const std::vector<core::SocketAddress>& endpoints,
                                               uint16_t home_region) {
  auto device = live_device(id);
  if (!device) return device.error();
  RegistryChange change;
  if (device->endpoints == endpoints && device->home_region == home_region) return change;
  Device next = std::move(*device);
  next.endpoints = endpoints;
  next.home_region = home_region;
  put_device(next, change);
  return change;
}

Result<RegistryChange> Registry::set_policy_version(DeviceId id, uint64_t version) {
  auto device = live_device(id);
  if (!device) return device.error();
  RegistryChange change;
  if (device->policy_version == version) return change;
  Device next = std::move(*device);
  next.policy_version = version;
  put_device(next, change);
  return change;
}

std::optional<core::WallTime> Registry::next_deadline() const {
  std::optional<core::WallTime> out;
  if (!expiry_index_.empty()) out = expiry_index_.begin()->first;
  if (!cleanup_index_.empty() && (!out || cleanup_index_.begin()->first < *out)) {
    out = cleanup_index_.begin()->first;
  }
  return out;
}

RegistryChange Registry::on_deadline(core::WallTime now) {
  // Collect first: changing a device moves its entries in the indexes being walked.
  std::set<DeviceId> due;
  for (auto it = expiry_index_.begin(); it != expiry_index_.end() && it->first <= now; ++it) {
    due.insert(it->second);
  }
  for (auto it = cleanup_index_.begin(); it != cleanup_index_.end() && it->first <= now; ++it) {
    due.insert(it->second);
  }
  RegistryChange change;
  for (DeviceId id : due) {
    Device d = devices_.at(id);
    if (auto t = expiry_deadline(d); t && *t <= now) {
      d.state = DeviceState::kExpired;
      put_device(d, change);
    }
    if (auto t = cleanup_deadline(d); t && *t <= now) remove_device(std::move(d), now, change);
  }
  return change;
}

}  // namespace weft::coord
