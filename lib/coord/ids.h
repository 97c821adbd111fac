// Identities the coordinator core hands around: devices and users as registry row ids, distinct
// types so one is never passed for the other. C++17-clean.
#pragma once

#include <cstdint>

namespace weft::coord {

/// A device's registry id. Never reused: a removed device's id stays retired.
struct DeviceId {
  uint64_t value = 0;
  friend bool operator==(DeviceId a, DeviceId b) { return a.value == b.value; }
  friend bool operator!=(DeviceId a, DeviceId b) { return a.value != b.value; }
  friend bool operator<(DeviceId a, DeviceId b) { return a.value < b.value; }
};

/// A user's registry id (the user is named by e-mail in the registry and in policies).
struct UserId {
  uint64_t value = 0;
  friend bool operator==(UserId a, UserId b) { return a.value == b.value; }
  friend bool operator!=(UserId a, UserId b) { return a.value != b.value; }
  friend bool operator<(UserId a, UserId b) { return a.value < b.value; }
};

}  // namespace weft::coord
