// The policy front end: HuJSON text -> parsed document -> typed Policy -> cross-checked
// Policy, collecting every finding on the way (docs/policy.md).
#include "policy/load.h"

#include "policy/reader.h"
#include "policy/validate.h"

namespace weft::policy {

LoadResult load_policy(std::string_view text, const TailnetView& tailnet) {
  LoadResult result;
  auto parsed = parse_document(text, "policy", result.diagnostics);
  if (!parsed) {
    // The parser reports a duplicate key when its object closes, so inner ones come first.
    sort_by_position(result.diagnostics);
    return result;
  }
  Policy policy;
  ReadExtras extras;
  Reader reader(text, result.diagnostics, extras);
  read_document(reader, *parsed, policy);
  validate(policy, extras, result.diagnostics, tailnet);
  sort_by_position(result.diagnostics);
  if (!has_errors(result.diagnostics)) result.policy = std::move(policy);
  return result;
}

}  // namespace weft::policy
