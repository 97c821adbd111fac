// CheckedPolicy -> PolicyOutcome, and the registry as a tailnet description for policy tests.
#include "coord/policy_outcome.h"

#include <string>

#include "coord/posture.h"

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
                               c.description + ": " + c.message +
                               policy::decided_by_text(c.decided_by));
  }
  return out;
}

policy::TailnetDescription tailnet_of(const Registry& registry) {
  policy::TailnetDescription t;
  for (const auto& [id, u] : registry.users()) {
    t.users.push_back(policy::TailnetUser{u.email, role_name(u.role), {}});
    for (const auto& g : u.groups) t.groups[g].push_back(u.email);
  }
  for (const auto& [id, d] : registry.devices()) {
    // Only devices in the tailnet: the visibility view (and so every filter) holds no other.
    if (d.state != DeviceState::kAuthorized) continue;
    policy::TailnetDevice device;
    device.name = d.hostname;
    if (!d.tagged())
      if (const User* u = registry.find_user(d.user)) device.user = u->email;
    device.tags = d.tags;
    if (d.addresses) device.addresses = {d.addresses->v4, d.addresses->v6};
    device.posture = posture_of(d);
    t.devices.push_back(std::move(device));
  }
  return t;
}

PolicyOutcome check_against_registry(std::string_view text, const Registry& registry) {
  const policy::TailnetView view = policy::view_of(tailnet_of(registry), std::string(kRegistrySource));
  return policy_outcome_of(policy::check_policy(text, policy::RunTests::kYes, view));
}

}  // namespace weft::coord
