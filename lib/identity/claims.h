// From a verified ID token to who logs in (docs/identity.md, "Claims mapping" and "Groups"):
// the allow-lists of `weft serve --oidc-allowed-*`, and the provider's group claim values as
// the policy language's synced groups ("group:NAME@DOMAIN").
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "identity/id_token.h"
#include "util/result.h"

namespace weft::identity {

/// Who may log in. Empty lists admit everyone with a verified e-mail; otherwise a person is
/// admitted when any list admits them (domain, or address, or group).
struct Allowlist {
  std::vector<std::string> domains;  // "example.com": the verified e-mail's domain
  std::vector<std::string> users;    // "alice@example.com"
  std::vector<std::string> groups;   // provider group claim values, as sent ("engineering")
  bool empty() const { return domains.empty() && users.empty() && groups.empty(); }
};

/// The person a login proved, ready for the coordinator.
struct LoginIdentity {
  std::string issuer;
  std::string subject;
  std::string email;  // lowercased, verified
  std::string name;
  std::vector<std::string> groups;  // policy names, sorted: "group:eng@example.com"
};

/// A group claim value as a policy group name: lowercased; a value that names a domain
/// ("eng@corp.example") keeps it, any other gets the user's e-mail domain ("eng" for
/// alice@example.com -> "group:eng@example.com"). nullopt for a value that cannot be a name:
/// empty, over 128 bytes, or with characters other than a-z 0-9 . _ - and one '@'.
std::optional<std::string> group_name(std::string_view claim_value, std::string_view email);

/// Applies the allow-list and maps the claims.
/// Errors (their detail is shown to the person in the browser and by `weft up`):
/// "oidc.no_email" (no e-mail claim: ask the provider for the email scope),
/// "oidc.email_unverified", "oidc.not_allowed" (names what the lists allow).
Result<LoginIdentity> admit(const IdTokenClaims& claims, const Allowlist& allowed);

}  // namespace weft::identity
