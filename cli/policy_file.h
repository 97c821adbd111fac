// Reading a policy file for the acl subcommands: bounded read, then load + compile + tests.
#pragma once

#include <optional>
#include <string>

#include "policy/evaluator.h"
#include "policy/load.h"
#include "policy/test_runner.h"

namespace weft::cli {

/// Everything `acl check` / `acl query` learn about one file.
struct CheckedFile {
  std::string path;
  policy::LoadResult load;
  std::optional<policy::Evaluator> evaluator;  // when the policy loaded without errors
  policy::TestReport tests;                    // empty unless evaluator is set
  bool valid() const { return !policy::has_errors(load.diagnostics) && tests.failed() == 0; }
};

/// Reads at most the parser's size limit (+1 byte, so an oversized file is still reported as
/// such without reading all of it). Returns nullopt and fills `io_error` on I/O failure.
std::optional<std::string> read_policy_text(const std::string& path, std::string& io_error);

/// Loads, compiles and runs the tests of one policy text.
CheckedFile check_policy_text(std::string path, const std::string& text, bool run_tests);

}  // namespace weft::cli
