// Device posture in the store (schema step 5, issue 17): the OS version a device's node reports
// (devices.os_version) and the attributes the operator set (device_posture_attributes), written
// and read with the rest of the device row (device_table.h).
#pragma once

#include <map>
#include <vector>

#include "coord/device.h"
#include "store/database.h"
#include "util/result.h"

namespace weft::store {

/// Writes the device's os_version and replaces its operator attributes. Call inside the same
/// transaction as put_device, after it (the row must exist). Errors: "store.sqlite".
Status put_device_posture(Database& db, const coord::Device& device);

/// Fills os_version and posture_attributes of the loaded devices (`index`: device id -> its
/// position in `devices`). Errors: "store.sqlite"; "store.corrupt" for an attribute row of no
/// such device.
Status load_device_posture(Database& db, std::vector<coord::Device>& devices,
                           const std::map<int64_t, std::size_t>& index);

}  // namespace weft::store
