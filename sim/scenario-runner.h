// Running a scenario file (docs/simulation.md): the simulation built from a ScenarioSpec with the
// unchanged coordinator, relay server, STUN and node engines, its timeline played, each
// expectation judged with what was observed and when, a timeline excerpt for each that failed.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "scenario-spec.h"

namespace weft::sim {

struct RunOptions {
  uint64_t seed = 1;
  /// Non-empty: pcap files of every simulated link are written there
  /// (DIR/SCENARIO-HOST-DEVICE.pcap).
  std::string pcap_dir;
  /// Called about once per simulated second: the simulated time reached and ns-3's count of
  /// events run so far.
  std::function<void(SimTime reached, SimTime end, uint64_t events)> progress;
};

struct JudgedExpectation {
  const ExpectSpec* spec = nullptr;
  bool ok = false;
  std::string observed;   ///< what was measured, and when
  SimTime judged_at{0};
  /// For a failure: the timeline lines around it that concern its nodes ("12.345s a: ...").
  std::vector<std::string> excerpt;
};

struct ScenarioResult {
  std::string name;
  std::string path;
  uint64_t seed = 0;
  /// Non-empty when the scenario could not be built or run (a feature not modelled, a policy
  /// the coordinator refused): "line:col: message" or a message.
  std::string setup_error;
  std::vector<JudgedExpectation> expectations;
  SimTime simulated{0};
  uint64_t events = 0;
  double wall_seconds = 0;

  bool Passed() const;
};

/// Builds, runs and judges one scenario; destroys the simulation before returning (scenarios run
/// one after another in one process). Deterministic: the same spec and seed give the same
/// result. Never throws.
ScenarioResult run_scenario(const ScenarioSpec& spec, const RunOptions& options);

}  // namespace weft::sim
