// Tests of weft-sim's event queue (sim/presorted-scheduler.h): the order of ns-3's own
// HeapScheduler (time, then uid) whether events come before the first removal or after it.
#define BOOST_TEST_MODULE sim_presorted_scheduler
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <random>
#include <vector>

#include "ns3/heap-scheduler.h"
#include "ns3/object.h"
#include "presorted-scheduler.h"

using ns3::Scheduler;
using weft::sim::PresortedScheduler;

namespace {

Scheduler::Event event(uint64_t ts, uint32_t uid) {
  Scheduler::Event ev;
  ev.impl = nullptr;  // a scheduler only orders events; it never runs one
  ev.key.m_ts = ts;
  ev.key.m_uid = uid;
  ev.key.m_context = 0;
  return ev;
}

std::vector<uint32_t> drain(Scheduler& s) {
  std::vector<uint32_t> uids;
  while (!s.IsEmpty()) {
    const uint32_t peeked = s.PeekNext().key.m_uid;
    const uint32_t removed = s.RemoveNext().key.m_uid;
    BOOST_TEST(peeked == removed);
    uids.push_back(removed);
  }
  return uids;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(presorted_scheduler)

BOOST_AUTO_TEST_CASE(orders_by_time_then_uid_across_both_parts) {
  ns3::Ptr<PresortedScheduler> s = ns3::CreateObject<PresortedScheduler>();
  // Before the first removal: unsorted, with ties in time.
  s->Insert(event(30, 1));
  s->Insert(event(10, 2));
  s->Insert(event(30, 3));
  s->Insert(event(20, 4));
  BOOST_TEST(s->RemoveNext().key.m_uid == 2u);
  // After it: into the heap, interleaved with the presorted ones.
  s->Insert(event(30, 5));
  s->Insert(event(15, 6));
  s->Insert(event(20, 7));
  BOOST_TEST(drain(*s) == (std::vector<uint32_t>{6, 4, 7, 1, 3, 5}));
  BOOST_TEST(s->IsEmpty());
}

BOOST_AUTO_TEST_CASE(removes_a_scheduled_event_from_either_part) {
  ns3::Ptr<PresortedScheduler> s = ns3::CreateObject<PresortedScheduler>();
  for (uint32_t uid = 1; uid <= 5; ++uid) s->Insert(event(uid * 10, uid));
  s->Remove(event(30, 3));  // seals, then finds it among the presorted
  for (uint32_t uid = 6; uid <= 10; ++uid) s->Insert(event(uid * 10 - 55, uid));
  s->Remove(event(15, 7));
  s->Remove(event(45, 10));
  BOOST_TEST(drain(*s) == (std::vector<uint32_t>{6, 1, 2, 8, 9, 4, 5}));
}

BOOST_AUTO_TEST_CASE(matches_ns3_heap_scheduler_on_a_random_run) {
  // A simulation's pattern: many events up front, then each removal schedules a few later ones.
  std::mt19937_64 random(12);
  ns3::Ptr<PresortedScheduler> s = ns3::CreateObject<PresortedScheduler>();
  ns3::Ptr<ns3::HeapScheduler> reference = ns3::CreateObject<ns3::HeapScheduler>();
  uint32_t uid = 0;
  auto insert = [&](uint64_t ts) {
    const Scheduler::Event ev = event(ts, ++uid);
    s->Insert(ev);
    reference->Insert(ev);
  };
  for (int i = 0; i < 5000; ++i) insert(random() % 1000);
  uint64_t now = 0;
  int removed = 0;
  while (!reference->IsEmpty()) {
    const Scheduler::Event want = reference->RemoveNext();
    const Scheduler::Event got = s->RemoveNext();
    BOOST_REQUIRE(got.key.m_uid == want.key.m_uid);
    now = want.key.m_ts;
    if (++removed < 20000) {
      const int more = static_cast<int>(random() % 3);
      // Same-time events too: only the uid orders them.
      for (int k = 0; k < more; ++k) insert(now + random() % 50);
    }
  }
  BOOST_TEST(s->IsEmpty());
}

BOOST_AUTO_TEST_SUITE_END()
