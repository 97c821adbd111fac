// Parsing of device posture conditions ("node:os IN ['macos', 'linux']", "node:tsVersion >=
// '1.40'", "custom:risk < 50", "falcon:ztaScore IS SET"); docs/policy.md, "Device posture".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "policy/model.h"
#include "policy/selector.h"

namespace weft::policy {

/// Attribute namespaces weft accepts: "node", "ip", "custom" and the posture providers
/// Tailscale integrates ("falcon", "intune", "jamfPro", "kandji", "kolide", "sentinelOne",
/// "huntress", "fleet", ...).
const std::vector<std::string>& posture_namespaces();

/// The attributes defined in the "node:" and "ip:" namespaces ("node:os", "ip:country", ...).
const std::vector<std::string>& builtin_posture_attributes();

/// Parses one condition. Errors (offset = the offending character): missing or malformed
/// attribute, unknown namespace, unknown node:/ip: attribute (with a suggestion), unknown
/// operator, IN / NOT IN without a ['...'] list, a list after a comparison operator, missing
/// or unterminated value, text after the condition.
TextResult<PostureCondition> parse_posture_condition(std::string_view text);

/// The operator as written ("==", "IN", "NOT SET", ...).
const char* posture_op_text(PostureOp op);

}  // namespace weft::policy
