// Runs the `tests` and `sshTests` written inside a policy against its compiled form.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "policy/evaluator.h"
#include "policy/identity.h"
#include "policy/model.h"

namespace weft::policy {

struct TestCaseResult {
  bool passed = false;
  bool expect_accept = false;        // from an `accept` list (true) or `deny` list (false)
  SourceRef test_at;                 // the test entry
  SourceRef case_at;                 // the accept/deny string
  std::string description;           // "alice@example.com -> tag:prod:22 (tcp)"
  std::optional<RuleRef> accepted_by;  // the rule that accepted (set when accepted)
  std::string message;               // for failures: "expected accept, got deny" ...
};

struct TestReport {
  std::vector<TestCaseResult> cases;  // every case of `tests` then of `sshTests`, in file order
  std::size_t passed() const;
  std::size_t failed() const;
};

/// Completes the identity a test names with what is known outside the policy: the coordination
/// server adds a user's roles and, for an address that a device holds, that device's user and
/// tags, so tests are decided against its registry (`weft admin policy set`).
using IdentityEnricher = std::function<void(Identity&)>;

/// Evaluates every case. Never throws; identities that cannot be resolved were already
/// reported by load_policy. `enrich`, when set, is applied to every identity a test names.
TestReport run_tests(const Policy& policy, const Evaluator& evaluator,
                     const IdentityEnricher& enrich = {});

}  // namespace weft::policy
