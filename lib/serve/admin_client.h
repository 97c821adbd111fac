// The client side of the admin socket (admin_socket.h), for `weft admin`: one blocking request
// and its answer, under a deadline, with errors that tell the operator what to check.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "util/result.h"

namespace weft::serve {

/// Sends `request` (one JSON object, without a newline) to the admin socket at `socket_path`
/// and returns the answer line without its newline. Errors: "admin.request" (the request holds
/// a newline or exceeds kMaxAdminRequest), "admin.connect" (nothing listens there, or no
/// permission: the detail names the path, errno's text and asks whether weft serve runs with
/// that --state directory), "admin.io" (the connection failed midway), "admin.response" (closed
/// without a whole answer, or an answer beyond 256 MiB), "admin.timeout".
Result<std::string> admin_call(const std::string& socket_path, std::string_view request,
                               std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace weft::serve
