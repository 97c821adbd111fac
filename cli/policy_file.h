// Reading a policy file for the acl subcommands: a bounded read of its text. Checking the text
// is policy::check_policy (lib/policy/pipeline.h).
#pragma once

#include <optional>
#include <string>

namespace weft::cli {

/// Reads at most the parser's size limit (+1 byte, so an oversized file is still reported as
/// such without reading all of it). Returns nullopt and fills `io_error` on I/O failure.
std::optional<std::string> read_policy_text(const std::string& path, std::string& io_error);

}  // namespace weft::cli
