// A checked policy as the coordinator reports it (PolicyOutcome): findings, and failing tests in
// `weft acl check`'s words, decided against the registry described as a tailnet file describes
// a tailnet (tailnet_of; docs/policy.md, "The tailnet file"). Shared by the coordinator, `weft
// serve`'s first-start check and `weft admin tailnet export`.
// Uses lib/policy, so not for C++17 (ns-3) units.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "coord/coordinator.h"
#include "coord/device.h"
#include "coord/registry.h"
#include "policy/pipeline.h"
#include "policy/tailnet.h"

namespace weft::coord {

/// Where the server's facts come from, as its messages name it ("alice@example.com is admin in
/// the server's registry").
inline constexpr std::string_view kRegistrySource = "the server's registry";

/// `valid` as CheckedPolicy::valid(); every diagnostic as a finding; every failing test as
/// "LINE:COL: error: test failed: DESCRIPTION: MESSAGE" (what `weft acl check` prints after the
/// file name), followed, when the tailnet decided it, by the facts that did as `weft acl check
/// --tailnet` prints them (policy::decided_by_text).
PolicyOutcome policy_outcome_of(const policy::CheckedPolicy& checked);

/// The registry as policy tests see it — the one description both `weft admin policy set` and
/// `weft admin tailnet export` use, so that `weft acl check --tailnet` on an export decides as
/// the server does: every user with its role; every authorized device (the tailnet the server's
/// filters are built from: pending and expired devices are no device) with its hostname, its
/// owner's e-mail (none when tagged: tags own it), tags, addresses and posture; the synced groups
/// of users who logged in through the identity provider, with their members. No domains (the
/// server keeps none). Never fails.
policy::TailnetDescription tailnet_of(const Registry& registry);

/// Checks `text` with its tests decided against `registry` (tailnet_of, facts named by
/// kRegistrySource). Never fails: a policy that does not load is an invalid outcome.
PolicyOutcome check_against_registry(std::string_view text, const Registry& registry);

}  // namespace weft::coord
