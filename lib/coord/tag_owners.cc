// tagOwners resolution for users (Tailscale kb/1068 "tags": owners are users, groups,
// autogroups of roles, or other tags).
#include "coord/tag_owners.h"

#include <string>

namespace weft::coord {
namespace {

bool selector_names_user(const policy::Policy& policy, const policy::Selector& s,
                         const User& user) {
  using policy::SelectorKind;
  switch (s.kind) {
    case SelectorKind::kUser: return s.name == user.email;
    case SelectorKind::kAutogroupMember: return true;
    case SelectorKind::kAutogroupAdmin:
      return s.name == std::string("autogroup:") + role_name(user.role);
    case SelectorKind::kGroup:
      for (const auto& g : policy.groups) {
        if (g.name != s.name) continue;
        for (const auto& m : g.members)
          if (m.kind == SelectorKind::kUser && m.name == user.email) return true;
      }
      return false;
    default: return false;
  }
}

}  // namespace

bool user_owns_tag(const policy::Policy& policy, const User& user, std::string_view tag) {
  for (const auto& t : policy.tag_owners) {
    if (t.tag != tag) continue;
    for (const auto& owner : t.owners)
      if (selector_names_user(policy, owner, user)) return true;
  }
  return false;
}

}  // namespace weft::coord
