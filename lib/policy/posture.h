// Device posture conditions (`postures`, `srcPosture`, `defaultSrcPosture`): does a node's
// posture attributes satisfy a condition. Semantics in docs/policy.md ("Device posture").
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "policy/model.h"

namespace weft::policy {

/// Orders two attribute values: numerically when both are numbers (or `numeric`), by dotted
/// components when both look like versions ("1.40.2", "v1.58.0-t1234"), else byte-wise.
/// Returns <0, 0 or >0. Never fails.
int compare_posture_values(std::string_view a, std::string_view b, bool numeric);

/// True when `attrs` satisfies `condition`. A condition on an attribute the node does not
/// report holds only for NOT SET (and NOT IN / != are false too: unknown is not "different").
bool posture_condition_holds(const PostureCondition& condition,
                             const std::map<std::string, std::string>& attrs);

/// True when every condition of `posture` holds.
bool posture_holds(const Posture& posture, const std::map<std::string, std::string>& attrs);

}  // namespace weft::policy
