// Names of the registry's enums (roles as Tailscale spells them, device states), for policies,
// admin listings and the store.
#include "coord/device.h"

namespace weft::coord {
namespace {

struct RoleName {
  Role role;
  const char* name;
};

constexpr RoleName kRoleNames[] = {
    {Role::kMember, "member"},
    {Role::kOwner, "owner"},
    {Role::kAdmin, "admin"},
    {Role::kNetworkAdmin, "network-admin"},
    {Role::kItAdmin, "it-admin"},
    {Role::kBillingAdmin, "billing-admin"},
    {Role::kAuditor, "auditor"},
};

}  // namespace

const char* role_name(Role role) {
  for (const RoleName& r : kRoleNames) {
    if (r.role == role) return r.name;
  }
  return "member";  // unreachable for a valid enum value
}

std::optional<Role> parse_role(std::string_view text) {
  for (const RoleName& r : kRoleNames) {
    if (text == r.name) return r.role;
  }
  return std::nullopt;
}

const char* state_name(DeviceState state) {
  switch (state) {
    case DeviceState::kPending: return "pending";
    case DeviceState::kAuthorized: return "authorized";
    case DeviceState::kExpired: return "expired";
    case DeviceState::kRemoved: return "removed";
  }
  return "removed";
}

}  // namespace weft::coord
