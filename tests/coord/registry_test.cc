// The coordinator's registry: users, every registration case and refusal, approval, expiry and
// ephemeral clean-up through on_deadline, removal, unique hostnames, and a registry rebuilt from
// its own changes answering as the original.
#define BOOST_TEST_MODULE coord_registry
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>

#include "coord/registry.h"

using namespace weft;
using namespace weft::coord;
using namespace std::chrono_literals;

namespace {

const core::WallTime kT0 = core::WallTime{} + std::chrono::hours(24 * 365 * 50);

crypto::Key32 hashing_secret() {
  crypto::Key32 k;
  k.fill(0x42);
  return k;
}

template <class Key>
Key key_of(uint32_t n, uint8_t role) {
  core::KeyBytes b{};
  b[0] = role;
  for (int i = 0; i < 4; ++i) b[1 + i] = uint8_t(n >> (8 * i));
  return Key(b);
}
core::MachinePublicKey machine(uint32_t n) { return key_of<core::MachinePublicKey>(n, 1); }
core::NodePublicKey node(uint32_t n) { return key_of<core::NodePublicKey>(n, 2); }
core::DiscoPublicKey disco(uint32_t n) { return key_of<core::DiscoPublicKey>(n, 3); }

template <class T>
const T& ok(const Result<T>& r) {
  BOOST_TEST_REQUIRE(r.ok(), (r.ok() ? std::string() : r.error().code + ": " + r.error().detail));
  return *r;
}

template <class T>
void refused(const Result<T>& r, const std::string& code) {
  BOOST_TEST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().code == code, r.error().code << " (" << r.error().detail << ")");
}

// A tailnet with alice (member) and the policy's tagOwners as a set alice may own.
struct Tailnet {
  explicit Tailnet(RegistryConfig config = RegistryConfig{}, uint64_t seed = 1) : rng(seed) {
    auto r = Registry::create(config, hashing_secret());
    BOOST_TEST_REQUIRE(r.ok());
    registry = std::move(*r);
    alice = ok(registry->create_user("alice@example.com", Role::kMember, kT0)).users_upserted[0].id;
  }

  TagOwnerCheck owns() {
    return [this](UserId user, std::string_view tag) {
      return user == alice && alice_tags.count(std::string(tag)) != 0;
    };
  }

  std::string key(AuthKeyRequest request = {}, core::WallTime now = kT0) {
    if (request.user == UserId{}) request.user = alice;
    return ok(registry->create_auth_key(request, now, rng, owns())).key.text;
  }
  std::string reusable_key() {
    AuthKeyRequest r;
    r.reusable = true;
    return key(r);
  }

  RegisterInput input(uint32_t n, std::string auth_key, std::string hostname = "laptop") {
    RegisterInput in;
    in.machine_key = machine(n);
    in.node_key = node(n);
    in.disco_key = disco(n);
    in.auth_key = std::move(auth_key);
    in.hostname = std::move(hostname);
    in.os = "linux";
    in.client_version = "weft test";
    return in;
  }

  Result<Registration> reg(const RegisterInput& in, core::WallTime now = kT0) {
    return registry->register_device(in, now, rng, owns());
  }
  Device join(uint32_t n, const std::string& hostname = "laptop", core::WallTime now = kT0) {
    return ok(reg(input(n, key(), hostname), now)).device;
  }

  core::SeededRandom rng;
  std::unique_ptr<Registry> registry;
  UserId alice;
  std::set<std::string> alice_tags = {"tag:server", "tag:ci"};
};

AuthKeyRequest request_for(UserId user) {
  AuthKeyRequest r;
  r.user = user;
  return r;
}

// Every field, so a registry rebuilt from the store is compared whole.
auto fields(const Device& d) {
  return std::tie(d.id.value, d.hostname, d.requested_hostname, d.os, d.client_version,
                  d.machine_key, d.node_key, d.disco_key, d.addresses, d.endpoints, d.home_region,
                  d.tags, d.user.value, d.created, d.last_seen, d.online, d.key_expiry, d.state,
                  d.ephemeral, d.offline_since, d.advertised_routes, d.auth_key, d.policy_version);
}

void check_same_device(const Device& a, const Device& b) {
  BOOST_TEST((fields(a) == fields(b)), "device " << a.id.value << " differs");
}

// What a store holds, kept only from the changes the registry returned.
struct FakeStore {
  std::map<UserId, User> users;
  std::map<DeviceId, Device> devices;
  std::map<AuthKeyId, StoredAuthKey> keys;
  std::map<DeviceId, DeviceAddresses> held;
  std::map<util::IpAddress, core::WallTime> quarantined;

  void apply(const RegistryChange& c) {
    for (const User& u : c.users_upserted) users[u.id] = u;
    for (UserId id : c.users_removed) users.erase(id);
    for (const StoredAuthKey& k : c.auth_keys_upserted) keys[k.id] = k;
    for (const auto& [id, a] : c.addresses_assigned) {
      held[id] = a;
      quarantined.erase(a.v4);
      quarantined.erase(a.v6);
    }
    for (const AddressRelease& r : c.addresses_released) {
      held.erase(r.device);
      for (const QuarantinedAddress& q : r.entries()) quarantined[q.address] = q.until;
    }
    std::set<uint64_t> seen;
    for (const Device& d : c.devices_upserted) {
      BOOST_TEST(seen.insert(d.id.value).second, "device written twice in one change");
      devices[d.id] = d;
    }
  }
  const RegistryChange& apply(const Result<RegistryChange>& r) {
    apply(ok(r));
    return *r;
  }
  // Registration, AuthKeyCreation: results that carry a change.
  template <class T>
  const T& apply(const Result<T>& r) {
    apply(ok(r).change);
    return *r;
  }

