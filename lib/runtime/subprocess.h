// Running a helper program to completion (resolvconf(8), wg-quick-style hooks through bash):
// posix_spawnp with the caller's signal mask cleared, optional stdin text, wait for its exit.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace weft::runtime {

/// Runs argv[0] (looked up in PATH) with `argv`, writes `input` to its stdin (then closes it;
/// empty input: stdin is /dev/null), inherits stdout and stderr, and waits. The child starts
/// with no signals blocked and SIGINT/SIGTERM/SIGPIPE at their defaults, whatever the caller
/// blocks. Returns the exit status (128 + N when killed by signal N).
/// Errors: "runtime.spawn" (program not found: ENOENT in the detail, or fork failed),
/// "runtime.wait".
Result<int> run_program(const std::vector<std::string>& argv, std::string_view input = {});

}  // namespace weft::runtime
