// Tailnet address allocation: offsets inside each pool's host range, reserved intervals, a taken
// set shared by held and quarantined addresses, random picks from the injected Random.
#include "coord/address_pool.h"

#include <algorithm>
#include <cassert>
#include <limits>
#include <string>

namespace weft::coord {
namespace {

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

// Hosts are numbered inside the low 64 bits at most, so an offset always fits a uint64_t.
int host_bits(const util::IpPrefix& p) {
  return std::min(p.address().bit_length() - p.bits(), 64);
}

uint64_t low_bits(const util::IpAddress& a) {
  const int n = a.is_v4() ? 4 : 8;
  const int start = a.is_v4() ? 0 : 8;
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | a.bytes()[start + i];
  return v;
}

const char* family_name(util::IpFamily f) { return f == util::IpFamily::kV4 ? "IPv4" : "IPv6"; }

}  // namespace

AddressPoolConfig AddressPoolConfig::defaults() {
  AddressPoolConfig c;
  c.v4 = *util::IpPrefix::parse("100.64.0.0/10");
  c.v6 = *util::IpPrefix::parse("fd7a:115c:a1e0::/48");
  c.reserved = {*util::IpPrefix::parse("100.100.0.0/24"),
                *util::IpPrefix::parse("100.100.100.0/24"),
                *util::IpPrefix::parse("100.115.92.0/23"),
                *util::IpPrefix::parse("fd7a:115c:a1e0::53/128")};
  return c;
}

bool AddressPool::Range::in_range(const util::IpAddress& a) const {
  if (a.family() != prefix.address().family() || !prefix.contains(a)) return false;
  // IPv6 pools wider than 64 host bits use only the window of offsets 0..last.
  return address_at(offset_of(a)) == a;
}

uint64_t AddressPool::Range::offset_of(const util::IpAddress& a) const { return low_bits(a) & last; }

util::IpAddress AddressPool::Range::address_at(uint64_t offset) const {
  assert(offset <= last);
  std::array<uint8_t, 16> b = prefix.address().bytes();
  const int end = prefix.address().is_v4() ? 4 : 16;
  for (int i = 0; i < 8 && offset != 0; ++i, offset >>= 8) b[end - 1 - i] |= uint8_t(offset);
  if (prefix.address().is_v4()) return util::IpAddress::v4({b[0], b[1], b[2], b[3]});
  return util::IpAddress::v6(b);
}

bool AddressPool::Range::is_reserved(uint64_t offset) const {
  for (const auto& [lo, hi] : reserved)
    if (offset >= lo && offset <= hi) return true;
  return false;
}

uint64_t AddressPool::Range::free_count() const {
  // reserved_count >= 2 (both ends), so the count of usable offsets cannot overflow.
  const uint64_t usable = last - reserved_count + 1;
  return usable - taken.size();
}

std::optional<uint64_t> AddressPool::Range::pick(core::Random& rng) const {
  if (free_count() == 0) return std::nullopt;
  uint8_t raw[8];
  rng.fill(raw, sizeof raw);
  uint64_t r = 0;
  for (uint8_t byte : raw) r = (r << 8) | byte;
  // The modulo bias is below 2^-40 for the largest IPv4 pool; no address is favoured usefully.
  if (last != kMax) r %= last + 1;
  // From the random start, walk forward (wrapping) past reserved and taken offsets; there is a
  // free one, so the walk ends.
  for (;;) {
    bool moved = false;
    for (const auto& [lo, hi] : reserved) {
      if (r >= lo && r <= hi) {
        r = hi == last ? 0 : hi + 1;
        moved = true;
      }
    }
    if (!moved && taken.count(r) != 0) {
      r = r == last ? 0 : r + 1;
      moved = true;
    }
    if (!moved) return r;
  }
}

Result<AddressPool::Range> AddressPool::make_range(const util::IpPrefix& prefix,
                                                   const std::vector<util::IpPrefix>& reserved) {
  Range range;
  range.prefix = prefix;
  const int hb = host_bits(prefix);
  range.last = hb == 64 ? kMax : (uint64_t{1} << hb) - 1;

  std::vector<std::pair<uint64_t, uint64_t>> spans = {{0, 0}, {range.last, range.last}};
  for (const util::IpPrefix& r : reserved) {
    if (r.address().family() != prefix.address().family() || !r.overlaps(prefix)) continue;
    const int rb = r.address().bit_length() - r.bits();
    if (r.contains(prefix) || (rb >= 64 && r.contains(range.address_at(0)))) {
      // An aligned block of 2^64 or more that touches the 64-bit window covers all of it.
      spans.emplace_back(0, range.last);
      continue;
    }
    if (rb >= 64 || !range.in_range(r.address())) continue;  // outside the window of a wide pool
    const uint64_t lo = range.offset_of(r.address());
    spans.emplace_back(lo, std::min(range.last, lo + ((uint64_t{1} << rb) - 1)));
  }
  std::sort(spans.begin(), spans.end());
  for (const auto& s : spans) {
    auto& back = range.reserved;
    if (!back.empty() && (s.first <= back.back().second ||
                          (back.back().second != kMax && s.first == back.back().second + 1))) {
      back.back().second = std::max(back.back().second, s.second);
    } else {
      back.push_back(s);
    }
  }
  uint64_t count = 0;
  for (const auto& [lo, hi] : range.reserved) {
    const uint64_t n = hi - lo;  // one less than the size, so no overflow here
    count = (n == kMax || count > kMax - n - 1) ? kMax : count + n + 1;
  }
  range.reserved_count = count;
  if (count == kMax || count > range.last) {
    return make_error("coord.pool_config",
                      prefix.to_string() + ": every address in the pool is reserved");
  }
  return range;
}

Result<std::unique_ptr<AddressPool>> AddressPool::create(const AddressPoolConfig& config) {
  if (!config.v4.address().is_v4() || config.v4.bits() < 8 || config.v4.bits() > 30) {
    return make_error("coord.pool_config",
                      "the IPv4 pool must be an IPv4 prefix of length 8..30, not " +
                          config.v4.to_string());
  }
  if (config.v6.address().is_v4() || config.v6.bits() < 8 || config.v6.bits() > 126) {
    return make_error("coord.pool_config",
                      "the IPv6 pool must be an IPv6 prefix of length 8..126, not " +
                          config.v6.to_string());
  }
  auto v4 = make_range(config.v4, config.reserved);
  if (!v4) return v4.error();
  auto v6 = make_range(config.v6, config.reserved);
  if (!v6) return v6.error();
  std::unique_ptr<AddressPool> pool(new AddressPool(config));
  pool->v4_ = std::move(*v4);
  pool->v6_ = std::move(*v6);
  return pool;
}

void AddressPool::lift_quarantines(core::WallTime now) {
  for (auto it = quarantine_.begin(); it != quarantine_.end();) {
    if (it->second <= now) {
      Range& r = range_for(it->first);
      r.taken.erase(r.offset_of(it->first));
      it = quarantine_.erase(it);
    } else {
      ++it;
    }
  }
}

Result<DeviceAddresses> AddressPool::assign(DeviceId device, core::WallTime now,
                                            core::Random& rng) {
  if (auto it = held_.find(device); it != held_.end()) return it->second;
  lift_quarantines(now);
  const std::optional<uint64_t> o4 = v4_.pick(rng);
  const std::optional<uint64_t> o6 = o4 ? v6_.pick(rng) : std::nullopt;
  if (!o4 || !o6) {
    const Range& full = o4 ? v6_ : v4_;
    std::size_t in_quarantine = 0;
    for (const auto& q : quarantine_) in_quarantine += &range_for(q.first) == &full ? 1 : 0;
    return make_error("coord.pool_exhausted",
                      std::string("no free ") + family_name(full.prefix.address().family()) +
                          " address left in " + full.prefix.to_string() + " (" +
                          std::to_string(in_quarantine) + " in quarantine after removals)");
  }
  const DeviceAddresses out{v4_.address_at(*o4), v6_.address_at(*o6)};
  v4_.taken.insert(*o4);
  v6_.taken.insert(*o6);
  held_[device] = out;
  holder_[out.v4] = device;
  holder_[out.v6] = device;
  return out;
}

Status AddressPool::release(DeviceId device, core::WallTime now) {
  auto it = held_.find(device);
  if (it == held_.end()) {
    return make_error("coord.unknown_device",
                      "device " + std::to_string(device.value) + " holds no addresses");
  }
  const auto until = now + std::chrono::duration_cast<core::WallTime::duration>(config_.quarantine);
  for (const util::IpAddress& a : {it->second.v4, it->second.v6}) {
    holder_.erase(a);
    if (config_.quarantine > core::Duration::zero()) {
      quarantine_[a] = until;
    } else {
      Range& r = range_for(a);
      r.taken.erase(r.offset_of(a));
    }
  }
  held_.erase(it);
  return Ok{};
}

Status AddressPool::check_free(const util::IpAddress& a) const {
  const Range& r = range_for(a);
  if (!r.in_range(a)) {
    return make_error("coord.address_outside_pool",
                      a.to_string() + " is outside the pool " + r.prefix.to_string());
  }
  if (r.is_reserved(r.offset_of(a))) {
    return make_error("coord.address_reserved", a.to_string() + " is reserved");
  }
  if (r.taken.count(r.offset_of(a)) != 0) {
    return make_error("coord.address_taken",
                      a.to_string() + " is held by another device or in quarantine");
  }
  return Ok{};
}

Status AddressPool::restore(DeviceId device, const DeviceAddresses& addresses) {
  if (auto it = held_.find(device); it != held_.end()) {
    if (it->second == addresses) return Ok{};
    return make_error("coord.device_conflict", "device " + std::to_string(device.value) +
                                                   " already holds other addresses");
  }
  if (!addresses.v4.is_v4() || addresses.v6.is_v4()) {
    return make_error("coord.address_outside_pool",
                      "a device holds one IPv4 and one IPv6 address, in that order");
  }
  if (Status s = check_free(addresses.v4); !s) return s;
  if (Status s = check_free(addresses.v6); !s) return s;
  v4_.taken.insert(v4_.offset_of(addresses.v4));
  v6_.taken.insert(v6_.offset_of(addresses.v6));
  held_[device] = addresses;
  holder_[addresses.v4] = device;
  holder_[addresses.v6] = device;
  return Ok{};
}

Status AddressPool::restore_quarantined(const QuarantinedAddress& entry) {
  if (Status s = check_free(entry.address); !s) return s;
  Range& r = range_for(entry.address);
  r.taken.insert(r.offset_of(entry.address));
  quarantine_[entry.address] = entry.until;
  return Ok{};
}

std::optional<DeviceAddresses> AddressPool::addresses_of(DeviceId device) const {
  auto it = held_.find(device);
  if (it == held_.end()) return std::nullopt;
  return it->second;
}

std::optional<DeviceId> AddressPool::holder_of(const util::IpAddress& address) const {
  auto it = holder_.find(address);
  if (it == holder_.end()) return std::nullopt;
  return it->second;
}

std::vector<QuarantinedAddress> AddressPool::quarantined() const {
  std::vector<QuarantinedAddress> out;
  out.reserve(quarantine_.size());
  for (const auto& [a, until] : quarantine_) out.push_back({a, until});
  return out;
}

uint64_t AddressPool::free_count(util::IpFamily family) const {
  return family == util::IpFamily::kV4 ? v4_.free_count() : v6_.free_count();
}

}  // namespace weft::coord
