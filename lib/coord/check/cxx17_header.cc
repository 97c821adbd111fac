// Build-time guard: the coordinator headers must compile as C++17, because ns-3 units will drive
// the coordinator. Compiled with CXX_STANDARD 17.
#include "coord/address_pool.h"
#include "coord/auth_key.h"
#include "coord/device.h"
#include "coord/ids.h"
#include "coord/names.h"
#include "coord/registry.h"
#include "coord/visibility.h"

namespace weft::coord {

// Touch the API so a C++20-only construct in an inline function or default argument shows up.
[[maybe_unused]] static bool cxx17_probe(AddressPool& pool, AuthKeys& keys, core::Random& rng) {
  auto a = pool.assign(DeviceId{1}, core::WallTime{}, rng);
  AuthKeyRequest request;
  auto k = keys.create(request, core::WallTime{}, rng, [](UserId, std::string_view) { return true; });
  AuthKeyCheck c = keys.check(k ? k->text : std::string(), core::WallTime{});
  return a.ok() && c.ok() && AddressPoolConfig::defaults().v4.bits() == 10 &&
         kAuthKeyTextSize == 89;
}

[[maybe_unused]] static bool cxx17_registry_probe(Registry& registry, core::Random& rng) {
  RegisterInput input;
  input.hostname = sanitize_hostname("Probe");
  auto r = registry.register_device(input, core::WallTime{}, rng, TagOwnerCheck{});
  RegistryChange change = registry.on_deadline(core::WallTime{});
  return r.ok() && r->is_new() && change.empty() && !registry.next_deadline() &&
         registry.find_user(UserId{1}) == nullptr && parse_role(role_name(Role::kAdmin)) &&
         state_name(DeviceState::kPending) != nullptr && is_valid_tag("tag:a") &&
         normalize_email("a@b").has_value() && RegistryConfig{}.require_approval == false;
}

[[maybe_unused]] static bool cxx17_visibility_probe() {
  auto v = Visibility::create(kDefaultPolicyText);
  if (!v) return false;
  NodeIdentity id;
  id.user = "a@b";
  VisibilityChange c = (*v)->upsert(DeviceId{1}, id);
  auto p = (*v)->set_policy("");
  return !c.empty() && p.ok() && (*v)->peers_of(DeviceId{1}).empty() &&
         (*v)->inbound_filter(DeviceId{1}).empty() && (*v)->remove(DeviceId{1}).empty() && (*v)->size() == 0;
}

}  // namespace weft::coord
