// Claims mapping and the login allow-lists (docs/identity.md, "Claims mapping", "Groups").
#include "identity/claims.h"

#include <algorithm>

namespace weft::identity {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

std::string domain_of(std::string_view email) {
  const auto at = email.rfind('@');
  return at == std::string_view::npos ? std::string() : std::string(email.substr(at + 1));
}

bool listed(const std::vector<std::string>& list, std::string_view value) {
  return std::any_of(list.begin(), list.end(),
                     [&](const std::string& s) { return lower(s) == lower(value); });
}

std::string joined(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& s : list) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

std::optional<std::string> group_name(std::string_view claim_value, std::string_view email) {
  if (claim_value.empty() || claim_value.size() > 128) return std::nullopt;
  std::string value = lower(claim_value);
  const auto at = value.find('@');
  if (at != std::string::npos && (at == 0 || at + 1 == value.size() ||
                                  value.find('@', at + 1) != std::string::npos)) {
    return std::nullopt;
  }
  for (char c : value)
    if (c != '@' && !name_char(c)) return std::nullopt;
  if (at == std::string::npos) {
    const std::string domain = lower(domain_of(email));
    if (domain.empty()) return std::nullopt;
    value += "@" + domain;
  }
  return "group:" + value;
}

Result<LoginIdentity> admit(const IdTokenClaims& claims, const Allowlist& allowed) {
  if (claims.email.empty() || claims.email.find('@') == std::string::npos) {
    return make_error("oidc.no_email",
                      "the identity provider sent no e-mail address for this account; weft "
                      "names users by e-mail (the login asks for the \"email\" scope)");
  }
  const std::string email = lower(claims.email);
  if (!claims.email_verified) {
    return make_error("oidc.email_unverified",
                      "the identity provider has not verified " + email +
                          "; verify the address there and log in again");
  }
  const std::string domain = domain_of(email);
  if (!allowed.empty()) {
    bool ok = listed(allowed.domains, domain) || listed(allowed.users, email);
    for (const auto& g : claims.groups) ok = ok || listed(allowed.groups, g);
    if (!ok) {
      std::string what;
      if (!allowed.domains.empty()) what += "accounts of " + joined(allowed.domains);
      if (!allowed.users.empty()) what += std::string(what.empty() ? "" : "; ") + "the users " + joined(allowed.users);
      if (!allowed.groups.empty()) what += std::string(what.empty() ? "" : "; ") + "members of " + joined(allowed.groups);
      return make_error("oidc.not_allowed", email + " may not join this tailnet: it admits " +
                                                what + ". Ask the tailnet's operator.");
    }
  }
  LoginIdentity out;
  out.issuer = claims.issuer;
  out.subject = claims.subject;
  out.email = email;
  out.name = claims.name;
  for (const auto& g : claims.groups)
    if (auto n = group_name(g, email)) out.groups.push_back(*n);
  std::sort(out.groups.begin(), out.groups.end());
  out.groups.erase(std::unique(out.groups.begin(), out.groups.end()), out.groups.end());
  return out;
}

}  // namespace weft::identity
