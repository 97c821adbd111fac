// The coordinator core (docs/control-plane.md): the coordination server's protocol state machine.
// Connection bytes in, connection bytes out; registry, visibility and netmaps inside; the store
// behind a narrow interface. Sans-IO and C++17-clean: `weft serve` and ns-3 drive the same code.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "control/messages.h"
#include "coord/api_token.h"
#include "coord/auth_key.h"
#include "coord/device.h"
#include "coord/dns_settings.h"
#include "coord/ids.h"
#include "core/bytes.h"
#include "core/key.h"
#include "core/random.h"
#include "core/time.h"
#include "crypto/crypto.h"
#include "util/result.h"

namespace weft::coord {

class Registry;
struct RegistryChange;
struct RegistryConfig;

/// The driver's handle for one connection (after the HTTP upgrade). Never reused by a driver
/// while the coordinator may still hold it (open → closed).
struct ConnectionId {
  uint64_t value = 0;
  friend bool operator==(ConnectionId a, ConnectionId b) { return a.value == b.value; }
  friend bool operator!=(ConnectionId a, ConnectionId b) { return a.value != b.value; }
  friend bool operator<(ConnectionId a, ConnectionId b) { return a.value < b.value; }
};

/// Everything one operation changed, for one durable commit.
struct StateChange {
  const RegistryChange* registry = nullptr;  // may be null
  const PolicyRecord* policy = nullptr;      // a newly applied policy, or null
  const std::vector<StoredApiToken>* api_tokens = nullptr;  // created, used or revoked; may be null
  const DnsSettings* dns = nullptr;  // replaced whole (`weft admin dns set`); may be null
};

/// The narrow store interface. `commit` returns only when the change is durable; the
/// coordinator sends a reply that depends on a change only after its commit succeeded, and
/// refuses the operation (changing nothing it already reported) when it fails.
class StateStore {
 public:
  virtual ~StateStore() = default;
  /// Errors: the store's own ("store.sqlite", ...).
  virtual Status commit(const StateChange& change) = 0;
};

/// What the store held at start, fed back into the core.
struct RestoredState {
  std::vector<User> users;
  std::vector<Device> devices;
  std::vector<StoredAuthKey> auth_keys;
  std::vector<QuarantinedAddress> quarantined;
  std::vector<PolicyRecord> policies;  // ascending by version; the last one is in force
  std::vector<StoredApiToken> api_tokens;
  DnsSettings dns;
};

struct CoordinatorConfig {
  core::MachinePrivateKey server_key{};  // the server's long-term Noise static key
  crypto::Key32 auth_key_secret{};       // keys the pre-auth key hashes (kept outside the store)
  std::string dns_domain = "weft.internal";
  /// The relay map every netmap carries (`weft serve --relay-map`, plus the embedded relay's
  /// region); empty: no relays.
  std::vector<control::RelayRegion> relays;
  /// Either side sends KeepAlive after this long without sending; a connection that has been
  /// silent for three intervals is closed.
  core::Duration keepalive = std::chrono::seconds(60);
  /// A connection must finish the handshake and register within this long.
  core::Duration handshake_timeout = std::chrono::seconds(10);
  /// Bytes queued for one connection before the coordinator gives up on it (a slow reader).
  std::size_t max_queued_bytes = 64u << 20;
  /// The policy applied at first start when the store holds none (empty: allow all, as
  /// Tailscale's default policy file).
  std::string initial_policy;
  /// Interactive login (`weft serve --oidc-issuer`): a registration without an auth key gets
  /// RegisterStatus::kNeedsLogin with this prefix + a fresh login id ("https://srv/login/").
  /// Empty: no login; such registrations are refused as before.
  std::string login_url_prefix;
};

/// What a finished login registered.
struct LoginResult {
  std::string user;  // e-mail
  bool user_created = false;
  DeviceId device;
  std::string hostname;
};

/// Bytes for the driver to write to a connection, and whether to close it after them.
struct Transmit {
  ConnectionId connection;
  std::vector<uint8_t> bytes;
  bool close = false;
};

/// One finding about a policy text, positioned (line 0 = the whole file).
struct PolicyFinding {
  bool error = true;
  uint32_t line = 0;
  uint32_t column = 0;
  std::string message;
};

/// The outcome of `set_policy` / `check_policy`: applied (with its version) or refused with
/// the findings of `weft acl check` and the failing tests (decided against the registry).
struct PolicyOutcome {
  bool valid = false;
  uint64_t version = 0;  // set_policy: the version now in force when applied
  std::vector<PolicyFinding> findings;
  std::vector<std::string> failed_tests;  // "line:col: description: message"
};

/// Counters for logs and `weft admin`: every refusal counted, never fatal.
struct CoordinatorCounters {
  uint64_t connections = 0;
  uint64_t handshakes_refused = 0;
  uint64_t version_mismatches = 0;
  uint64_t frames_refused = 0;  // replayed, forged, oversized, truncated at close, gaps
  uint64_t messages_malformed = 0;
  uint64_t registrations = 0;
  uint64_t registrations_refused = 0;
  uint64_t store_failures = 0;
  uint64_t full_maps_sent = 0;
  uint64_t deltas_sent = 0;
  uint64_t bytes_queued = 0;
  uint64_t slow_readers_closed = 0;
  /// Messages that could not be sealed (larger than control::kMaxMessageBytes, e.g. a full map
  /// of an enormous tailnet, or a channel out of nonces): the connection is closed.
  uint64_t messages_unsendable = 0;
  /// VerifyNodeRequests answered, and how many of them said no.
  uint64_t node_verifications = 0;
  uint64_t node_verifications_refused = 0;
  uint64_t api_token_uses = 0;
  uint64_t api_token_refusals = 0;
  uint64_t log_lines_dropped = 0;
};

class Coordinator {
 public:
  /// Builds the core from the stored state. Errors: restore inconsistencies from the registry,
  /// "coord.policy" when the stored (or initial) policy does not load.
  static Result<std::unique_ptr<Coordinator>> create(const CoordinatorConfig& config,
                                                     const RegistryConfig& registry,
                                                     const RestoredState& state,
                                                     StateStore& store, core::Now now,
                                                     core::Random& rng);
  ~Coordinator();
  Coordinator(const Coordinator&) = delete;
  Coordinator& operator=(const Coordinator&) = delete;

