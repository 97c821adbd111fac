// Tests for lib/filter/flow_table.h: the table starts small and doubles up to its bound, keeping
// every flow, its class and its place in the LRU order across each growth; at the bound the least
// recently used flow is evicted.
#define BOOST_TEST_MODULE filter_flow_table
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>

#include "filter/flow_table.h"

using namespace weft;
using namespace weft::filter;
using namespace std::chrono_literals;

namespace {

const std::array<core::Duration, kFlowClassCount> kIdle{124min, 4min, 2min, 30s};

FlowKey key(uint32_t n) {
  FlowKey k;
  k.local = {100, 64, 0, 1};
  k.remote = {100, 64, static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)};
  k.local_port = static_cast<uint16_t>(40000 + n % 1000);
  k.remote_port = 53;
  k.protocol = 17;
  return k;
}

core::Duration at(int seconds) { return std::chrono::seconds(seconds); }

}  // namespace

BOOST_AUTO_TEST_SUITE(flow_table)

BOOST_AUTO_TEST_CASE(starts_small_and_doubles_keeping_every_flow) {
  FlowTable t(1000, kIdle, 4);
  BOOST_TEST(t.capacity() == 1000u);
  BOOST_TEST(t.allocated() == 4u);
  for (uint32_t n = 0; n < 300; ++n) t.insert(at(0), key(n), FlowClass::kUdp);
  BOOST_TEST(t.size() == 300u);
  BOOST_TEST(t.allocated() == 512u);  // 4 doubled seven times
  BOOST_TEST(t.evicted() == 0u);
  for (uint32_t n = 0; n < 300; ++n) {
    const Flow* f = t.find(at(1), key(n));
    BOOST_TEST_REQUIRE(f != nullptr);
    BOOST_TEST((f->key == key(n)));
    BOOST_TEST((f->cls == FlowClass::kUdp));
  }
  BOOST_TEST(t.find(at(1), key(300)) == nullptr);
}

BOOST_AUTO_TEST_CASE(grows_no_further_than_its_bound_then_evicts_the_least_recently_used) {
  FlowTable t(6, kIdle, 2);
  for (uint32_t n = 0; n < 6; ++n) t.insert(at(static_cast<int>(n)), key(n), FlowClass::kUdp);
  BOOST_TEST(t.allocated() == 6u);  // 2, 4, then 6 rather than 8
  // Flow 0 is used again: flow 1 is now the least recently used.
  Flow* zero = t.find(at(10), key(0));
  BOOST_TEST_REQUIRE(zero != nullptr);
  t.touch(at(10), *zero, FlowClass::kUdp);
  t.insert(at(11), key(6), FlowClass::kUdp);
  BOOST_TEST(t.allocated() == 6u);
  BOOST_TEST(t.size() == 6u);
  BOOST_TEST(t.evicted() == 1u);
  BOOST_TEST(t.find(at(11), key(1)) == nullptr);
  BOOST_TEST(t.find(at(11), key(0)) != nullptr);
  BOOST_TEST(t.find(at(11), key(6)) != nullptr);
}

BOOST_AUTO_TEST_CASE(expiry_order_survives_growth) {
  // Flows inserted before and after a growth expire oldest first, by class.
  FlowTable t(64, kIdle, 2);
  t.insert(at(0), key(1), FlowClass::kOther);   // expires at 30 s
  t.insert(at(5), key(2), FlowClass::kUdp);     // 125 s
  t.insert(at(10), key(3), FlowClass::kOther);  // 40 s: the table grew for it
  t.insert(at(20), key(4), FlowClass::kOther);  // 50 s
  BOOST_TEST(t.allocated() == 4u);
  BOOST_TEST((t.next_deadline() == std::optional<core::Duration>(at(30))));
  t.expire(at(45));
  BOOST_TEST(t.size() == 2u);
  BOOST_TEST(t.expired() == 2u);
  BOOST_TEST(t.find(at(45), key(4)) != nullptr);
  BOOST_TEST(t.find(at(45), key(2)) != nullptr);
  BOOST_TEST((t.next_deadline() == std::optional<core::Duration>(at(50))));
  // Freed slots are used again before the table grows.
  for (uint32_t n = 10; n < 12; ++n) t.insert(at(46), key(n), FlowClass::kUdp);
  BOOST_TEST(t.allocated() == 4u);
  t.clear();
  BOOST_TEST(t.size() == 0u);
  BOOST_TEST(!t.next_deadline().has_value());
}

BOOST_AUTO_TEST_CASE(default_start_is_small_and_the_bound_is_kept) {
  FlowTable t(16384, kIdle);
  BOOST_TEST(t.allocated() == FlowTable::kInitialFlows);
  FlowTable tiny(1, kIdle);
  BOOST_TEST(tiny.allocated() == 1u);
  tiny.insert(at(0), key(1), FlowClass::kUdp);
  tiny.insert(at(1), key(2), FlowClass::kUdp);
  BOOST_TEST(tiny.size() == 1u);
  BOOST_TEST(tiny.evicted() == 1u);
  BOOST_TEST(tiny.find(at(1), key(2)) != nullptr);
}

BOOST_AUTO_TEST_SUITE_END()
