// Errors of the OS boundary as weft::Error values: an errno captured with a short context.
#pragma once

#include <string>

#include "util/result.h"

namespace weft::runtime {

/// The code of a non-blocking call that has nothing to do right now (EAGAIN/EWOULDBLOCK).
/// Not a failure: the event loop waits for readiness and retries.
inline constexpr char kWouldBlock[] = "runtime.would_block";

/// Builds an Error from the current errno: code "runtime.<what>" (e.g. "runtime.tun_open"),
/// detail "<context>: <strerror>". EAGAIN becomes kWouldBlock.
Error errno_error(const std::string& what, const std::string& context);
/// The same for an explicit errno value (netlink acks carry their own).
Error errno_error(const std::string& what, const std::string& context, int err);

inline bool is_would_block(const Error& e) { return e.code == kWouldBlock; }

}  // namespace weft::runtime
