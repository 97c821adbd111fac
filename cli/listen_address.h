// The --listen flag of `weft serve` and `weft derp`: ADDRESS:PORT with a literal address, port 0
// allowed (the kernel picks one; tests use it).
#pragma once

#include <optional>
#include <string>

#include "core/path.h"

namespace weft::cli {

/// "ADDR:PORT" or "[IPv6]:PORT" with a literal address and a port 0..65535; nullopt otherwise.
std::optional<core::SocketAddress> parse_listen(const std::string& text);

}  // namespace weft::cli
