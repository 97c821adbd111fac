// Logins through the identity provider (issue 16, docs/identity.md "Claims mapping" and
// "Re-authentication"): an identity (issuer + subject) to a user, and the device a login
// registers or re-registers. The registry never sees a token, only what lib/identity proved.
#include "coord/registry.h"

#include "coord/names.h"

namespace weft::coord {

Result<UserLogin> Registry::login_user(const ProvenIdentity& who, core::WallTime now) {
  const auto email = normalize_email(who.email);
  if (!email) return make_error("coord.invalid_email", "\"" + who.email + "\" is not an e-mail address");
  UserLogin out;
  // Logins are rare next to everything else: a scan keeps the registry's indexes as they are.
  const User* bound = nullptr;
  for (const auto& [id, u] : users_)
    if (u.has_identity() && u.oidc_issuer == who.issuer && u.oidc_subject == who.subject) bound = &u;
  const User* named = find_user(*email);
  User next;
  if (bound != nullptr) {
    next = *bound;
    if (named != nullptr && named != bound) {
      return make_error("coord.identity_conflict",
                        "this account's e-mail is now " + *email + ", which is another user's");
    }
    if (next.email != *email) {
      users_by_email_.erase(next.email);
      next.email = *email;
      users_by_email_.emplace(next.email, next.id);
    }
  } else if (named != nullptr) {
    if (named->has_identity()) {
      return make_error("coord.identity_conflict",
                        *email + " is bound to another account of the identity provider");
    }
    next = *named;
    next.oidc_issuer = who.issuer;
    next.oidc_subject = who.subject;
    out.bound = true;
  } else {
    next.id = UserId{next_user_id_++};
    next.email = *email;
    next.role = Role::kMember;
    next.created = now;
    next.oidc_issuer = who.issuer;
    next.oidc_subject = who.subject;
    users_by_email_.emplace(next.email, next.id);
    out.created = true;
  }
  const bool groups_changed = next.groups != who.groups;
  next.groups = who.groups;
  out.user = next.id;
  const auto old = users_.find(next.id);
  const bool changed = old == users_.end() || old->second.email != next.email ||
                       old->second.oidc_subject != next.oidc_subject || groups_changed;
  users_[next.id] = next;
  if (changed) out.change.users_upserted.push_back(next);
  if (groups_changed && !out.created) {
    // Their policy identity changed: the devices go through visibility again.
    for (const auto& [id, d] : devices_)
      if (d.user == next.id && d.state == DeviceState::kAuthorized && !d.tagged())
        out.change.devices_upserted.push_back(d);
  }
  return out;
}

Result<Registration> Registry::register_login(const RegisterInput& input, UserId user,
                                              core::WallTime now, core::Random& rng) {
  auto machine = known_machine(input);
  if (!machine) return machine.error();
  const Device* known = *machine;
  if (find_user(user) == nullptr) return make_error("coord.unknown_user", "the login's user is gone");
  AuthKeyGrant grant;  // a user's device: no key, no tags, not ephemeral
  grant.user = user;
  if (known == nullptr) return new_device(input, grant, false, now, rng);
  // The person proved again who they are: the device, its id and its addresses stay; the owner
  // is whoever logged in, tags go, the key expiry restarts.
  return regrant(*known, input, grant, false, now);
}

}  // namespace weft::coord
