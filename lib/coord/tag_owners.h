// Who may own a tag under a policy's tagOwners (Tailscale "tag owners"): the check behind
// pre-auth keys with tags and operator tag changes. Internal to the coordinator (uses lib/policy).
#pragma once

#include <string_view>
#include <vector>

#include "coord/device.h"
#include "policy/model.h"

namespace weft::coord {

/// True when `user` (with its role) is among `tag`'s owners: named directly, through a group,
/// through the autogroup of its role, or through autogroup:member (every user). A tag absent
/// from tagOwners is owned by nobody; tag owners that are tags own it for devices, not users.
bool user_owns_tag(const policy::Policy& policy, const User& user, std::string_view tag);

}  // namespace weft::coord
