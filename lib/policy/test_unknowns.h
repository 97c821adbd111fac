// Internal to the test runner: the facts about a tailnet a policy file cannot hold, as
// hypothetical identities a test's verdict is tried against (docs/policy.md, "What offline
// checking cannot know").
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "policy/evaluator.h"
#include "policy/identity.h"

namespace weft::policy {

/// One node a test names with facts assumed that the file does not hold.
struct Hypothesis {
  Identity id;
  std::string missing;  // what the file does not say: "what roles alice@example.com has"
  std::string assumed;  // what is assumed: "alice@example.com has the admin role"
};

/// The hypotheses of one node: single facts first (to name the one that matters), then the
/// maximum, every unknown fact at once. Rules only ever add access for a node that has more
/// identity, so the maximum is where a verdict changes if any assumption changes it.
struct Hypotheses {
  std::vector<Hypothesis> singles;
  std::vector<Hypothesis> maxima;  // at most two: a user's device, a tagged device
  bool empty() const { return singles.empty() && maxima.empty(); }
};

/// Builds hypotheses for the nodes of one policy; only facts that some rule names are assumed
/// (a role no rule names changes nothing).
class Unknowns {
 public:
  explicit Unknowns(const Evaluator& evaluator);

  /// The hypotheses for node `id`, which the test names as `name`. `other_user` is the user on
  /// the other side of the test, so that an address may be that user's own device
  /// (autogroup:self). Empty for tags, services and addresses outside the tailnet ranges.
  Hypotheses of(const Identity& id, const std::string& name,
                const std::optional<std::string>& other_user) const;

 private:
  std::vector<std::string> roles_;        // "admin": role autogroups the rules name
  std::vector<std::string> synced_;       // synced groups the rules name
  std::vector<std::string> tags_;         // tags the rules name
  std::vector<std::string> people_keys_;  // users, groups, domains, roles the rules name
};

}  // namespace weft::policy
