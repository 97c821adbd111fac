// Runs the `tests` and `sshTests` written inside a policy against its compiled form, and tells
// which of them the file alone cannot decide (docs/policy.md, "What offline checking cannot know").
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "policy/evaluator.h"
#include "policy/identity.h"
#include "policy/model.h"
#include "policy/tailnet.h"

namespace weft::policy {

struct TestCaseResult {
  bool passed = false;
  /// False when the verdict depends on facts about the tailnet that the policy file does not
  /// hold ("not decidable offline"); then `passed` is false and `message` says what is missing.
  bool decidable = true;
  bool expect_accept = false;        // from an `accept` list (true) or `deny` list (false)
  SourceRef test_at;                 // the test entry
  SourceRef case_at;                 // the accept/deny string
  std::string description;           // "alice@example.com -> tag:prod:22 (tcp)"
  std::optional<RuleRef> accepted_by;  // the rule that accepted (set when accepted)
  /// Failures: "expected accept, got deny" ...; not decidable: "the file does not say what
  /// roles alice@example.com has; if alice@example.com has the admin role, acls[2] at line 14
  /// accepts (expected deny)".
  std::string message;
  /// What the tailnet said about the nodes that decided the case (Identity::facts), e.g.
  /// "alice@example.com is admin in tailnet.hujson"; empty offline.
  std::vector<std::string> decided_by;
};

struct TestReport {
  std::vector<TestCaseResult> cases;  // every case of `tests` then of `sshTests`, in file order
  std::size_t passed() const;
  std::size_t failed() const;      // decidable and not passed
  std::size_t undecidable() const;  // not decidable offline
};

/// Evaluates every case. Never throws; identities that cannot be resolved were already
/// reported by load_policy.
///
/// Without a tailnet (`tailnet.known()` false), a case is decided as the file alone says (users
/// hold no role and are in no synced group; an address is no device) and then, where facts the
/// file lacks could change that verdict, reported as not decidable: the roles and synced groups
/// of the users it names, the members of a synced group it names, and the device behind an
/// address of the tailnet ranges (is_tailnet_address) it names. With a tailnet, `enrich` is
/// applied to every identity a test names, synced groups have the members `synced_members`
/// lists, and every case is decided.
TestReport run_tests(const Policy& policy, const Evaluator& evaluator,
                     const TailnetView& tailnet = {});

}  // namespace weft::policy
