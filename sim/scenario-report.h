// Printing a scenario's result (docs/scenarios.md, "Output"): text for people, one JSON object
// for tools, each expectation with what was observed and when, failures with a timeline excerpt.
#pragma once

#include <string>

#include "scenario-runner.h"

namespace weft::sim {

/// PASS/FAIL lines, excerpts under failures, a closing summary line.
std::string report_text(const ScenarioResult& result);
/// One JSON object (no trailing newline).
std::string report_json(const ScenarioResult& result);

}  // namespace weft::sim
