// The client side of the node's local API (local_api.h), for `weft status`, `weft ping` and
// `weft down`: requests to DIR/weft.sock under deadlines (runtime::UnixRequestClient).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "util/result.h"

namespace weft::node {

/// Sends `request` to the node with state directory `state_dir` and returns its one-line
/// answer. Errors: "local.connect" (no node runs with that --state, or no permission: the
/// detail says which), "local.request", "local.io", "local.response", "local.timeout".
Result<std::string> local_call(const std::string& state_dir, std::string_view request,
                               std::chrono::milliseconds timeout = std::chrono::seconds(10));

/// Sends `request` and hands every answer line to `on_line` until the node closes; each line
/// must come within `line_timeout`. Errors as local_call().
Status local_stream(const std::string& state_dir, std::string_view request,
                    std::chrono::milliseconds line_timeout,
                    const std::function<void(const std::string& line)>& on_line);

/// The error an answer line carries ({"error":{"code":...,"message":...}}), if it is one.
std::optional<Error> answer_error(std::string_view line);

}  // namespace weft::node