  // ---- connections (the driver: an upgraded HTTP connection, or an ns-3 socket) ----
  void connection_opened(ConnectionId id, core::Now now);
  /// Bytes read from the connection, in order. Refused input closes the connection (a Transmit
  /// with close=true, possibly with an ErrorMessage first) and is counted.
  void connection_bytes(ConnectionId id, core::ByteView bytes, core::Now now, core::Random& rng);
  /// The peer or the driver closed it; the device goes offline.
  void connection_closed(ConnectionId id, core::Now now);
  /// The next bytes to write, in order per connection. False when nothing is queued.
  bool poll_transmit(Transmit& out);

  // ---- timers ----
  /// The earliest monotonic time at which on_deadline must run (keepalives, handshake
  /// timeouts, key expiry, ephemeral clean-up); nullopt when none.
  std::optional<core::Duration> next_deadline() const;
  void on_deadline(core::Now now, core::Random& rng);

  // ---- the operator (weft admin); each change is durable before it returns ok ----
  /// Errors: "coord.user_exists", "coord.email", store errors.
  Result<User> create_user(std::string_view email, Role role, core::Now now);
  /// Errors: "coord.unknown_user", "coord.user_has_devices", store errors.
  Status remove_user(std::string_view email, core::Now now);
  /// The key's user by e-mail; tags are checked against the policy's tagOwners.
  /// Errors: "coord.unknown_user", those of AuthKeys::create, store errors.
  Result<CreatedAuthKey> create_auth_key(std::string_view user_email, AuthKeyRequest request,
                                         core::Now now, core::Random& rng);
  /// Errors: "auth_key.unknown", store errors.
  Status revoke_auth_key(const AuthKeyId& id, core::Now now);
  /// Errors: "coord.unknown_device", "coord.device_state" (not in a state the action applies
  /// to), store errors.
  Status approve(DeviceId id, core::Now now);
  Status expire(DeviceId id, core::Now now);
  /// The node key of a pending or authorized device expires `after` from now (nullopt: never);
  /// the node hears of it in its map. Errors: those of Registry::set_key_expiry, store errors.
  Status set_key_expiry(DeviceId id, std::optional<core::Duration> after, core::Now now);
  Status remove(DeviceId id, core::Now now);
  /// Asks the device to rotate its node key (delivered over its stream when online).
  Status rotate(DeviceId id, core::Now now);
  /// Operator tag change (also what the leak property test drives).
  /// Errors: "coord.unknown_device", "coord.tag" (malformed or not in tagOwners), store errors.
  Status set_tags(DeviceId id, const std::vector<std::string>& tags, core::Now now);
  /// The operator approves or rejects routes a device advertises (`weft admin routes approve |
  /// reject`; docs/network-config.md): nodes the policy lets reach them get them in their next
  /// delta, or lose them. A route the policy's autoApprovers approve stays live after a reject
  /// while the policy approves it. Errors: "coord.unknown_device", "coord.removed", store errors.
  Status set_route_approval(DeviceId id, const std::vector<util::IpPrefix>& routes, bool approve,
                            core::Now now);
  /// One device's routes, for `weft admin routes list`.
  struct DeviceRoutes {
    DeviceId id;
    std::vector<util::IpPrefix> advertised;
    std::vector<util::IpPrefix> approved;       // by the operator
    std::vector<util::IpPrefix> auto_approved;  // by the policy's autoApprovers
    std::vector<util::IpPrefix> primary;        // subnet routes this device carries now
  };
  /// Every device that advertises or has approved routes, by id.
  std::vector<DeviceRoutes> routes() const;
  /// The operator's posture attributes (`weft admin nodes set-attr`; coord/posture.h): `set`
  /// written, `unset` removed; peers whose access the device's postures decide hear of it in
  /// their next delta. Errors: "coord.unknown_device", "coord.removed",
  /// "coord.posture_attribute", store errors.
  Status set_posture_attributes(DeviceId id, const std::map<std::string, std::string>& set,
                                const std::vector<std::string>& unset, core::Now now);

