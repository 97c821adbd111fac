// The coordinator's registry (issue 8): users, devices and their states, pre-auth keys and
// addresses, expiry and ephemeral clean-up as deadlines. Sans-IO, never throws, C++17-clean;
// every mutation returns what changed so the caller can persist it in one store commit.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "coord/address_pool.h"
#include "coord/auth_key.h"
#include "coord/device.h"
#include "coord/ids.h"
#include "core/key.h"
#include "core/path.h"
#include "core/random.h"
#include "core/time.h"
#include "crypto/crypto.h"
#include "util/ip_prefix.h"
#include "util/result.h"

namespace weft::coord {

/// Node keys of user-owned devices expire this long after registration (Tailscale's default).
inline constexpr std::chrono::hours kDefaultKeyExpiry{24 * 180};
/// An ephemeral device is removed this long after it went offline.
inline constexpr std::chrono::minutes kDefaultEphemeralTimeout{30};

struct RegistryConfig {
  AddressPoolConfig pool = AddressPoolConfig::defaults();
  /// Node-key lifetime of user-owned devices, from (re-)registration. Tagged devices get none.
  core::Duration key_expiry = kDefaultKeyExpiry;
  /// Removal delay of an offline ephemeral device, counted from offline_since.
  core::Duration ephemeral_timeout = kDefaultEphemeralTimeout;
  /// --require-approval: devices registered with a key start pending until `approve`.
  bool require_approval = false;
};

/// A removed device's addresses going into quarantine: what store::put_released takes (device,
/// until), and the QuarantinedAddress entries it amounts to.
struct AddressRelease {
  DeviceId device;
  DeviceAddresses addresses;
  core::WallTime until{};
  std::vector<QuarantinedAddress> entries() const {
    return {QuarantinedAddress{addresses.v4, until}, QuarantinedAddress{addresses.v6, until}};
  }
};

/// What one call changed: exactly the rows a store has to write, each at most once, in the
/// order they changed. Device rows are never deleted (a removed device is a row in state
/// removed); user rows are.
struct RegistryChange {
  std::vector<User> users_upserted;
  std::vector<UserId> users_removed;
  std::vector<Device> devices_upserted;  // whole rows
  std::vector<StoredAuthKey> auth_keys_upserted;
  std::vector<std::pair<DeviceId, DeviceAddresses>> addresses_assigned;
  std::vector<AddressRelease> addresses_released;

  bool empty() const {
    return users_upserted.empty() && users_removed.empty() && devices_upserted.empty() &&
           auth_keys_upserted.empty() && addresses_assigned.empty() &&
           addresses_released.empty();
  }
};

/// What a node presents when it registers (control::RegisterRequest plus the machine key the
/// channel proved).
struct RegisterInput {
  core::MachinePublicKey machine_key{};
  core::NodePublicKey node_key{};
  /// Set for a key rotation: the node key this machine's device holds now.
  std::optional<core::NodePublicKey> old_node_key;
  core::DiscoPublicKey disco_key{};
  std::string auth_key;  // may be empty
  std::string hostname;  // requested
  std::string os;
  std::string os_version;
  std::string client_version;
  std::vector<util::IpPrefix> advertised_routes;
};

/// The user a login maps to, and how.
struct UserLogin {
  UserId user;
  bool created = false;  // a new user
  bool bound = false;    // an existing user without an identity got this one
  RegistryChange change;
};

enum class RegisterOutcome : uint8_t {
  kNew,           // a new device
  kReconnected,   // known machine and node key (a retry or a new connection)
  kReregistered,  // known machine, new node key, with an auth key (after expiry, or a lost key)
  kRotated,       // known machine, old_node_key matched: node key replaced
};

struct Registration {
  Device device;
  RegisterOutcome outcome = RegisterOutcome::kNew;
  RegistryChange change;
  bool is_new() const { return outcome == RegisterOutcome::kNew; }
};

/// A created pre-auth key: its text (shown once) and the change (the stored key).
struct AuthKeyCreation {
  CreatedAuthKey key;
  RegistryChange change;
};

/// The registry. It owns the users, the devices, the pre-auth keys and the address pool, and is
/// the only place their state changes.
///
/// Calling contract:
/// - `restore` what the store holds once, before any other call.
/// - After every mutating call, persist its RegistryChange in one store commit before replying
///   (an empty change needs none). If that commit fails, discard the registry and rebuild it
///   from the store: its memory is then ahead of the disk.
/// - After every call, re-arm the timer at `next_deadline()`; when it fires, call
///   `on_deadline(now)` and persist its change.
/// Device ids are max(restored ids) + 1 onwards and never reused, because device rows are never
/// deleted. Every answer is a function of the recorded state, `now` and the random bytes, so a
/// restored registry answers as the one that wrote the store.
class Registry {
 public:
  /// Errors: "coord.registry_config" (key_expiry or ephemeral_timeout not positive), and those
  /// of AddressPool::create ("coord.pool_config").
  static Result<std::unique_ptr<Registry>> create(const RegistryConfig& config,
                                                  const crypto::Key32& hashing_secret);

  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;
  ~Registry();

