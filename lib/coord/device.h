// What the coordinator's registry records: users (named by e-mail, with a role) and devices (keys,
// addresses, state, expiry). Plain values shared by the registry, the store and the netmap
// builder. C++17-clean.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "coord/address_pool.h"
#include "coord/auth_key.h"
#include "coord/ids.h"
#include "core/key.h"
#include "core/path.h"
#include "core/time.h"
#include "util/ip_prefix.h"

namespace weft::coord {

/// Tailscale's user roles; `autogroup:<role>` in a policy resolves to the users holding it.
enum class Role : uint8_t {
  kMember = 0,
  kOwner = 1,
  kAdmin = 2,
  kNetworkAdmin = 3,
  kItAdmin = 4,
  kBillingAdmin = 5,
  kAuditor = 6,
};

/// "member", "owner", "admin", "network-admin", "it-admin", "billing-admin", "auditor".
const char* role_name(Role role);
/// The inverse of role_name; nullopt for anything else.
std::optional<Role> parse_role(std::string_view text);

struct User {
  UserId id;
  std::string email;  // "alice@example.com": the name policies use; unique
  Role role = Role::kMember;
  core::WallTime created{};
  /// The identity-provider account bound to this user (docs/identity.md, "Claims mapping"):
  /// issuer + subject; both empty for a user the operator created that never logged in.
  std::string oidc_issuer = {};
  std::string oidc_subject = {};
  /// Synced groups from the provider's claims at the last login ("group:eng@example.com").
  std::vector<std::string> groups = {};

  bool has_identity() const { return !oidc_subject.empty(); }
};

/// Who a login at the identity provider proved (lib/identity checked the ID token; the
/// coordinator sees only this): docs/identity.md, "Claims mapping".
struct ProvenIdentity {
  std::string issuer;
  std::string subject;
  std::string email;  // verified by the provider
  std::vector<std::string> groups;  // synced group names, sorted
};

/// A device's lifecycle. Pending and expired devices keep their addresses; a removed device
/// keeps nothing but its retired id and its machine key's refusal.
enum class DeviceState : uint8_t {
  kPending = 0,     // registered under --require-approval, not yet approved
  kAuthorized = 1,  // in the tailnet
  kExpired = 2,     // node key expired (or expired by the operator): must re-register
  kRemoved = 3,     // removed by the operator or ephemeral clean-up; never comes back
};

/// "pending", "authorized", "expired", "removed".
const char* state_name(DeviceState state);

struct Device {
  DeviceId id;
  std::string hostname;            // unique in the tailnet (the requested name, made unique)
  std::string requested_hostname;  // as the node asked
  std::string os;
  std::string os_version;          // as reported: the kernel release on Linux ("6.1.0-18-amd64")
  std::string client_version;
  core::MachinePublicKey machine_key{};
  core::NodePublicKey node_key{};
  core::DiscoPublicKey disco_key{};
  std::optional<DeviceAddresses> addresses;  // set once assigned (kept while pending/expired)
  std::vector<core::SocketAddress> endpoints;
  uint16_t home_region = 0;
  /// Tags make the device tagged: it then has no owner in policy terms (`user` is who
  /// registered it, kept for the record).
  std::vector<std::string> tags;
  UserId user;  // the user that registered it (the auth key's user)
  core::WallTime created{};
  core::WallTime last_seen{};
  bool online = false;
  std::optional<core::WallTime> key_expiry;  // nullopt: never (tagged devices by default)
  DeviceState state = DeviceState::kPending;
  bool ephemeral = false;
  /// When the device went offline (ephemeral clean-up counts from here); nullopt while online.
  std::optional<core::WallTime> offline_since;
  /// What the node offers to route (`weft up --advertise-routes`; an exit node 0.0.0.0/0 and
  /// ::/0), as it last registered.
  std::vector<util::IpPrefix> advertised_routes;
  /// What the operator or the policy's autoApprovers approved (docs/network-config.md). Only
  /// routes both advertised and approved are routed; an approval outlives a withdrawal.
  std::vector<util::IpPrefix> approved_routes = {};
  std::optional<AuthKeyId> auth_key;              // the key it last registered with
  /// The policy version this node last reported applying (0 = none).
  uint64_t policy_version = 0;
  /// Posture attributes the operator set (`weft admin nodes set-attr`): "custom:risk" -> "40".
  /// Names are checked by coord/posture.h; the node's own reports are the fields above.
  std::map<std::string, std::string> posture_attributes;

  bool tagged() const { return !tags.empty(); }
};

/// One applied policy, kept in the history: `version` counts from 1 and is what nodes report
/// back (MapRequest::policy_version); `text` is the file as the operator gave it.
struct PolicyRecord {
  uint64_t version = 0;
  std::string text;
  core::WallTime applied{};
};

}  // namespace weft::coord