  std::unique_ptr<Registry> rebuild(const RegistryConfig& config = RegistryConfig{}) const {
    auto r = Registry::create(config, hashing_secret());
    BOOST_TEST_REQUIRE(r.ok());
    std::vector<User> u;
    for (const auto& e : users) u.push_back(e.second);
    std::vector<Device> d;
    for (const auto& e : devices) d.push_back(e.second);
    std::vector<StoredAuthKey> k;
    for (const auto& e : keys) k.push_back(e.second);
    std::vector<QuarantinedAddress> q;
    for (const auto& e : quarantined) q.push_back({e.first, e.second});
    const Status s = (*r)->restore(u, d, k, held, q);
    BOOST_TEST_REQUIRE(s.ok(), (s.ok() ? std::string() : s.error().detail));
    return std::move(*r);
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(registry)

// ---------------------------------------------------------------- users

BOOST_AUTO_TEST_CASE(users_are_named_by_lowercased_email_and_unique) {
  Tailnet t;
  const RegistryChange c = ok(t.registry->create_user("Bob@Example.COM", Role::kAdmin, kT0));
  BOOST_TEST_REQUIRE(c.users_upserted.size() == 1u);
  BOOST_TEST(c.users_upserted[0].email == "bob@example.com");
  BOOST_TEST((c.users_upserted[0].role == Role::kAdmin));
  BOOST_TEST((t.registry->find_user("BOB@example.com")->id == c.users_upserted[0].id));
  BOOST_TEST((c.users_upserted[0].id != t.alice));
  refused(t.registry->create_user("bob@example.com", Role::kMember, kT0), "coord.user_exists");
  BOOST_TEST(t.registry->users().size() == 2u);
}

BOOST_AUTO_TEST_CASE(malformed_emails_are_refused) {
  Tailnet t;
  for (const char* bad : {"", "alice", "@example.com", "alice@", "a@b@c", "al ice@example.com",
                          "alice@exa\tmple.com"}) {
    refused(t.registry->create_user(bad, Role::kMember, kT0), "coord.invalid_email");
  }
  BOOST_TEST(t.registry->users().size() == 1u);
}

BOOST_AUTO_TEST_CASE(set_role_records_only_a_real_change) {
  Tailnet t;
  BOOST_TEST(ok(t.registry->set_role("alice@example.com", Role::kMember)).empty());
  const RegistryChange c = ok(t.registry->set_role("Alice@example.com", Role::kAuditor));
  BOOST_TEST_REQUIRE(c.users_upserted.size() == 1u);
  BOOST_TEST((c.users_upserted[0].role == Role::kAuditor));
  BOOST_TEST((t.registry->find_user(t.alice)->role == Role::kAuditor));
  refused(t.registry->set_role("nobody@example.com", Role::kAdmin), "coord.unknown_user");
}

BOOST_AUTO_TEST_CASE(a_user_with_devices_cannot_be_removed_and_removal_revokes_its_keys) {
  Tailnet t;
  const Device d = t.join(1);
  const std::string spare = t.key();
  refused(t.registry->remove_user("alice@example.com"), "coord.user_has_devices");
  ok(t.registry->remove(d.id, kT0 + 1h));
  const RegistryChange c = ok(t.registry->remove_user("alice@example.com"));
  BOOST_TEST_REQUIRE(c.users_removed.size() == 1u);
  BOOST_TEST((c.users_removed[0] == t.alice));
  // Both keys were not revoked yet: the spent single-use one and the spare.
  BOOST_TEST_REQUIRE(c.auth_keys_upserted.size() == 2u);
  for (const StoredAuthKey& k : c.auth_keys_upserted) BOOST_TEST(k.revoked);
  BOOST_TEST(t.registry->find_user(t.alice) == nullptr);
  refused(t.reg(t.input(2, spare)), "auth_key.revoked");
  // A later user does not inherit the id the removed device still names.
  const User bob = ok(t.registry->create_user("bob@example.com", Role::kMember, kT0))
                       .users_upserted[0];
  BOOST_TEST((bob.id != t.alice));
}

BOOST_AUTO_TEST_CASE(keys_are_created_only_for_known_users) {
  Tailnet t;
  AuthKeyRequest r;
  r.user = UserId{99};
  refused(t.registry->create_auth_key(r, kT0, t.rng, t.owns()), "coord.unknown_user");
  r.user = t.alice;
  r.tags = {"tag:prod"};
  refused(t.registry->create_auth_key(r, kT0, t.rng, t.owns()), "auth_key.tag_not_owned");
  r.tags = {"tag:server"};
  const AuthKeyCreation k = ok(t.registry->create_auth_key(r, kT0, t.rng, t.owns()));
  BOOST_TEST_REQUIRE(k.change.auth_keys_upserted.size() == 1u);
  BOOST_TEST((k.change.auth_keys_upserted[0].id == k.key.id));
  BOOST_TEST(ok(t.registry->revoke_auth_key(k.key.id)).auth_keys_upserted[0].revoked);
  BOOST_TEST(ok(t.registry->revoke_auth_key(k.key.id)).empty());
  refused(t.registry->revoke_auth_key(AuthKeyId{}), "auth_key.unknown");
}

// ---------------------------------------------------------------- registration

BOOST_AUTO_TEST_CASE(new_machine_with_a_valid_key_becomes_an_authorized_device) {
  Tailnet t;
  RegisterInput in = t.input(1, t.key(), "Alice's Laptop");
  in.advertised_routes = {*util::IpPrefix::parse("192.168.1.0/24")};
  const Registration r = ok(t.reg(in));
  BOOST_TEST(r.is_new());
  const Device& d = r.device;
  BOOST_TEST(d.id.value == 1u);
  BOOST_TEST((d.state == DeviceState::kAuthorized));
  BOOST_TEST(d.hostname == "alice-s-laptop");
  BOOST_TEST(d.requested_hostname == "Alice's Laptop");
  BOOST_TEST((d.user == t.alice));
  BOOST_TEST(!d.tagged());
  BOOST_TEST(!d.ephemeral);
  BOOST_TEST((d.key_expiry == kT0 + kDefaultKeyExpiry));
  BOOST_TEST((d.created == kT0));
  BOOST_TEST((d.advertised_routes == in.advertised_routes));
  BOOST_TEST_REQUIRE(d.addresses.has_value());
  BOOST_TEST((t.registry->address_pool().addresses_of(d.id) == d.addresses));
  // The change holds exactly what a store writes.
  BOOST_TEST_REQUIRE(r.change.devices_upserted.size() == 1u);
  BOOST_TEST_REQUIRE(r.change.auth_keys_upserted.size() == 1u);
  BOOST_TEST(r.change.auth_keys_upserted[0].uses == 1u);
  BOOST_TEST_REQUIRE(r.change.addresses_assigned.size() == 1u);
  BOOST_TEST((r.change.addresses_assigned[0].second == *d.addresses));
  BOOST_TEST(r.change.users_upserted.empty());
  // Lookups by id and by every key.
  BOOST_TEST(t.registry->find(d.id)->hostname == d.hostname);
  BOOST_TEST(t.registry->find_by_machine_key(machine(1))->id.value == d.id.value);
  BOOST_TEST(t.registry->find_by_node_key(node(1))->id.value == d.id.value);
  BOOST_TEST(t.registry->find_by_node_key(node(2)) == nullptr);
}

BOOST_AUTO_TEST_CASE(tagged_key_gives_a_tagged_ephemeral_device_without_expiry) {
  Tailnet t;
  AuthKeyRequest k;
  k.tags = {"tag:server", "tag:ci", "tag:server"};
  k.ephemeral = true;
  const Device d = ok(t.reg(t.input(1, t.key(k)))).device;
  BOOST_TEST((d.tags == std::vector<std::string>{"tag:ci", "tag:server"}));
  BOOST_TEST(d.ephemeral);
  BOOST_TEST(!d.key_expiry.has_value());
  BOOST_TEST((d.user == t.alice));
}

BOOST_AUTO_TEST_CASE(a_tag_no_longer_owned_refuses_registration_and_spends_nothing) {
  Tailnet t;
  AuthKeyRequest k;
  k.tags = {"tag:server"};
  const std::string text = t.key(k);
  t.alice_tags.clear();  // the policy changed since the key was made
  refused(t.reg(t.input(1, text)), "coord.tag_not_owned");
  BOOST_TEST(t.registry->devices().empty());
  BOOST_TEST(t.registry->address_pool().held().empty());
  BOOST_TEST(t.registry->auth_keys().keys().begin()->second.uses == 0u);
}

BOOST_AUTO_TEST_CASE(auth_key_refusals_keep_their_own_codes) {
  Tailnet t;
  refused(t.reg(t.input(1, "")), "coord.auth_required");
  refused(t.reg(t.input(1, "nonsense")), "auth_key.malformed");
  const std::string used = t.key();
  ok(t.reg(t.input(1, used)));
  refused(t.reg(t.input(2, used)), "auth_key.used");
  AuthKeyRequest shortlived;
  shortlived.expiry = 1h;
  refused(t.reg(t.input(3, t.key(shortlived)), kT0 + 2h), "auth_key.expired");
  const AuthKeyCreation revoked =
      ok(t.registry->create_auth_key(request_for(t.alice), kT0, t.rng, t.owns()));
  ok(t.registry->revoke_auth_key(revoked.key.id));
  refused(t.reg(t.input(4, revoked.key.text)), "auth_key.revoked");
  std::string unknown = t.key();
  unknown.back() = unknown.back() == '0' ? '1' : '0';
  refused(t.reg(t.input(5, unknown)), "auth_key.unknown");
  BOOST_TEST(t.registry->devices().size() == 1u);
}

BOOST_AUTO_TEST_CASE(zero_keys_are_refused) {
  Tailnet t;
  RegisterInput in = t.input(1, t.key());
  in.node_key = core::NodePublicKey{};
  refused(t.reg(in), "coord.invalid_key");
  in = t.input(1, t.key());
  in.machine_key = core::MachinePublicKey{};
  refused(t.reg(in), "coord.invalid_key");
}

BOOST_AUTO_TEST_CASE(reconnect_returns_the_same_device_and_spends_no_key) {
  Tailnet t;
  const std::string reusable = t.reusable_key();
  const Device d = ok(t.reg(t.input(1, reusable))).device;
  for (const std::string& text : {std::string(), reusable}) {
    const Registration again = ok(t.reg(t.input(1, text), kT0 + 1min));
    BOOST_TEST((again.outcome == RegisterOutcome::kReconnected));
    BOOST_TEST(again.device.id.value == d.id.value);
    BOOST_TEST((again.device.addresses == d.addresses));
    BOOST_TEST(again.device.hostname == d.hostname);
    BOOST_TEST((again.device.key_expiry == d.key_expiry));
    BOOST_TEST((again.device.last_seen == kT0 + 1min));
    BOOST_TEST(again.change.auth_keys_upserted.empty());
    BOOST_TEST(again.change.addresses_assigned.empty());
  }
  BOOST_TEST(t.registry->auth_keys().keys().begin()->second.uses == 1u);
  // A restarted node brings a new disco key: recorded.
  RegisterInput in = t.input(1, "");
  in.disco_key = disco(77);
  BOOST_TEST((ok(t.reg(in)).device.disco_key == disco(77)));
  BOOST_TEST((t.registry->find(d.id)->disco_key == disco(77)));
}

BOOST_AUTO_TEST_CASE(expired_device_reregisters_with_a_new_node_key_and_keeps_id_and_addresses) {
  Tailnet t;
  const Device d = t.join(1);
  ok(t.registry->expire(d.id, kT0 + 1h));
  refused(t.reg(t.input(1, ""), kT0 + 2h), "coord.key_expired");
  refused(t.reg(t.input(1, t.key()), kT0 + 2h), "coord.node_key_expired");
  RegisterInput in = t.input(1, t.key());
  in.node_key = node(101);
  const Registration r = ok(t.reg(in, kT0 + 2h));
  BOOST_TEST((r.outcome == RegisterOutcome::kReregistered));
  BOOST_TEST(r.device.id.value == d.id.value);
  BOOST_TEST((r.device.addresses == d.addresses));
  BOOST_TEST(r.device.hostname == d.hostname);
  BOOST_TEST((r.device.node_key == node(101)));
  BOOST_TEST((r.device.state == DeviceState::kAuthorized));
  BOOST_TEST((r.device.key_expiry == kT0 + 2h + kDefaultKeyExpiry));
  BOOST_TEST(r.change.addresses_assigned.empty());
  BOOST_TEST(r.change.auth_keys_upserted.size() == 1u);
  BOOST_TEST(t.registry->find_by_node_key(node(1)) == nullptr);
  BOOST_TEST(t.registry->find_by_node_key(node(101))->id.value == d.id.value);
}

BOOST_AUTO_TEST_CASE(authorized_machine_with_a_new_node_key_needs_a_key_or_a_rotation) {
  Tailnet t;
  const Device d = t.join(1);
  RegisterInput in = t.input(1, "");
  in.node_key = node(50);
  refused(t.reg(in), "coord.auth_required");
  in.auth_key = t.key();
  const Registration r = ok(t.reg(in, kT0 + 1h));
  BOOST_TEST((r.outcome == RegisterOutcome::kReregistered));
  BOOST_TEST(r.device.id.value == d.id.value);
  BOOST_TEST((r.device.addresses == d.addresses));
}

BOOST_AUTO_TEST_CASE(removed_machine_is_refused_even_with_a_fresh_valid_key) {
  Tailnet t;
  const Device d = t.join(1);
  ok(t.registry->remove(d.id, kT0 + 1h));
  refused(t.reg(t.input(1, t.key())), "coord.removed");
  RegisterInput in = t.input(1, t.key());
  in.node_key = node(200);
  refused(t.reg(in), "coord.removed");
  // Its node key, presented by another machine, is refused too.
  in = t.input(2, t.key());
  in.node_key = node(1);
  refused(t.reg(in), "coord.removed");
  BOOST_TEST(t.registry->devices().size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_node_key_held_by_another_device_is_refused) {
  Tailnet t;
  t.join(1);
  RegisterInput in = t.input(2, t.key());
  in.node_key = node(1);
  refused(t.reg(in), "coord.node_key_in_use");
}

BOOST_AUTO_TEST_CASE(rotation_replaces_the_node_key_and_keeps_device_addresses_and_expiry) {
  Tailnet t;
  const Device d = t.join(1);
  ok(t.registry->request_rotation(d.id));
  RegisterInput in = t.input(1, "");
  in.node_key = node(11);
  in.old_node_key = node(1);
  const Registration r = ok(t.reg(in, kT0 + 10 * 24h));
  BOOST_TEST((r.outcome == RegisterOutcome::kRotated));
  BOOST_TEST(r.device.id.value == d.id.value);
  BOOST_TEST((r.device.addresses == d.addresses));
  BOOST_TEST((r.device.key_expiry == d.key_expiry));
  BOOST_TEST((r.device.node_key == node(11)));
  BOOST_TEST(r.change.auth_keys_upserted.empty());
  BOOST_TEST(t.registry->find_by_node_key(node(1)) == nullptr);
  // The reply was lost and the node retries: the rotation already happened.
  BOOST_TEST((ok(t.reg(in, kT0 + 10 * 24h)).outcome == RegisterOutcome::kReconnected));
  // A stale or forged old key does not match.
  in.node_key = node(12);
  refused(t.reg(in), "coord.rotation_mismatch");
  // A machine without a device cannot rotate.
  RegisterInput stranger = t.input(9, "");
  stranger.old_node_key = node(8);
  refused(t.reg(stranger), "coord.rotation_mismatch");
}

BOOST_AUTO_TEST_CASE(only_authorized_devices_rotate) {
  RegistryConfig config;
  config.require_approval = true;
  Tailnet t(config);
  const Device d = t.join(1);
  refused(t.registry->request_rotation(d.id), "coord.not_authorized");
  RegisterInput in = t.input(1, "");
  in.node_key = node(11);
  in.old_node_key = node(1);
  refused(t.reg(in), "coord.not_authorized");
  refused(t.registry->request_rotation(DeviceId{42}), "coord.unknown_device");
}

// ---------------------------------------------------------------- approval

BOOST_AUTO_TEST_CASE(require_approval_keeps_new_devices_pending_until_approved) {
  RegistryConfig config;
  config.require_approval = true;
  Tailnet t(config);
  const Device d = t.join(1);
  BOOST_TEST((d.state == DeviceState::kPending));
  BOOST_TEST(!t.registry->next_deadline().has_value());  // pending devices do not expire
  BOOST_TEST((ok(t.reg(t.input(1, ""))).outcome == RegisterOutcome::kReconnected));
  refused(t.registry->expire(d.id, kT0), "coord.not_authorized");
  const RegistryChange c = ok(t.registry->approve(d.id, kT0 + 1h));
  BOOST_TEST_REQUIRE(c.devices_upserted.size() == 1u);
  BOOST_TEST((c.devices_upserted[0].state == DeviceState::kAuthorized));
  BOOST_TEST((t.registry->next_deadline() == d.key_expiry));
  BOOST_TEST(ok(t.registry->approve(d.id, kT0 + 2h)).empty());
  refused(t.registry->approve(DeviceId{42}, kT0), "coord.unknown_device");
}

BOOST_AUTO_TEST_CASE(approval_carries_over_reregistration_by_the_same_user_only) {
  RegistryConfig config;
  config.require_approval = true;
  Tailnet t(config);
  const Device d = t.join(1);
  ok(t.registry->approve(d.id, kT0));
  ok(t.registry->expire(d.id, kT0 + 1h));
  refused(t.registry->approve(d.id, kT0 + 1h), "coord.not_pending");
  RegisterInput in = t.input(1, t.key());
  in.node_key = node(101);
  BOOST_TEST((ok(t.reg(in, kT0 + 2h)).device.state == DeviceState::kAuthorized));

  // Another user's key takes the machine over: the operator approves again.
  const UserId bob =
      ok(t.registry->create_user("bob@example.com", Role::kMember, kT0)).users_upserted[0].id;
  ok(t.registry->expire(d.id, kT0 + 3h));
  AuthKeyRequest bobs;
  bobs.user = bob;
  in = t.input(1, t.key(bobs));
  in.node_key = node(102);
  const Device taken = ok(t.reg(in, kT0 + 4h)).device;
  BOOST_TEST((taken.state == DeviceState::kPending));
  BOOST_TEST((taken.user == bob));
}

BOOST_AUTO_TEST_CASE(approving_a_device_whose_key_lapsed_while_waiting_expires_it) {
  RegistryConfig config;
  config.require_approval = true;
  config.key_expiry = 1h;
  Tailnet t(config);
  const Device d = t.join(1);
  const RegistryChange c = ok(t.registry->approve(d.id, kT0 + 2h));
  BOOST_TEST((c.devices_upserted.at(0).state == DeviceState::kExpired));
}

// ---------------------------------------------------------------- hostnames

BOOST_AUTO_TEST_CASE(hostnames_are_sanitized_and_made_unique) {
  Tailnet t;
  BOOST_TEST(t.join(1, "web").hostname == "web");
  BOOST_TEST(t.join(2, "WEB").hostname == "web-1");
  BOOST_TEST(t.join(3, "web").hostname == "web-2");
  BOOST_TEST(t.join(4, "web-1").hostname == "web-1-1");
  BOOST_TEST(t.join(5, "").hostname == "device");
  BOOST_TEST(t.join(6, "--\xc3\xbc" "n\xc3\xaf" "code--").hostname == "n--code");
  const std::string long_name(80, 'a');
  BOOST_TEST(t.join(7, long_name).hostname == std::string(63, 'a'));
  BOOST_TEST(t.join(8, long_name).hostname == std::string(61, 'a') + "-1");

  // Removal frees a name: the lowest free number is handed out next.
  ok(t.registry->remove(t.registry->find_by_machine_key(machine(2))->id, kT0));
  BOOST_TEST(t.join(9, "web").hostname == "web-1");
  BOOST_TEST(t.join(10, "web").hostname == "web-3");

  // Its own name counts as free: asking for "WEB" instead of "web" keeps "web-1".
  BOOST_TEST(ok(t.reg(t.input(9, "", "WEB"))).device.hostname == "web-1");
  // A device asking for a new name gets a unique one; asking for the same keeps its own.
  RegisterInput in = t.input(1, "", "web");
  BOOST_TEST(ok(t.reg(in)).device.hostname == "web");
  in.hostname = "db";
  BOOST_TEST(ok(t.reg(in)).device.hostname == "db");
  BOOST_TEST(t.join(11, "web").hostname == "web");
}

// ---------------------------------------------------------------- deadlines

BOOST_AUTO_TEST_CASE(user_owned_keys_expire_through_on_deadline) {
  RegistryConfig config;
  config.key_expiry = 24h;
  Tailnet t(config);
  const Device a = t.join(1, "a");
  const Device b = t.join(2, "b", kT0 + 1h);
  BOOST_TEST((t.registry->next_deadline() == kT0 + 24h));
  BOOST_TEST(t.registry->on_deadline(kT0 + 23h).empty());
  const RegistryChange c = t.registry->on_deadline(kT0 + 24h);
  BOOST_TEST_REQUIRE(c.devices_upserted.size() == 1u);
  BOOST_TEST(c.devices_upserted[0].id.value == a.id.value);
  BOOST_TEST((t.registry->find(a.id)->state == DeviceState::kExpired));
  BOOST_TEST((t.registry->find(a.id)->addresses == a.addresses));  // expiry keeps addresses
  BOOST_TEST((t.registry->next_deadline() == kT0 + 25h));
  t.registry->on_deadline(kT0 + 30h);
  BOOST_TEST((t.registry->find(b.id)->state == DeviceState::kExpired));
  BOOST_TEST(!t.registry->next_deadline().has_value());
}

BOOST_AUTO_TEST_CASE(tagged_devices_never_expire_unless_the_operator_says_so) {
  Tailnet t;
  AuthKeyRequest k;
  k.tags = {"tag:server"};
  const Device d = ok(t.reg(t.input(1, t.key(k)))).device;
  BOOST_TEST(!t.registry->next_deadline().has_value());
  BOOST_TEST(t.registry->on_deadline(kT0 + 24h * 365 * 10).empty());
  const RegistryChange c = ok(t.registry->expire(d.id, kT0 + 1h));
  BOOST_TEST((c.devices_upserted.at(0).state == DeviceState::kExpired));
  BOOST_TEST((c.devices_upserted.at(0).key_expiry == kT0 + 1h));
  BOOST_TEST(ok(t.registry->expire(d.id, kT0 + 2h)).empty());
}

BOOST_AUTO_TEST_CASE(ephemeral_device_is_removed_after_its_offline_timeout_not_while_online) {
  RegistryConfig config;
  config.ephemeral_timeout = 30min;
  Tailnet t(config);
  AuthKeyRequest k;
  k.ephemeral = true;
  const Device d = ok(t.reg(t.input(1, t.key(k)))).device;
  // Registered but never online: the clock runs from registration.
  BOOST_TEST((t.registry->next_deadline() == kT0 + 30min));
  ok(t.registry->set_online(d.id, true, kT0 + 1min));
  BOOST_TEST((t.registry->next_deadline() == d.key_expiry));  // only the key's expiry is left
  BOOST_TEST(t.registry->on_deadline(kT0 + 5h).empty());
  BOOST_TEST((t.registry->find(d.id)->state == DeviceState::kAuthorized));

  ok(t.registry->set_online(d.id, false, kT0 + 6h));
  BOOST_TEST((t.registry->next_deadline() == kT0 + 6h + 30min));
  BOOST_TEST(t.registry->on_deadline(kT0 + 6h + 29min).empty());
  const RegistryChange c = t.registry->on_deadline(kT0 + 6h + 30min);
  BOOST_TEST_REQUIRE(c.devices_upserted.size() == 1u);
  BOOST_TEST((c.devices_upserted[0].state == DeviceState::kRemoved));
  BOOST_TEST_REQUIRE(c.addresses_released.size() == 1u);
  BOOST_TEST((c.addresses_released[0].addresses == *d.addresses));
  BOOST_TEST(t.registry->address_pool().held().empty());
  BOOST_TEST(!t.registry->next_deadline().has_value());

  // A non-ephemeral device that goes offline stays.
  const Device keep = t.join(2);
  ok(t.registry->set_online(keep.id, false, kT0));
  BOOST_TEST((t.registry->next_deadline() == keep.key_expiry));
}

BOOST_AUTO_TEST_CASE(expiry_and_clean_up_due_at_once_write_each_device_once) {
  RegistryConfig config;
  config.key_expiry = 1h;
  Tailnet t(config);
  AuthKeyRequest k;
  k.ephemeral = true;
  k.reusable = true;
  const std::string text = t.key(k);
  for (uint32_t n = 1; n <= 3; ++n) ok(t.reg(t.input(n, text)));
  const RegistryChange c = t.registry->on_deadline(kT0 + 2h);
  BOOST_TEST(c.devices_upserted.size() == 3u);
  for (const Device& d : c.devices_upserted) BOOST_TEST((d.state == DeviceState::kRemoved));
  BOOST_TEST(c.addresses_released.size() == 3u);
}

// ---------------------------------------------------------------- operator changes

BOOST_AUTO_TEST_CASE(removal_quarantines_addresses_frees_the_hostname_and_retires_the_id) {
  Tailnet t;
  const Device d = t.join(1, "box");
  const RegistryChange c = ok(t.registry->remove(d.id, kT0 + 1h));
  BOOST_TEST_REQUIRE(c.addresses_released.size() == 1u);
  BOOST_TEST((c.addresses_released[0].until == kT0 + 1h + kDefaultAddressQuarantine));
  BOOST_TEST(c.addresses_released[0].entries().size() == 2u);
  const Device& removed = c.devices_upserted.at(0);
  BOOST_TEST((removed.state == DeviceState::kRemoved));
  BOOST_TEST(!removed.addresses.has_value());
  BOOST_TEST(t.registry->address_pool().quarantined().size() == 2u);
  refused(t.registry->remove(d.id, kT0 + 2h), "coord.removed");
  refused(t.registry->set_online(d.id, true, kT0), "coord.removed");
  const Device next = t.join(2, "box");
  BOOST_TEST(next.hostname == "box");
  BOOST_TEST(next.id.value == d.id.value + 1);
}

BOOST_AUTO_TEST_CASE(operator_tag_changes_switch_expiry_on_and_off) {
  Tailnet t;
  const Device d = t.join(1);
  RegistryChange c = ok(t.registry->set_tags(d.id, {"tag:web", "tag:db", "tag:web"}, kT0 + 1h));
  BOOST_TEST((c.devices_upserted.at(0).tags == std::vector<std::string>{"tag:db", "tag:web"}));
  BOOST_TEST(!c.devices_upserted.at(0).key_expiry.has_value());
  BOOST_TEST(!t.registry->next_deadline().has_value());
  BOOST_TEST(ok(t.registry->set_tags(d.id, {"tag:db", "tag:web"}, kT0 + 2h)).empty());
  c = ok(t.registry->set_tags(d.id, {}, kT0 + 3h));
  BOOST_TEST((c.devices_upserted.at(0).key_expiry == kT0 + 3h + kDefaultKeyExpiry));
  refused(t.registry->set_tags(d.id, {"web"}, kT0), "coord.invalid_tag");
  refused(t.registry->set_tags(DeviceId{42}, {}, kT0), "coord.unknown_device");
}

BOOST_AUTO_TEST_CASE(endpoints_and_policy_version_record_only_real_changes) {
  Tailnet t;
  const Device d = t.join(1);
  const std::vector<core::SocketAddress> eps = {*core::SocketAddress::parse("192.0.2.1:41641")};
  BOOST_TEST(ok(t.registry->set_endpoints(d.id, eps, 3)).devices_upserted.size() == 1u);
  BOOST_TEST(ok(t.registry->set_endpoints(d.id, eps, 3)).empty());
  BOOST_TEST(t.registry->find(d.id)->home_region == 3);
  BOOST_TEST(ok(t.registry->set_policy_version(d.id, 7)).devices_upserted.size() == 1u);
  BOOST_TEST(ok(t.registry->set_policy_version(d.id, 7)).empty());
  BOOST_TEST(t.registry->find(d.id)->policy_version == 7u);
}

// ---------------------------------------------------------------- restore

BOOST_AUTO_TEST_CASE(a_registry_rebuilt_from_its_changes_answers_as_the_original) {
  RegistryConfig config;
  config.key_expiry = 48h;
  Tailnet t(config, 5);
  FakeStore store;
  store.users[t.alice] = *t.registry->find_user(t.alice);
  const User bob = store.apply(t.registry->create_user("bob@example.com", Role::kAdmin, kT0))
                       .users_upserted[0];
  AuthKeyRequest eph = request_for(t.alice);
  eph.ephemeral = true;
  eph.reusable = true;
  AuthKeyRequest tagged = request_for(t.alice);
  tagged.tags = {"tag:server"};
  AuthKeyRequest bobs;
  bobs.user = bob.id;
  bobs.reusable = true;
  const std::string k_eph = store.apply(t.registry->create_auth_key(eph, kT0, t.rng, t.owns())).key.text;
  const std::string k_tag = store.apply(t.registry->create_auth_key(tagged, kT0, t.rng, t.owns())).key.text;
  const std::string k_bob = store.apply(t.registry->create_auth_key(bobs, kT0, t.rng, t.owns())).key.text;

  std::vector<DeviceId> ids;
  for (uint32_t n = 1; n <= 6; ++n) {
    ids.push_back(store.apply(t.reg(t.input(n, n % 2 ? k_bob : k_eph, "host"))).device.id);
  }
  ids.push_back(store.apply(t.reg(t.input(7, k_tag, "srv"))).device.id);
  store.apply(t.registry->set_online(ids[0], true, kT0 + 1min));
  store.apply(t.registry->set_endpoints(ids[0], {*core::SocketAddress::parse("[2001:db8::1]:5")}, 2));
  store.apply(t.registry->remove(ids[2], kT0 + 2min));
  store.apply(t.registry->expire(ids[4], kT0 + 3min));
  store.apply(t.registry->set_tags(ids[3], {"tag:db"}, kT0 + 4min));
  store.apply(t.registry->set_role("bob@example.com", Role::kAuditor));
  store.apply(t.registry->revoke_auth_key(t.registry->auth_keys().keys().begin()->first));
  store.apply(t.registry->create_user("carol@example.com", Role::kMember, kT0));
  store.apply(t.registry->remove_user("carol@example.com"));
  // Ephemeral clean-up of the three offline ephemeral devices.
  const RegistryChange cleanup = t.registry->on_deadline(kT0 + 1h);
  BOOST_TEST(cleanup.addresses_released.size() == 3u);
  store.apply(cleanup);

  const std::unique_ptr<Registry> copy = store.rebuild(config);
  const Registry& a = *t.registry;
  const Registry& b = *copy;
  BOOST_TEST_REQUIRE(a.devices().size() == b.devices().size());
  for (const auto& [id, d] : a.devices()) check_same_device(d, *b.find(id));
  BOOST_TEST_REQUIRE(a.users().size() == b.users().size());
  for (const auto& [id, u] : a.users()) {
    BOOST_TEST(b.find_user(id)->email == u.email);
    BOOST_TEST((b.find_user(id)->role == u.role));
  }
  BOOST_TEST((a.address_pool().held() == b.address_pool().held()));
  BOOST_TEST(a.auth_keys().keys().size() == b.auth_keys().keys().size());
  BOOST_TEST((a.next_deadline() == b.next_deadline()));

  // The same calls with the same random bytes give the same answers.
  core::SeededRandom ra(99);
  core::SeededRandom rb(99);
  for (uint32_t n = 20; n < 25; ++n) {
    RegisterInput in = t.input(n, k_bob, "host");
    auto x = t.registry->register_device(in, kT0 + 2h, ra, t.owns());
    auto y = copy->register_device(in, kT0 + 2h, rb, t.owns());
    check_same_device(ok(x).device, ok(y).device);
  }
  for (uint32_t n : {3u, 5u}) {  // removed and expired devices are refused alike
    auto x = t.registry->register_device(t.input(n, ""), kT0 + 2h, ra, t.owns());
    auto y = copy->register_device(t.input(n, ""), kT0 + 2h, rb, t.owns());
    BOOST_TEST_REQUIRE((!x.ok() && !y.ok()));
    BOOST_TEST(x.error().code == y.error().code);
  }
  BOOST_TEST((t.registry->on_deadline(kT0 + 100h).devices_upserted.size() ==
              copy->on_deadline(kT0 + 100h).devices_upserted.size()));
}

BOOST_AUTO_TEST_CASE(restore_refuses_inconsistent_state) {
  Tailnet t;
  const Device d = t.join(1);
  const User alice = *t.registry->find_user(t.alice);
  const std::map<DeviceId, DeviceAddresses> held = t.registry->address_pool().held();
  auto attempt = [&](std::vector<User> users, std::vector<Device> devices,
                     std::map<DeviceId, DeviceAddresses> h) {
    auto r = Registry::create(RegistryConfig{}, hashing_secret());
    return (*r)->restore(users, devices, {}, h, {});
  };
  BOOST_TEST(attempt({alice}, {d}, held).ok());
  refused(attempt({alice, alice}, {d}, held), "coord.restore_invalid");
  refused(attempt({}, {d}, held), "coord.restore_invalid");  // owner unknown
  refused(attempt({alice}, {d}, {}), "coord.restore_invalid");  // addresses missing
  Device twin = d;
  twin.id = DeviceId{2};
  twin.node_key = node(2);
  twin.hostname = "other";
  refused(attempt({alice}, {d, twin}, held), "coord.restore_invalid");  // same machine key
  Device removed = d;
  removed.state = DeviceState::kRemoved;
  refused(attempt({alice}, {removed}, held), "coord.restore_invalid");  // removed but holding
  User shouting = alice;
  shouting.email = "Alice@example.com";
  refused(attempt({shouting}, {d}, held), "coord.restore_invalid");

  auto r = Registry::create(RegistryConfig{}, hashing_secret());
  BOOST_TEST((*r)->restore({alice}, {d}, {}, held, {}).ok());
  refused((*r)->restore({alice}, {d}, {}, held, {}), "coord.restore_twice");
}

BOOST_AUTO_TEST_CASE(device_ids_continue_after_the_highest_restored_one) {
  Tailnet t;
  FakeStore store;
  store.users[t.alice] = *t.registry->find_user(t.alice);
  std::vector<DeviceId> ids;
  for (uint32_t n = 1; n <= 3; ++n) {
    RegisterInput in = t.input(n, store.apply(t.registry->create_auth_key(
                                                  request_for(t.alice), kT0, t.rng, t.owns()))
                                      .key.text);
    ids.push_back(store.apply(t.reg(in)).device.id);
  }
  store.apply(t.registry->remove(ids[2], kT0));  // the highest id is removed, not reused
  const std::unique_ptr<Registry> copy = store.rebuild();
  AuthKeyRequest r;
  r.user = t.alice;
  const AuthKeyCreation k = ok(copy->create_auth_key(r, kT0, t.rng, t.owns()));
  RegisterInput in = t.input(4, k.key.text);
  BOOST_TEST(ok(copy->register_device(in, kT0, t.rng, t.owns())).device.id.value == 4u);
}

BOOST_AUTO_TEST_CASE(ten_thousand_devices_expire_through_the_ordered_index) {
  RegistryConfig config;
  config.key_expiry = 24h;
  Tailnet t(config);
  AuthKeyRequest k;
  k.reusable = true;
  const std::string text = t.key(k);
  for (uint32_t n = 1; n <= 10000; ++n) {
    ok(t.reg(t.input(n, text, "node"), kT0 + std::chrono::seconds(n)));
  }
  BOOST_TEST((t.registry->next_deadline() == kT0 + 24h + 1s));
  // Each call touches only what is due.
  BOOST_TEST(t.registry->on_deadline(kT0 + 24h + 100s).devices_upserted.size() == 100u);
  BOOST_TEST((t.registry->next_deadline() == kT0 + 24h + 101s));
  BOOST_TEST(t.registry->on_deadline(kT0 + 48h).devices_upserted.size() == 9900u);
  BOOST_TEST(!t.registry->next_deadline().has_value());
}

BOOST_AUTO_TEST_SUITE_END()