  // ---- API tokens (docs/identity.md, "Tokens and scopes") ----
  /// Errors: those of ApiTokens::create, store errors.
  Result<CreatedApiToken> create_api_token(ApiScope scope, std::optional<core::Duration> expiry,
                                           core::Now now, core::Random& rng);
  /// Errors: "api_token.unknown", store errors.
  Status revoke_api_token(const ApiTokenId& id, core::Now now);
  /// Whether the presented token may run admin operation `op` now. An accepted use is recorded
  /// (uses, last use) durably before this returns; every use and refusal is also logged
  /// (poll_log). A refusal is a check that is not ok (its typed refusal). Errors: store errors
  /// (the use could not be recorded: refuse the request).
  Result<ApiTokenCheck> authorize_api_token(std::string_view presented, std::string_view op,
                                            core::Now now);
  const ApiTokens& api_tokens() const;

  // ---- interactive login (docs/identity.md; the driver runs lib/identity) ----
  /// Whether `login_id` names a registration waiting for a login now.
  bool login_waiting(std::string_view login_id) const;
  /// The login proved `who`: maps it to a user and registers the waiting machine as that
  /// user's device; the node hears it on its connection.
  /// Errors: "coord.unknown_login" (the node went away, or the link was used), those of
  /// Registry::login_user and Registry::register_login, store errors. After an error other than
  /// unknown_login the node is refused with it.
  Result<LoginResult> complete_login(std::string_view login_id, const ProvenIdentity& who,
                                     core::Now now, core::Random& rng);
  /// The login failed (not allowed, a provider error): the waiting node is refused with `code`
  /// and `message` (written for the person) and its connection closed. Unknown ids: nothing.
  void refuse_login(std::string_view login_id, const std::string& code,
                    const std::string& message, core::Now now);

  /// Validates `text` as `weft acl check` does, decides its tests against the registry, and
  /// when valid applies it (history entry, deltas to every node it affects).
  PolicyOutcome set_policy(std::string_view text, core::Now now);
  /// The same checks without applying.
  PolicyOutcome check_policy(std::string_view text) const;
  const std::vector<PolicyRecord>& policy_history() const;
  /// The domain of the devices' DNS names ("weft.internal").
  const std::string& dns_domain() const;
  /// Replaces the tailnet's DNS settings (`weft admin dns set`; coord/dns_settings.h), durably;
  /// every streaming node gets them in a delta. Errors: those of normalize_dns_settings,
  /// store errors (nothing changes then).
  Status set_dns(DnsSettings settings, core::Now now);
  const DnsSettings& dns() const;
  /// The relay map every netmap carries.
  const std::vector<control::RelayRegion>& relays() const;
  /// Whether `node_key` is the current node key of an authorized, unexpired device: what a
  /// relay verifying its clients asks (VerifyNodeRequest, or the embedded relay directly).
  bool node_key_allowed(const core::NodePublicKey& node_key, core::WallTime now) const;

  const Registry& registry() const;
  const CoordinatorCounters& counters() const;
  /// Devices with a live map stream.
  std::size_t streams() const;
  /// The next line for the server's log: every use and refusal of a pre-auth key, an API token,
  /// a node key (registrations) or a login (complete_login, refuse_login), oldest first. False when none is queued. The queue holds at
  /// most 4096 lines; older ones are dropped (counted in log_lines_dropped).
  bool poll_log(std::string& line);
  /// False once a store commit failed: the core's memory is then ahead of the disk, so the
  /// driver must stop (and a restart rebuilds the core from the store).
  bool healthy() const;

  struct Impl;  // internal (coordinator_impl.h)

 private:
  explicit Coordinator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace weft::coord
