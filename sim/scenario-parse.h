// Reading a scenario file (docs/scenarios.md): HuJSON text to a ScenarioSpec, every mistake
// reported with its line and column, as policy files are. Pure: the one file a scenario may name
// (a policy file) is read through the caller's reader. No ns-3 here.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hujson/value.h"
#include "scenario-spec.h"

namespace weft::sim {

struct SpecError {
  hujson::Position pos;
  std::string message;
};

struct ParsedScenario {
  std::optional<ScenarioSpec> spec;  ///< set when `errors` is empty
  std::vector<SpecError> errors;
};

/// Reads a file a scenario names (its path as written, relative paths already resolved against
/// the scenario's folder); nullopt with `error` filled when it cannot.
using FileReader = std::function<std::optional<std::string>(const std::string& path,
                                                            std::string& error)>;

/// Parses a scenario file's `text`; `path` names it in the spec and resolves relative policy
/// paths. Collects every error it can (a HuJSON syntax error stops at the first). Never throws.
ParsedScenario parse_scenario(std::string_view text, const std::string& path,
                              const FileReader& read_file);

/// Parses one expectation sentence (the "expect" list's grammar); `pos` is the position of the
/// string's opening quote, so errors point at the offending word. `spec` gives the node names.
std::optional<ExpectSpec> parse_expectation(const std::string& sentence, hujson::Position pos,
                                            const ScenarioSpec& spec,
                                            std::vector<SpecError>& errors);

/// A time as scenario files write it: "120s", "2m", "1.5s", "250ms", "1h30m", optionally
/// prefixed "t=". nullopt when it is not one.
std::optional<SimTime> parse_time(std::string_view text);

/// "path:line:col: message".
std::string format_error(const std::string& path, const SpecError& error);

}  // namespace weft::sim
