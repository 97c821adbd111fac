// Address allocation: inside the pools, never two devices on one address, stable across a
// reload, kept across expiry, quarantined after removal, reserved addresses skipped, exhaustion.
#define BOOST_TEST_MODULE coord_address_pool
#include <boost/test/unit_test.hpp>

#include <iterator>
#include <set>
#include <string>

#include "coord/address_pool.h"

using namespace weft;
using namespace weft::coord;
using namespace std::chrono_literals;

namespace {

util::IpPrefix prefix(const char* text) { return *util::IpPrefix::parse(text); }
util::IpAddress ip(const char* text) { return *util::IpAddress::parse(text); }

const core::WallTime kT0 = core::WallTime{} + std::chrono::hours(24 * 365 * 50);

std::unique_ptr<AddressPool> make(const AddressPoolConfig& config) {
  auto pool = AddressPool::create(config);
  BOOST_TEST_REQUIRE(pool.ok(), (pool.ok() ? "" : pool.error().detail));
  return std::move(*pool);
}

AddressPoolConfig tiny(const char* v4, const char* v6) {
  AddressPoolConfig c;
  c.v4 = prefix(v4);
  c.v6 = prefix(v6);
  c.quarantine = 24h;
  return c;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(address_pool)

BOOST_AUTO_TEST_CASE(assigns_from_the_default_pools) {
  auto pool = make(AddressPoolConfig::defaults());
  core::SeededRandom rng(1);
  const auto v4 = prefix("100.64.0.0/10");
  const auto v6 = prefix("fd7a:115c:a1e0::/48");
  for (uint64_t d = 1; d <= 200; ++d) {
    auto a = pool->assign(DeviceId{d}, kT0, rng);
    BOOST_TEST_REQUIRE(a.ok());
    BOOST_TEST(v4.contains(a->v4));
    BOOST_TEST(v6.contains(a->v6));
    // IPv6 hosts live in the low 64 bits: fd7a:115c:a1e0:0000::/64.
    BOOST_TEST(prefix("fd7a:115c:a1e0::/64").contains(a->v6));
    BOOST_TEST(!prefix("100.100.100.0/24").contains(a->v4));
    BOOST_TEST(!prefix("100.115.92.0/23").contains(a->v4));
  }
  BOOST_TEST(pool->held().size() == 200u);
}

BOOST_AUTO_TEST_CASE(a_device_keeps_its_addresses_when_it_registers_again) {
  // An expired device re-registers: same device id, same addresses, nothing new drawn.
  auto pool = make(AddressPoolConfig::defaults());
  core::SeededRandom rng(2);
  auto first = pool->assign(DeviceId{7}, kT0, rng);
  BOOST_TEST_REQUIRE(first.ok());
  const uint64_t free_before = pool->free_count(util::IpFamily::kV4);
  auto again = pool->assign(DeviceId{7}, kT0 + std::chrono::hours(24 * 400), rng);
  BOOST_TEST_REQUIRE(again.ok());
  BOOST_TEST((*again == *first));
  BOOST_TEST(pool->free_count(util::IpFamily::kV4) == free_before);
  BOOST_TEST((pool->holder_of(first->v4) == DeviceId{7}));
  BOOST_TEST((pool->holder_of(first->v6) == DeviceId{7}));
}

BOOST_AUTO_TEST_CASE(picks_are_random_and_reproducible_from_the_injected_random) {
  auto a = make(AddressPoolConfig::defaults());
  auto b = make(AddressPoolConfig::defaults());
  auto c = make(AddressPoolConfig::defaults());
  core::SeededRandom ra(42), rb(42), rc(43);
  std::set<util::IpAddress> v4s;
  for (uint64_t d = 1; d <= 50; ++d) {
    auto x = a->assign(DeviceId{d}, kT0, ra);
    auto y = b->assign(DeviceId{d}, kT0, rb);
    BOOST_TEST_REQUIRE((x.ok() && y.ok()));
    BOOST_TEST((*x == *y));
    v4s.insert(x->v4);
  }
  auto z = c->assign(DeviceId{1}, kT0, rc);
  BOOST_TEST((z->v4 != a->addresses_of(DeviceId{1})->v4));
  // Not sequential: 50 picks spread over more than one /16 of the /10.
  std::set<uint32_t> sixteens;
  for (const auto& v : v4s) sixteens.insert(v.v4_u32() >> 16);
  BOOST_TEST(sixteens.size() > 10u);
}

BOOST_AUTO_TEST_CASE(never_hands_one_address_to_two_devices) {
  // A tiny pool (6 usable IPv4, 6 usable IPv6) under a random run of assigns and removals, with
  // quarantine lifts as time passes: every address has at most one holder, and no held address
  // is quarantined.
  AddressPoolConfig config = tiny("10.9.0.0/29", "fd00::/125");
  config.quarantine = 10s;
  auto pool = make(config);
  core::SeededRandom rng(7);
  core::WallTime now = kT0;
  uint64_t next_device = 1;
  std::set<uint64_t> live;
  int exhausted = 0;
  for (int step = 0; step < 2000; ++step) {
    now += std::chrono::seconds(rng.next() % 4);
    if (live.empty() || rng.next() % 3 != 0) {
      const DeviceId d{next_device++};
      auto a = pool->assign(d, now, rng);
      if (a.ok()) {
        live.insert(d.value);
      } else {
        BOOST_TEST(a.error().code == "coord.pool_exhausted");
        BOOST_TEST(!pool->addresses_of(d).has_value());
        ++exhausted;
      }
    } else {
      auto it = live.begin();
      std::advance(it, rng.next() % live.size());
      BOOST_TEST(pool->release(DeviceId{*it}, now).ok());
      live.erase(it);
    }
    std::set<util::IpAddress> seen;
    for (const auto& [d, a] : pool->held()) {
      BOOST_TEST(seen.insert(a.v4).second);
      BOOST_TEST(seen.insert(a.v6).second);
      BOOST_TEST((pool->holder_of(a.v4) == d));
    }
    for (const auto& q : pool->quarantined()) BOOST_TEST(seen.count(q.address) == 0u);
    BOOST_TEST_REQUIRE(pool->held().size() == live.size());
  }
  BOOST_TEST(exhausted > 0);  // the run did press against the limit
}

BOOST_AUTO_TEST_CASE(skips_the_ends_of_the_range_and_reserved_prefixes) {
  // 10.0.0.0/29: .0 and .7 are the ends, .4/31 is reserved: .1 .2 .3 .6 remain.
  AddressPoolConfig config = tiny("10.0.0.0/29", "fd00::/64");
  config.reserved = {prefix("10.0.0.4/31"), prefix("192.0.2.0/24")};
  auto pool = make(config);
  BOOST_TEST(pool->free_count(util::IpFamily::kV4) == 4u);
  core::SeededRandom rng(3);
  std::set<std::string> got;
  for (uint64_t d = 1; d <= 4; ++d) {
    auto a = pool->assign(DeviceId{d}, kT0, rng);
    BOOST_TEST_REQUIRE(a.ok());
    got.insert(a->v4.to_string());
    BOOST_TEST((a->v6 != ip("fd00::")));
    BOOST_TEST((a->v6 != ip("fd00::ffff:ffff:ffff:ffff")));
  }
  BOOST_TEST((got == std::set<std::string>{"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.6"}));
}

BOOST_AUTO_TEST_CASE(the_default_pool_reserves_the_service_addresses) {
  auto pool = make(AddressPoolConfig::defaults());
  for (const char* reserved : {"100.100.100.100", "100.100.100.1", "100.115.92.7", "100.100.0.9",
                               "100.64.0.0",
                               "100.127.255.255"}) {
    auto s = pool->restore(DeviceId{1}, {ip(reserved), ip("fd7a:115c:a1e0::1")});
    BOOST_TEST(s.error().code == "coord.address_reserved", reserved);
  }
  for (const char* reserved : {"fd7a:115c:a1e0::53", "fd7a:115c:a1e0::"}) {
    auto s = pool->restore(DeviceId{1}, {ip("100.64.0.1"), ip(reserved)});
    BOOST_TEST(s.error().code == "coord.address_reserved", reserved);
  }
  // 2^22 - 2 ends - 256 (internal /24) - 256 (quad-100 /24) - 512 (ChromeOS /23).
  BOOST_TEST(pool->free_count(util::IpFamily::kV4) == (uint64_t{1} << 22) - 2 - 256 - 256 - 512);
}

BOOST_AUTO_TEST_CASE(fails_clearly_when_a_pool_is_exhausted) {
  auto pool = make(tiny("10.0.0.0/30", "fd00::/64"));  // two usable IPv4 addresses
  core::SeededRandom rng(4);
  BOOST_TEST(pool->assign(DeviceId{1}, kT0, rng).ok());
  BOOST_TEST(pool->assign(DeviceId{2}, kT0, rng).ok());
  auto third = pool->assign(DeviceId{3}, kT0, rng);
  BOOST_TEST_REQUIRE(!third.ok());
  BOOST_TEST(third.error().code == "coord.pool_exhausted");
  BOOST_TEST(third.error().detail.find("IPv4") != std::string::npos);
  BOOST_TEST(third.error().detail.find("10.0.0.0/30") != std::string::npos);
  BOOST_TEST(!pool->addresses_of(DeviceId{3}).has_value());
  BOOST_TEST(pool->held().size() == 2u);

  auto v6pool = make(tiny("10.0.0.0/24", "fd00::/126"));  // two usable IPv6 addresses
  BOOST_TEST(v6pool->assign(DeviceId{1}, kT0, rng).ok());
  BOOST_TEST(v6pool->assign(DeviceId{2}, kT0, rng).ok());
  auto v6third = v6pool->assign(DeviceId{3}, kT0, rng);
  BOOST_TEST_REQUIRE(!v6third.ok());
  BOOST_TEST(v6third.error().detail.find("IPv6") != std::string::npos);
  // The IPv4 address drawn for the refused device was not recorded.
  BOOST_TEST(v6pool->free_count(util::IpFamily::kV4) == 254u - 2u);
}

BOOST_AUTO_TEST_CASE(removed_addresses_return_only_after_the_quarantine) {
  auto pool = make(tiny("10.0.0.0/30", "fd00::/126"));  // two usable addresses per family
  core::SeededRandom rng(5);
  auto a = pool->assign(DeviceId{1}, kT0, rng);
  auto b = pool->assign(DeviceId{2}, kT0, rng);
  BOOST_TEST_REQUIRE((a.ok() && b.ok()));
  BOOST_TEST(pool->release(DeviceId{1}, kT0).ok());
  BOOST_TEST(!pool->holder_of(a->v4).has_value());
  BOOST_TEST(pool->quarantined().size() == 2u);

  auto early = pool->assign(DeviceId{3}, kT0 + 23h, rng);
  BOOST_TEST_REQUIRE(!early.ok());
  BOOST_TEST(early.error().detail.find("1 in quarantine") != std::string::npos);

  auto later = pool->assign(DeviceId{3}, kT0 + 24h, rng);
  BOOST_TEST_REQUIRE(later.ok());
  BOOST_TEST((*later == *a));  // the only free addresses
  BOOST_TEST(pool->quarantined().empty());

  BOOST_TEST(pool->release(DeviceId{99}, kT0).error().code == "coord.unknown_device");
}

BOOST_AUTO_TEST_CASE(a_zero_quarantine_returns_addresses_at_once) {
  AddressPoolConfig config = tiny("10.0.0.0/30", "fd00::/126");
  config.quarantine = core::Duration::zero();
  auto pool = make(config);
  core::SeededRandom rng(6);
  BOOST_TEST(pool->assign(DeviceId{1}, kT0, rng).ok());
  BOOST_TEST(pool->assign(DeviceId{2}, kT0, rng).ok());
  BOOST_TEST(pool->release(DeviceId{1}, kT0).ok());
  BOOST_TEST(pool->quarantined().empty());
  BOOST_TEST(pool->assign(DeviceId{3}, kT0, rng).ok());
}

BOOST_AUTO_TEST_CASE(a_reloaded_pool_answers_as_before) {
  AddressPoolConfig config = tiny("10.1.0.0/26", "fd00::/120");
  auto live = make(config);
  core::SeededRandom rng(8);
  for (uint64_t d = 1; d <= 30; ++d) BOOST_TEST(live->assign(DeviceId{d}, kT0, rng).ok());
  for (uint64_t d = 1; d <= 30; d += 3) BOOST_TEST(live->release(DeviceId{d}, kT0 + 1h).ok());

  // The store reloads what the live pool recorded, in any order.
  auto reloaded = make(config);
  for (const auto& q : live->quarantined()) BOOST_TEST(reloaded->restore_quarantined(q).ok());
  for (auto it = live->held().rbegin(); it != live->held().rend(); ++it)
    BOOST_TEST(reloaded->restore(it->first, it->second).ok());
  BOOST_TEST((reloaded->held() == live->held()));
  BOOST_TEST(reloaded->free_count(util::IpFamily::kV4) == live->free_count(util::IpFamily::kV4));

  // Same state, same time, same random bytes: same answers, before and after quarantines end.
  core::SeededRandom r1(9), r2(9);
  for (uint64_t d = 100; d < 110; ++d) {
    const core::WallTime now = kT0 + std::chrono::hours((d - 100) * 5);  // crosses kT0 + 25h
    auto x = live->assign(DeviceId{d}, now, r1);
    auto y = reloaded->assign(DeviceId{d}, now, r2);
    BOOST_TEST_REQUIRE((x.ok() && y.ok()));
    BOOST_TEST((*x == *y));
  }
}

BOOST_AUTO_TEST_CASE(restore_refuses_conflicting_state) {
  auto pool = make(tiny("10.0.0.0/24", "fd00::/64"));
  const DeviceAddresses a{ip("10.0.0.5"), ip("fd00::5")};
  BOOST_TEST(pool->restore(DeviceId{1}, a).ok());
  BOOST_TEST(pool->restore(DeviceId{1}, a).ok());  // identical again: accepted
  BOOST_TEST(pool->restore(DeviceId{1}, {ip("10.0.0.6"), ip("fd00::6")}).error().code ==
             "coord.device_conflict");
  BOOST_TEST(pool->restore(DeviceId{2}, {ip("10.0.0.5"), ip("fd00::6")}).error().code ==
             "coord.address_taken");
  BOOST_TEST(pool->restore(DeviceId{2}, {ip("10.0.1.5"), ip("fd00::6")}).error().code ==
             "coord.address_outside_pool");
  BOOST_TEST(pool->restore(DeviceId{2}, {ip("10.0.0.6"), ip("fd00:0:0:1::6")}).error().code ==
             "coord.address_outside_pool");
  BOOST_TEST(pool->restore(DeviceId{2}, {ip("fd00::7"), ip("10.0.0.7")}).error().code ==
             "coord.address_outside_pool");
  BOOST_TEST(pool->restore_quarantined({ip("10.0.0.5"), kT0}).error().code ==
             "coord.address_taken");
  BOOST_TEST(pool->restore_quarantined({ip("10.0.0.9"), kT0 + 1h}).ok());
  BOOST_TEST(pool->restore(DeviceId{3}, {ip("10.0.0.9"), ip("fd00::9")}).error().code ==
             "coord.address_taken");
  BOOST_TEST(!pool->addresses_of(DeviceId{2}).has_value());
}

BOOST_AUTO_TEST_CASE(a_wide_ipv6_pool_uses_its_low_64_bits) {
  auto pool = make(AddressPoolConfig::defaults());
  BOOST_TEST(pool->restore(DeviceId{1}, {ip("100.64.0.1"), ip("fd7a:115c:a1e0:1::1")})
                 .error()
                 .code == "coord.address_outside_pool");
  BOOST_TEST(pool->restore(DeviceId{1}, {ip("100.64.0.1"), ip("fd7a:115c:a1e0::ffff:1")}).ok());
  BOOST_TEST(pool->free_count(util::IpFamily::kV6) == UINT64_MAX - 3 + 1 - 1);
}

BOOST_AUTO_TEST_CASE(refuses_bad_configurations) {
  auto code = [](const AddressPoolConfig& c) {
    auto p = AddressPool::create(c);
    return p.ok() ? std::string("ok") : p.error().code;
  };
  BOOST_TEST(code(tiny("10.0.0.0/31", "fd00::/64")) == "coord.pool_config");
  BOOST_TEST(code(tiny("10.0.0.0/7", "fd00::/64")) == "coord.pool_config");
  BOOST_TEST(code(tiny("fd00::/64", "fd00::/64")) == "coord.pool_config");
  BOOST_TEST(code(tiny("10.0.0.0/24", "10.0.0.0/24")) == "coord.pool_config");
  BOOST_TEST(code(tiny("10.0.0.0/24", "fd00::/127")) == "coord.pool_config");
  AddressPoolConfig all = tiny("10.0.0.0/29", "fd00::/64");
  all.reserved = {prefix("10.0.0.0/30"), prefix("10.0.0.4/30")};
  BOOST_TEST(code(all) == "coord.pool_config");
  AddressPoolConfig wider = tiny("10.0.0.0/29", "fd00::/64");
  wider.reserved = {prefix("10.0.0.0/8")};
  BOOST_TEST(code(wider) == "coord.pool_config");
  AddressPoolConfig v6all = tiny("10.0.0.0/29", "fd00::/48");
  v6all.reserved = {prefix("fd00::/56")};  // covers the whole low-64-bit window
  BOOST_TEST(code(v6all) == "coord.pool_config");
  BOOST_TEST(code(tiny("10.0.0.0/30", "fd00::/126")) == "ok");
}

BOOST_AUTO_TEST_SUITE_END()
