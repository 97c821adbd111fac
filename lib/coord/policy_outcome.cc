// CheckedPolicy -> PolicyOutcome.
#include "coord/policy_outcome.h"

#include <string>

namespace weft::coord {

PolicyOutcome policy_outcome_of(const policy::CheckedPolicy& checked) {
  PolicyOutcome out;
  out.valid = checked.valid();
  for (const auto& d : checked.diagnostics)
    out.findings.push_back(PolicyFinding{d.severity == policy::Severity::kError, d.at.line,
                                         d.at.column, d.message});
  for (const auto& c : checked.tests.cases) {
    if (c.passed || !c.decidable) continue;  // undecided offline: a warning, not a failure
    out.failed_tests.push_back(std::to_string(c.case_at.line) + ":" +
                               std::to_string(c.case_at.column) + ": error: test failed: " +
                               c.description + ": " + c.message);
  }
  return out;
}

}  // namespace weft::coord
