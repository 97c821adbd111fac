// The policy pipeline as one call (docs/policy.md, "How a file is checked"): every user of a
// policy text goes through the same load, compile and test stages.
#include "policy/pipeline.h"

#include <utility>

#include "policy/load.h"

namespace weft::policy {

bool CheckedPolicy::valid() const { return !has_errors(diagnostics) && tests.failed() == 0; }

CheckedPolicy check_policy(std::string_view text, RunTests run, const TailnetView& tailnet) {
  CheckedPolicy result;
  LoadResult loaded = load_policy(text, tailnet);
  result.policy = std::move(loaded.policy);
  result.diagnostics = std::move(loaded.diagnostics);
  if (!result.policy) return result;
  if (Diagnostics domains = check_domains(*result.policy, tailnet); !domains.empty()) {
    result.diagnostics.insert(result.diagnostics.end(), domains.begin(), domains.end());
    sort_by_position(result.diagnostics);
    result.policy.reset();
    return result;
  }
  auto compiled = Evaluator::compile(*result.policy);
  if (!compiled) {
    result.diagnostics.push_back(Diagnostic{
        Severity::kError, {}, "internal error compiling policy: " + compiled.error().detail});
    return result;
  }
  result.evaluator.emplace(std::move(compiled).value());
  if (run == RunTests::kYes) result.tests = run_tests(*result.policy, *result.evaluator, tailnet);
  return result;
}

}  // namespace weft::policy
