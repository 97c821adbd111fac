// Front end of the policy engine: HuJSON text -> validated Policy, with every finding.
#pragma once

#include <optional>
#include <string_view>

#include "policy/diagnostic.h"
#include "policy/model.h"
#include "policy/tailnet.h"

namespace weft::policy {

struct LoadResult {
  std::optional<Policy> policy;  // set when there is no error (warnings allowed)
  Diagnostics diagnostics;       // all findings, sorted by position
};

/// Parses (hujson::parse), reads the document into a Policy (unknown keys, wrong types, bad
/// selectors, ports, protocols) and validates references (groups, tags, hosts, ipsets, postures,
/// autogroup placement). Reports all findings rather than stopping at the first; only a HuJSON
/// syntax error stops early. Never throws. `tailnet` (see TailnetView; nothing by default) tells
/// the validator what the file alone cannot: who is in a group synced from the identity provider.
LoadResult load_policy(std::string_view text, const TailnetView& tailnet = {});

}  // namespace weft::policy