  /// Reloads the stored state into an empty registry, checking it is consistent: unique user
  /// ids and e-mails (valid, lowercase), unique device ids, machine keys and node keys (removed
  /// devices included, non-zero), unique hostnames among devices not removed, every device not
  /// removed owned by a known user and holding exactly the addresses `held` records for it,
  /// removed devices holding none, no held entry without its device.
  /// Errors: "coord.restore_invalid" (the detail names the row), "coord.restore_twice" (the
  /// registry is not empty), and those of AuthKeys::restore and AddressPool::restore /
  /// restore_quarantined. After an error the registry is unusable: discard it.
  Status restore(const std::vector<User>& users, const std::vector<Device>& devices,
                 const std::vector<StoredAuthKey>& auth_keys,
                 const std::map<DeviceId, DeviceAddresses>& held,
                 const std::vector<QuarantinedAddress>& quarantined);

  // ------------------------------------------------------------------------------ users

  /// Creates a user; the change's users_upserted holds it.
  /// Errors: "coord.invalid_email" (see normalize_email), "coord.user_exists".
  Result<RegistryChange> create_user(std::string_view email, Role role, core::WallTime now);
  /// Removes a user and revokes its pre-auth keys that are not revoked yet (in the change), so a
  /// key of a removed user can never register a device. Removed devices keep naming the user's
  /// id, so the id is not handed to a later user.
  /// Errors: "coord.unknown_user", "coord.user_has_devices" (it owns devices not removed).
  Result<RegistryChange> remove_user(std::string_view email);
  /// Errors: "coord.unknown_user". Setting the role a user has is an empty change.
  Result<RegistryChange> set_role(std::string_view email, Role role);
  /// By e-mail (normalized first, so any case finds the user) or by id; nullptr when unknown.
  const User* find_user(std::string_view email) const;
  const User* find_user(UserId id) const;
  const std::map<UserId, User>& users() const { return users_; }

  // ------------------------------------------------------------------------------ pre-auth keys

  /// AuthKeys::create for a known user.
  /// Errors: "coord.unknown_user", and those of AuthKeys::create (auth_key.*).
  Result<AuthKeyCreation> create_auth_key(const AuthKeyRequest& request, core::WallTime now,
                                          core::Random& rng, const TagOwnerCheck& owns_tag);
  /// Errors: "auth_key.unknown". Revoking twice is an empty change.
  Result<RegistryChange> revoke_auth_key(const AuthKeyId& id);

  // ------------------------------------------------------------------------------ devices

  /// Registers a machine (docs/control-plane.md, "Registry", has the whole ladder):
  /// - unknown machine + valid auth key: a new device (kNew), state authorized, or pending
  ///   under require_approval;
  /// - known machine, same node key, pending or authorized: kReconnected (an auth key is then
  ///   ignored and not used; last_seen, a changed disco key and host details are recorded);
  /// - known machine, expired, auth key and a new node key: kReregistered (same id and
  ///   addresses, new node key and expiry);
  /// - known machine, pending or authorized, new node key with an auth key: kReregistered;
  /// - known authorized machine, old_node_key = its node key: kRotated (expiry kept).
  /// On kNew and kReregistered the key's user, tags and ephemeral flag are taken, and the tags
  /// are checked again with `owns_tag` (the policy may have changed since the key was made); a
  /// re-registration keeps an earlier approval when the key's user is the device's user.
  /// Errors: "coord.invalid_key" (zero machine or node key), "coord.removed" (the machine key
  /// or the node key belonged to a removed device), "coord.node_key_in_use" (another device
  /// holds the node key), "coord.rotation_mismatch" (old_node_key is not the device's node key,
  /// or the machine has no device), "coord.key_expired" (expired device, no auth key),
  /// "coord.node_key_expired" (expired device presenting its expired node key again),
  /// "coord.not_authorized" (rotation of a pending device), "coord.auth_required" (no auth key
  /// where one is needed), the auth key's refusal ("auth_key.malformed", "auth_key.unknown",
  /// "auth_key.revoked", "auth_key.expired", "auth_key.used"), "coord.unknown_user" (the key's
  /// user was removed), "coord.tag_not_owned", "coord.pool_exhausted". Nothing changes on an
  /// error.
  Result<Registration> register_device(const RegisterInput& input, core::WallTime now,
                                       core::Random& rng, const TagOwnerCheck& owns_tag);

