// Cross-reference checks of a read Policy: every group, tag, host, ipset and posture used is
// defined, aliases appear only where the language allows them (docs/policy.md, "Selectors").
#pragma once

#include <string>
#include <vector>

#include "policy/diagnostic.h"
#include "policy/model.h"
#include "policy/tailnet.h"

namespace weft::policy {

/// A name used somewhere the model keeps no position for (e.g. srcPosture entries).
struct NamedRef {
  std::string name;
  SourceRef at;
};

/// What the reader saw besides the model, for the validator.
struct ReadExtras {
  std::vector<NamedRef> posture_refs;          // srcPosture / defaultSrcPosture entries
  std::vector<Selector> service_approvers;     // autoApprovers.services values
};

/// Checks references and placement and resolves host aliases (Selector::prefix of kHost).
/// Appends findings to `out`, all of them (never stops early). Messages, one per mistake:
///  - `group not found: "group:x"` / `tag not found: "tag:x"` / `host not found: "x"` /
///    `ipset not found: "ipset:x"` / `posture not found: "posture:x"` (with "did you mean")
///  - `group members cannot be recursive` and other kinds misplaced in groups, tagOwners,
///    ipsets, via, ssh and tests; `"autogroup:self" not valid on the src side of a rule`;
///    `"autogroup:internet" not valid on the src side of a rule`; ipset cycles
///  - warnings: empty groups, rules that can never match, a group synced from the identity
///    provider that matches nobody: offline (no `tailnet`) each one, with a tailnet that knows
///    synced groups (`tailnet.synced_members` set) those it lists no member of
void validate(Policy& policy, const ReadExtras& extras, Diagnostics& out,
              const TailnetView& tailnet = {});

}  // namespace weft::policy
