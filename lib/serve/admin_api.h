// The operator's API (`weft admin`, docs/operations.md): one JSON request, one JSON answer,
// dispatched to the coordinator core. The admin socket (admin_socket.h) carries the bytes.
#pragma once

#include <string>
#include <string_view>

#include "coord/coordinator.h"
#include "core/random.h"
#include "core/time.h"

namespace weft::serve {

/// Runs one request: {"op": "users.create", ...} → {"ok": true, ...} or
/// {"ok": false, "error": {"code": ..., "message": ...}}. Never throws; a request that is not a
/// JSON object with a known "op" and the fields that op needs is answered with an error
/// ("admin.request"). The ops and their fields are listed in docs/operations.md.
std::string handle_admin_request(coord::Coordinator& coordinator, std::string_view request,
                                 core::Now now, core::Random& rng);

/// The answer of a refusal in that shape: {"ok": false, "error": {"code": ..., "message": ...}}.
std::string admin_error(std::string_view code, std::string_view message);

}  // namespace weft::serve
