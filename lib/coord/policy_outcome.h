// A checked policy as the coordinator reports it (PolicyOutcome): findings, and failing tests in
// `weft acl check`'s words. Shared by the coordinator and `weft serve`'s first-start check.
// Uses lib/policy, so not for C++17 (ns-3) units.
#pragma once

#include "coord/coordinator.h"
#include "policy/pipeline.h"

namespace weft::coord {

/// `valid` as CheckedPolicy::valid(); every diagnostic as a finding; every failing test as
/// "LINE:COL: error: test failed: DESCRIPTION: MESSAGE" (what `weft acl check` prints after the
/// file name).
PolicyOutcome policy_outcome_of(const policy::CheckedPolicy& checked);

}  // namespace weft::coord