  /// Maps a login to a user (registry_login.cc): the user bound to issuer + subject (its groups
  /// and e-mail refreshed); else the user named by the verified e-mail when it has no identity
  /// yet (bound now); else a new member. A change of groups re-writes the user's authorized
  /// devices too, so their policy is decided again.
  /// Errors: "coord.invalid_email", "coord.identity_conflict" (the e-mail's user is bound to
  /// another account of the provider, or the bound user's new e-mail belongs to another user).
  Result<UserLogin> login_user(const ProvenIdentity& who, core::WallTime now);
  /// Registers the machine as `user`'s device after a login: a new device (authorized, or
  /// pending under require_approval), or, for a known machine, the same device (id and
  /// addresses kept) with the presented node key, owner `user`, no tags and a new key expiry.
  /// Errors: as register_device for keys ("coord.invalid_key", "coord.removed",
  /// "coord.node_key_in_use"), "coord.unknown_user", "coord.pool_exhausted".
  Result<Registration> register_login(const RegisterInput& input, UserId user, core::WallTime now,
                                      core::Random& rng);

  /// Pending → authorized (or straight to expired when its key expired while it waited).
  /// Approving an authorized device is an empty change.
  /// Errors: "coord.unknown_device", "coord.removed", "coord.not_pending" (expired).
  Result<RegistryChange> approve(DeviceId id, core::WallTime now);
  /// The operator expires an authorized device (tagged ones too): state expired, key_expiry =
  /// now. Expiring an expired device is an empty change.
  /// Errors: "coord.unknown_device", "coord.removed", "coord.not_authorized" (pending).
  Result<RegistryChange> expire(DeviceId id, core::WallTime now);
  /// Sets when the node key of a pending or authorized device expires (tagged devices too):
  /// `at` in the future, or nullopt for never. The expiry index follows.
  /// Errors: "coord.unknown_device", "coord.removed", "coord.key_expired" (it expired already:
  /// the node must log in or register again), "coord.expiry" (`at` is not after now; expire
  /// ends a key now).
  Result<RegistryChange> set_key_expiry(DeviceId id, std::optional<core::WallTime> at,
                                        core::WallTime now);
  /// Checks that the device may be told to rotate its node key (the coordinator sends RotateKey;
  /// the node answers with a registration carrying old_node_key).
  /// Errors: "coord.unknown_device", "coord.removed", "coord.not_authorized".
  Status request_rotation(DeviceId id) const;
  /// State removed, addresses into quarantine, hostname freed; its machine and node keys stay
  /// refused forever and its id retired.
  /// Errors: "coord.unknown_device", "coord.removed" (already).
  Result<RegistryChange> remove(DeviceId id, core::WallTime now);
  /// The operator's tag change: tags sorted and deduplicated; becoming tagged clears the key
  /// expiry, becoming untagged sets it to now + key_expiry.
  /// Errors: "coord.unknown_device", "coord.removed", "coord.invalid_tag".
  Result<RegistryChange> set_tags(DeviceId id, const std::vector<std::string>& tags,
                                  core::WallTime now);
  /// The operator's posture attributes (coord/posture.h): `set` written, `unset` removed;
  /// unchanged is an empty change.
  /// Errors: "coord.unknown_device", "coord.removed", "coord.posture_attribute".
  Result<RegistryChange> set_posture_attributes(DeviceId id,
                                                const std::map<std::string, std::string>& set,
                                                const std::vector<std::string>& unset);
  /// The operator approves (`approve`) or rejects routes of a device (registry_routes.cc):
  /// approved routes are kept sorted; a route need not be advertised (yet) to be approved.
  /// Unchanged is an empty change. Errors: "coord.unknown_device", "coord.removed".
  Result<RegistryChange> set_route_approval(DeviceId id, const std::vector<util::IpPrefix>& routes,
                                            bool approve);
  /// The stream opened (true) or closed (false): online, last_seen = now, offline_since.
  /// Errors: "coord.unknown_device", "coord.removed".
  Result<RegistryChange> set_online(DeviceId id, bool online, core::WallTime now);
  /// Reported endpoints and home relay region; unchanged values are an empty change.
  /// Errors: "coord.unknown_device", "coord.removed".
  Result<RegistryChange> set_endpoints(DeviceId id, const std::vector<core::SocketAddress>& endpoints,
                                       uint16_t home_region);
  /// The policy version the node reported applying; unchanged is an empty change.
  /// Errors: "coord.unknown_device", "coord.removed".
  Result<RegistryChange> set_policy_version(DeviceId id, uint64_t version);

  // ------------------------------------------------------------------------------ deadlines

