// Assertions for harness programs: each check prints PASS/FAIL with what it means, and the
// program ends with one "N passed, N failed" line and a non-zero exit on any failure.
#pragma once

#include <cstdio>
#include <string>

namespace weft::sim {

class ScenarioChecks {
 public:
  explicit ScenarioChecks(std::string name) : m_name(std::move(name)) {}

  bool Expect(bool ok, const std::string& what) {
    std::printf("%s %s: %s\n", ok ? "PASS" : "FAIL", m_name.c_str(), what.c_str());
    ++(ok ? m_passed : m_failed);
    return ok;
  }

  /// Prints the summary line; returns the process exit code.
  int Finish() const {
    std::printf("%d passed, %d failed\n", m_passed, m_failed);
    std::fflush(stdout);
    return m_failed == 0 && m_passed > 0 ? 0 : 1;
  }

 private:
  std::string m_name;
  int m_passed = 0;
  int m_failed = 0;
};

}  // namespace weft::sim
