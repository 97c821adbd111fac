// Who a packet's source or destination is, and the text forms that name one in policy `tests`
// and `weft acl query`. Part of the parse stage; no compiled policy here.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/model.h"
#include "util/ip_prefix.h"
#include "util/result.h"

namespace weft::policy {

/// What the coordination server (or a test) knows of a node. A user-owned node has `user`; a
/// tagged node has `tags` and no user.
struct Identity {
  std::optional<std::string> user;  // "alice@example.com"
  std::vector<std::string> tags;    // "tag:prod"
  std::vector<std::string> roles;   // "admin", "owner", ... (for autogroup:admin etc.)
  std::vector<util::IpAddress> addresses;
  std::map<std::string, std::string> posture_attrs;  // "node:os" -> "linux"
  /// Group memberships known besides the policy's `groups` ("group:eng"), e.g. from the
  /// identity provider; also how a test src that names a group without members is evaluated.
  std::vector<std::string> groups;
  /// Tailscale Services this destination stands for ("svc:db"). A service is reached only by
  /// rules that name it: "*" does not include it, and no device is one offline.
  std::vector<std::string> services;
  /// What the tailnet said about this node, for messages ("alice@example.com is admin in
  /// tailnet.hujson"); filled by an IdentityEnricher (tailnet.h), never read by the evaluator.
  std::vector<std::string> facts;
};

/// Parses the forms that tests and `acl query` accept for a source or destination host:
/// "alice@example.com", "tag:prod", "group:eng" (a node carrying the group), "svc:db" (dst only),
/// a host alias, an IP address.
/// Errors: unknown group/tag/host, malformed address, a form not allowed there.
Result<Identity> identity_from_text(const Policy& policy, std::string_view text, bool is_src);

}  // namespace weft::policy
