// What a policy file alone cannot know about its tailnet — users' roles, the tailnet's domains,
// devices with their owner, tags and addresses, groups synced from the identity provider — read
// from a tailnet file (`weft acl check --tailnet FILE`; docs/policy.md, "The tailnet file").
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/diagnostic.h"
#include "policy/identity.h"
#include "util/ip_prefix.h"

namespace weft::policy {

struct TailnetUser {
  std::string email;           // "alice@example.com"
  std::string role = "member";  // "member", "owner", "admin", "it-admin", ... (autogroup:ROLE)
  SourceRef at;
};

struct TailnetDevice {
  std::string name;                 // "web1", for messages
  std::optional<std::string> user;  // the owner; access control ignores it when tags are set
  std::vector<std::string> tags;    // "tag:web"
  std::vector<util::IpAddress> addresses;
  /// What the tailnet knows of the device's posture ("node:os" -> "linux"), as the server
  /// records it; tests see it on the device an address names (an ACL test's srcPostureAttrs
  /// replace it).
  std::map<std::string, std::string> posture;
  SourceRef at;
};

/// The declarative tailnet file: every element with its position.
struct TailnetDescription {
  std::vector<TailnetUser> users;
  /// The tailnet's domains. Unset: not known, so `user:*@DOMAIN` domains are not checked.
  std::optional<std::vector<std::string>> domains;
  std::vector<TailnetDevice> devices;
  /// Members of groups synced from the identity provider ("group:sec@example.com").
  std::map<std::string, std::vector<std::string>> groups;
};

struct TailnetLoad {
  std::optional<TailnetDescription> tailnet;  // set when there is no error
  Diagnostics diagnostics;                    // sorted by position
};

/// Parses and reads a tailnet file (HuJSON). Never throws. Errors, each at its position: HuJSON
/// syntax; a document that is not an object; unknown keys and wrong JSON types; a malformed or
/// repeated user e-mail; an unknown role; an empty or malformed domain; a device without
/// "addresses", a malformed address or tag, a posture attribute that is not one a policy's
/// postures can name or whose value is not a string, a user not listed in "users", an address two
/// devices hold; a group that is not `group:NAME@DOMAIN` (the policy's own groups belong in the policy);
/// a malformed group member.
TailnetLoad load_tailnet(std::string_view text);

/// The tailnet ranges weft and Tailscale assign devices from: 100.64.0.0/10 and
/// fd7a:115c:a1e0::/48. An address outside them (a subnet route, the internet) is no device.
bool is_tailnet_address(const util::IpAddress& a);

/// Completes the identity a test names with what is known outside the policy: a user's roles
/// and synced groups, and for an address that a device holds, that device's user and tags.
/// May add to Identity::facts what it used, for messages.
using IdentityEnricher = std::function<void(Identity&)>;

/// The members of a group synced from the identity provider, as the tailnet knows them (empty
/// when it lists none).
using SyncedGroupMembers = std::function<std::vector<std::string>(const std::string& group)>;

/// What the test runner and the pipeline know about the tailnet. Default: nothing (a policy file
/// alone, where tests depending on the tailnet are "not decidable offline"). With `enrich` set,
/// the tailnet is taken as complete: a user it does not place has no role and no synced group,
/// an address no device holds is no device.
struct TailnetView {
  TailnetView() = default;
  /// An enricher alone (tests); the coordination server uses view_of as the tailnet file does.
  TailnetView(IdentityEnricher e) : enrich(std::move(e)) {}  // NOLINT: implicit by design

  IdentityEnricher enrich;
  SyncedGroupMembers synced_members;  // unset: no synced group has members
  std::optional<std::vector<std::string>> domains;  // set: `user:*@DOMAIN` must name one
  std::string source;  // "tailnet.hujson", as messages name where a fact came from

  bool known() const { return static_cast<bool>(enrich); }
};

/// A view of `tailnet` whose facts name `source` ("alice@example.com is admin in SOURCE").
/// Copies what it needs: `tailnet` may go away afterwards.
TailnetView view_of(const TailnetDescription& tailnet, std::string source);

/// How a test's message names the facts that decided it (TestCaseResult::decided_by):
/// " (decided by: alice@example.com is admin in tailnet.hujson; ...)", or "" without facts.
/// Shared by `weft acl check --tailnet` and the server's policy outcomes, so both say it alike.
std::string decided_by_text(const std::vector<std::string>& facts);

/// With known domains: an error at each `user:*@DOMAIN` selector and `localpart:*@DOMAIN` ssh
/// user whose domain is not one of them, as Tailscale refuses it ("D is not one of the tailnet's
/// domains in SOURCE"). Nothing when `view.domains` is unset.
Diagnostics check_domains(const Policy& policy, const TailnetView& view);

}  // namespace weft::policy