  /// The earliest key expiry of an authorized device and the earliest clean-up (offline_since +
  /// ephemeral_timeout) of an offline ephemeral device not removed; nullopt when none.
  std::optional<core::WallTime> next_deadline() const;
  /// Should be called when next_deadline() has passed: expires every authorized device whose
  /// key_expiry <= now and removes every ephemeral device offline since ephemeral_timeout or
  /// longer. Cost: log(devices) per device due.
  RegistryChange on_deadline(core::WallTime now);

  // ------------------------------------------------------------------------------ lookups

  const Device* find(DeviceId id) const;
  const Device* find_by_machine_key(const core::MachinePublicKey& key) const;
  const Device* find_by_node_key(const core::NodePublicKey& key) const;
  /// Every device by id, removed ones included.
  const std::map<DeviceId, Device>& devices() const { return devices_; }
  const AuthKeys& auth_keys() const { return auth_keys_; }
  const AddressPool& address_pool() const { return *pool_; }
  const RegistryConfig& config() const { return config_; }

 private:
  Registry(const RegistryConfig& config, std::unique_ptr<AddressPool> pool,
           const crypto::Key32& hashing_secret);

  using Deadline = std::pair<core::WallTime, DeviceId>;

  // Inserts or replaces a device row, keeping every index in step, and records it in `change`
  // (once per device: a later write of the same device in one change replaces the entry).
  void put_device(const Device& next, RegistryChange& change);
  void index_in(const Device& d);
  void index_out(const Device& d);
  std::optional<core::WallTime> expiry_deadline(const Device& d) const;
  std::optional<core::WallTime> cleanup_deadline(const Device& d) const;

  // register_device's branches (registry_register.cc). known_machine: the key checks every
  // registration starts with; the machine's device (removed ones refused) or nullptr.
  Result<const Device*> known_machine(const RegisterInput& input) const;
  Result<Registration> register_new(const RegisterInput& input, core::WallTime now,
                                    core::Random& rng, const TagOwnerCheck& owns_tag);
  Result<Registration> reregister(const Device& device, const RegisterInput& input,
                                  core::WallTime now, const TagOwnerCheck& owns_tag);
  Registration reconnect(const Device& device, const RegisterInput& input, core::WallTime now);
  Result<AuthKeyGrant> check_grant(std::string_view auth_key, core::WallTime now,
                                   const TagOwnerCheck& owns_tag) const;
  void apply_host_details(Device& d, const RegisterInput& input);
  void apply_grant(Device& d, const AuthKeyGrant& grant, bool approved, core::WallTime now) const;
  std::optional<core::WallTime> key_expiry_for(const Device& d, core::WallTime now) const;
  void heard_from(Device& d, core::WallTime now) const;
  void record_key_use(std::string_view auth_key, core::WallTime now, RegistryChange& change);
  std::string unique_hostname(std::string_view requested, const Device& self);

  // Operator and lifecycle helpers (registry_lifecycle.cc).
  Result<Device> live_device(DeviceId id) const;
  void remove_device(Device d, core::WallTime now, RegistryChange& change);
  // The one place a device is made (new_device: addresses assigned last, so a refusal leaves
  // nothing) or taken over by a grant (regrant: id and addresses kept, the presented node key,
  // the approval kept when the grant's user owned it). A pre-auth key's grant (from_key) or a
  // login's, which names no key.
  Result<Registration> new_device(const RegisterInput& input, const AuthKeyGrant& grant,
                                  bool from_key, core::WallTime now, core::Random& rng);
  Registration regrant(const Device& device, const RegisterInput& input,
                       const AuthKeyGrant& grant, bool from_key, core::WallTime now);

  RegistryConfig config_;
  std::unique_ptr<AddressPool> pool_;
  AuthKeys auth_keys_;

  std::map<UserId, User> users_;
  std::map<std::string, UserId, std::less<>> users_by_email_;
  uint64_t next_user_id_ = 1;

  std::map<DeviceId, Device> devices_;
  uint64_t next_device_id_ = 1;
  std::map<core::MachinePublicKey, DeviceId> by_machine_key_;  // removed devices included
  std::map<core::NodePublicKey, DeviceId> by_node_key_;        // removed devices included
  std::map<std::string, DeviceId, std::less<>> by_hostname_;   // devices not removed
  // Per sanitized base name, a number below which every numbered name is taken: a memo that
  // keeps a thousand "localhost"s from costing a thousand lookups each. Cleared whenever a
  // name is freed, so it never changes an answer.
  std::unordered_map<std::string, uint32_t> hostname_floor_;
  std::set<Deadline> expiry_index_;   // authorized devices with a key expiry
  std::set<Deadline> cleanup_index_;  // offline ephemeral devices not removed
};

}  // namespace weft::coord
