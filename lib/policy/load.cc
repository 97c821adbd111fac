// The policy front end: HuJSON text -> parsed document -> typed Policy -> cross-checked
// Policy, collecting every finding on the way (docs/policy.md).
#include "policy/load.h"

#include <algorithm>

#include "hujson/parser.h"
#include "policy/reader.h"
#include "policy/validate.h"

namespace weft::policy {

namespace {

void sort_by_position(Diagnostics& d) {
  std::stable_sort(d.begin(), d.end(), [](const Diagnostic& a, const Diagnostic& b) {
    if (a.at.line != b.at.line) return a.at.line < b.at.line;
    return a.at.column < b.at.column;
  });
}

}  // namespace

LoadResult load_policy(std::string_view text) {
  LoadResult result;
  auto parsed = hujson::parse(text);
  if (!parsed.errors.empty() || !parsed.value) {
    // Past a syntax error nothing can be trusted, so stop here.
    for (const auto& e : parsed.errors)
      result.diagnostics.push_back({Severity::kError, source_ref(e.pos), e.message});
    if (result.diagnostics.empty())
      result.diagnostics.push_back({Severity::kError, SourceRef{}, "policy could not be parsed"});
    // The parser reports a duplicate key when its object closes, so inner ones come first.
    sort_by_position(result.diagnostics);
    return result;
  }
  Policy policy;
  ReadExtras extras;
  Reader reader(text, result.diagnostics, extras);
  read_document(reader, *parsed.value, policy);
  validate(policy, extras, result.diagnostics);
  sort_by_position(result.diagnostics);
  if (!has_errors(result.diagnostics)) result.policy = std::move(policy);
  return result;
}

}  // namespace weft::policy
