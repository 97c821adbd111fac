// The policy pipeline as one call: text -> load (parse, read, validate) -> compile -> tests.
// Shared by `weft acl check`, `weft acl query` and every later user of a policy text.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "policy/diagnostic.h"
#include "policy/evaluator.h"
#include "policy/model.h"
#include "policy/tailnet.h"
#include "policy/test_runner.h"

namespace weft::policy {

/// Whether check_policy runs the policy's own `tests` and `sshTests`.
enum class RunTests : uint8_t { kNo, kYes };

/// Everything the pipeline learns about one policy text.
struct CheckedPolicy {
  std::optional<Policy> policy;        // set when the text loaded without errors
  Diagnostics diagnostics;             // every finding, sorted by position (see check_policy)
  std::optional<Evaluator> evaluator;  // set when `policy` is set and compiled
  TestReport tests;                    // empty unless `evaluator` is set and tests were run

  /// No error among the diagnostics and no failing test (warnings allowed).
  bool valid() const;
};

/// Loads `text` (load_policy), compiles the policy (Evaluator::compile) and, with
/// RunTests::kYes, runs its tests (run_tests). Never throws; problems are reported in the
/// result, not returned as an error:
///  - syntax, reading and validation errors: in `diagnostics` with their line and column;
///    `policy` and `evaluator` are unset;
///  - a validated policy that fails to compile (an internal inconsistency): the error
///    "internal error compiling policy: DETAIL" at line 0 after the sorted findings; `policy`
///    stays set, `evaluator` is unset;
///  - failing tests: in `tests`, each with its position and the rule that decided; tests the
///    file alone cannot decide are in `tests` too, not decidable, and do not make it invalid;
///  - with `tailnet.domains` set: a `user:*@DOMAIN` or `localpart:*@DOMAIN` naming another
///    domain is an error (check_domains), as Tailscale refuses it.
/// `tailnet` is what is known besides the file (see TailnetView): the server's registry, a
/// tailnet file, or nothing (the default).
CheckedPolicy check_policy(std::string_view text, RunTests run = RunTests::kYes,
                           const TailnetView& tailnet = {});

}  // namespace weft::policy
