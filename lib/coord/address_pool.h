// Tailnet address allocation for the coordinator: one IPv4 address from 100.64.0.0/10 and one
// IPv6 address from fd7a:115c:a1e0::/48 per device, never two devices on one address. Sans-IO,
// C++17-clean; the decisions are recorded in docs/control-plane.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "coord/ids.h"
#include "core/random.h"
#include "core/time.h"
#include "util/ip_prefix.h"
#include "util/result.h"

namespace weft::coord {

/// The two addresses a device holds for as long as it exists (authorized, pending or expired).
struct DeviceAddresses {
  util::IpAddress v4;
  util::IpAddress v6;
  friend bool operator==(const DeviceAddresses& a, const DeviceAddresses& b) {
    return a.v4 == b.v4 && a.v6 == b.v6;
  }
  friend bool operator!=(const DeviceAddresses& a, const DeviceAddresses& b) { return !(a == b); }
};

/// An address of a removed device, held back from allocation until `until` (wall time, so a
/// quarantine survives a restart of the server).
struct QuarantinedAddress {
  util::IpAddress address;
  core::WallTime until;
};

/// How long a removed device's addresses stay out of the pool by default. Peers, DNS caches,
/// firewall rules and logs outside weft may still name the old device for a while; a new device
/// must not inherit that.
inline constexpr std::chrono::hours kDefaultAddressQuarantine{24 * 90};

struct AddressPoolConfig {
  /// IPv4 pool: must be an IPv4 prefix of length 8..30.
  util::IpPrefix v4;
  /// IPv6 pool: must be an IPv6 prefix of length 8..126. Hosts are drawn from its low 64 bits
  /// at most (fd7a:115c:a1e0::/48 gives fd7a:115c:a1e0::<64-bit interface id>).
  util::IpPrefix v6;
  /// Never allocated. Entries outside both pools are ignored.
  std::vector<util::IpPrefix> reserved;
  core::Duration quarantine = kDefaultAddressQuarantine;

  /// 100.64.0.0/10 and fd7a:115c:a1e0::/48, reserving 100.100.0.0/24 (Tailscale internal use,
  /// kb/1610), 100.100.100.0/24 (the quad-100 service
  /// address 100.100.100.100 and room for more service addresses beside it), 100.115.92.0/23
  /// (ChromeOS VMs use it, Tailscale avoids it too) and fd7a:115c:a1e0::53 (the IPv6 service
  /// address), with the default quarantine.
  static AddressPoolConfig defaults();
};

/// Hands out device addresses. Every answer is a function of the recorded state (held and
/// quarantined addresses, which the store persists and `restore*` reloads), `now` and the bytes
/// of the injected Random: a server that reloads its state answers as before. Also never
/// reserved: the first and last address of each pool's host range (network and broadcast for
/// IPv4; the subnet-router anycast address and its mirror for IPv6).
///
/// Calling contract: `restore` / `restore_quarantined` everything the store holds before the
/// first `assign`; record every successful `assign` and `release` in the store before replying.
class AddressPool {
 public:
  /// Errors: "coord.pool_config" when a prefix has the wrong family or a length outside the
  /// documented range, or when reserved entries leave a pool empty.
  static Result<std::unique_ptr<AddressPool>> create(const AddressPoolConfig& config);

  AddressPool(const AddressPool&) = delete;
  AddressPool& operator=(const AddressPool&) = delete;

  /// The device's addresses. A device that already holds addresses (an expired device that
  /// re-registers, a retried registration) gets the same ones back; otherwise one free address
  /// of each family is drawn at random and recorded. Quarantines that ended by `now` are lifted
  /// first.
  /// Errors: "coord.pool_exhausted" (the detail names the family and how many addresses are in
  /// quarantine) when a family has no free address left; nothing is recorded then.
  Result<DeviceAddresses> assign(DeviceId device, core::WallTime now, core::Random& rng);

  /// The device is removed: its addresses go into quarantine until now + config.quarantine.
  /// Errors: "coord.unknown_device" when the device holds no addresses.
  Status release(DeviceId device, core::WallTime now);

  /// Reloads a recorded assignment. Errors: "coord.address_outside_pool" (wrong family or
  /// outside its pool), "coord.address_reserved", "coord.address_taken" (held by another device
  /// or in quarantine), "coord.device_conflict" (the device holds other addresses). Restoring an
  /// identical assignment again is accepted.
  Status restore(DeviceId device, const DeviceAddresses& addresses);
  /// Reloads a recorded quarantine. Errors as `restore`.
  Status restore_quarantined(const QuarantinedAddress& entry);

  std::optional<DeviceAddresses> addresses_of(DeviceId device) const;
  /// The device holding `address`, if any (quarantined addresses have no holder).
  std::optional<DeviceId> holder_of(const util::IpAddress& address) const;

  /// The state to persist (and to compare in tests), in a stable order.
  const std::map<DeviceId, DeviceAddresses>& held() const { return held_; }
  std::vector<QuarantinedAddress> quarantined() const;

  /// Addresses of one family that could still be assigned (excluding reserved, held and
  /// quarantined ones); saturates at UINT64_MAX.
  uint64_t free_count(util::IpFamily family) const;

 private:
  // One family's pool: host offsets 0..last_ inside prefix_, reserved offsets as merged closed
  // intervals, taken offsets (held or quarantined) as a set.
  struct Range {
    util::IpPrefix prefix;
    uint64_t last = 0;
    std::vector<std::pair<uint64_t, uint64_t>> reserved;
    uint64_t reserved_count = 0;
    std::set<uint64_t> taken;

    bool in_range(const util::IpAddress& a) const;
    uint64_t offset_of(const util::IpAddress& a) const;
    util::IpAddress address_at(uint64_t offset) const;
    bool is_reserved(uint64_t offset) const;
    uint64_t free_count() const;
    std::optional<uint64_t> pick(core::Random& rng) const;
  };

  explicit AddressPool(const AddressPoolConfig& config) : config_(config) {}
  static Result<Range> make_range(const util::IpPrefix& prefix,
                                  const std::vector<util::IpPrefix>& reserved);
  Range& range_for(const util::IpAddress& a) { return a.is_v4() ? v4_ : v6_; }
  const Range& range_for(const util::IpAddress& a) const { return a.is_v4() ? v4_ : v6_; }
  Status check_free(const util::IpAddress& a) const;
  void lift_quarantines(core::WallTime now);

  AddressPoolConfig config_;
  Range v4_;
  Range v6_;
  std::map<DeviceId, DeviceAddresses> held_;
  std::map<util::IpAddress, DeviceId> holder_;
  std::map<util::IpAddress, core::WallTime> quarantine_;
};

}  // namespace weft::coord
