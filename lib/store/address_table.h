// Device addresses in the store: held pairs and quarantined addresses, as coord::AddressPool
// records them, reloaded with AddressPool::restore and restore_quarantined.
#pragma once

#include <map>
#include <vector>

#include "coord/address_pool.h"
#include "store/database.h"
#include "util/result.h"

namespace weft::store {

/// Records an assignment and lifts any quarantine rows of those addresses (the pool lifted them
/// before handing them out); call inside Database::transaction. Errors: "store.sqlite" (also
/// when another device holds one of the addresses: a UNIQUE constraint).
Status put_device_addresses(Database& db, coord::DeviceId device,
                            const coord::DeviceAddresses& addresses);
/// Records a release: the device's addresses move into quarantine until `until` (the pool's
/// now + config.quarantine). Call inside Database::transaction.
/// Errors: "store.unknown_device" when no addresses are stored for the device; "store.sqlite".
Status put_released(Database& db, coord::DeviceId device, core::WallTime until);
/// Each in a transaction of its own: durable when it returns.
Status save_device_addresses(Database& db, coord::DeviceId device,
                             const coord::DeviceAddresses& addresses);
Status save_released(Database& db, coord::DeviceId device, core::WallTime until);

struct StoredAddresses {
  std::map<coord::DeviceId, coord::DeviceAddresses> held;
  std::vector<coord::QuarantinedAddress> quarantined;  // by address
};

/// Errors: "store.sqlite"; "store.corrupt" when a stored address does not parse or has the
/// wrong family.
Result<StoredAddresses> load_addresses(Database& db);
/// Loads every held and quarantined address into `pool` (before its first assign). Errors:
/// those of load_addresses and of AddressPool::restore / restore_quarantined.
Status restore_addresses(Database& db, coord::AddressPool& pool);

}  // namespace weft::store
