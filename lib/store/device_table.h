// Devices in the store: whole coord::Device rows with their tags, endpoints and advertised
// routes in order, reloaded by the registry at server start. Rows are never deleted: a removed
// device keeps its row (state removed), so its keys stay refused and its id retired.
#pragma once

#include <vector>

#include "coord/device.h"
#include "store/database.h"
#include "util/result.h"

namespace weft::store {

/// Writes the device as it is now: the row of its id inserted or updated, its tags, endpoints
/// and advertised routes replaced. Call inside Database::transaction, together with the pool's
/// put_device_addresses / put_released when the addresses change: the row's addresses must
/// equal the device's device_addresses row (or both be absent) when the transaction commits.
/// Errors: "store.sqlite" — also, refusing the whole transaction, when another device has the
/// machine key, node key or (unless removed) hostname; when the addresses disagree with
/// device_addresses at COMMIT; when a removed device would come back (a state other than
/// removed over a removed row).
Status put_device(Database& db, const coord::Device& device);
/// As put_device, in a transaction of its own: durable when it returns.
Status save_device(Database& db, const coord::Device& device);

/// Every stored device (removed ones included), by id. Errors: "store.sqlite"; "store.corrupt"
/// naming the table and row when a key, id, state, address, endpoint or route does not decode.
Result<std::vector<coord::Device>> load_devices(Database& db);

}  // namespace weft::store
