// Device posture on the server (docs/network-config.md, "Device posture"): the attributes a
// device has for the policy's `postures` (what its node reports plus what the operator set),
// and the checks on operator-set attributes. C++17-clean.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "coord/device.h"
#include "util/result.h"

namespace weft::coord {

/// Limits on operator-set attributes (`weft admin nodes set-attr`).
inline constexpr std::size_t kMaxPostureAttributes = 64;      // per device
inline constexpr std::size_t kMaxPostureNameBytes = 128;      // "custom:name"
inline constexpr std::size_t kMaxPostureValueBytes = 256;

/// The posture attributes policies see for `d`: "node:os", "node:osVersion" and
/// "node:tsVersion" from the node's reports (absent when not reported; "node:tsVersion" is the
/// client version without its "weft " prefix, so `>= '0.2'` compares versions), then the
/// operator's attributes.
std::map<std::string, std::string> posture_of(const Device& d);

/// Checks an attribute name an operator may set: `namespace:name` as a policy writes it
/// (`custom:` or a posture provider's namespace such as `intune:`); `node:` and `ip:` belong to
/// the node's reports and are refused.
/// Errors: "coord.posture_attribute" (with the reason).
Status check_posture_attribute_name(std::string_view name);
/// Checks a value: UTF-8 without control characters, at most kMaxPostureValueBytes; may be
/// empty. Errors: "coord.posture_attribute".
Status check_posture_attribute_value(std::string_view value);

/// `current` with `set` written over it and `unset` removed (unset names that are absent are
/// no error). Errors: "coord.posture_attribute" (a name or value refused, a name both set and
/// unset, more than kMaxPostureAttributes afterwards).
Result<std::map<std::string, std::string>> edit_posture_attributes(
    const std::map<std::string, std::string>& current,
    const std::map<std::string, std::string>& set, const std::vector<std::string>& unset);

}  // namespace weft::coord
