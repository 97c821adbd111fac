// The device's timer schedule (lib/wg/deadline_queue): an indexed min-heap checked against a
// brute-force minimum over random operations.
#define BOOST_TEST_MODULE wg_deadline_queue
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <map>

#include "core/random.h"
#include "wg/deadline_queue.h"

using namespace weft::wg;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(deadline_queue)

BOOST_AUTO_TEST_CASE(is_empty_until_a_deadline_is_set) {
  DeadlineQueue q;
  q.track(0);
  q.track(5);
  BOOST_TEST(!q.earliest().has_value());
  q.set(5, std::nullopt);  // not filed: nothing to take out
  BOOST_TEST(q.size() == 0u);
  q.set(5, 3s);
  BOOST_TEST((q.earliest() == std::optional<Duration>(3s)));
  BOOST_TEST((q.deadline_of(5) == std::optional<Duration>(3s)));
  BOOST_TEST(!q.deadline_of(0).has_value());
  BOOST_TEST(!q.deadline_of(77).has_value());  // never tracked
}

BOOST_AUTO_TEST_CASE(moves_a_peer_earlier_and_later) {
  DeadlineQueue q;
  for (PeerId id = 0; id < 3; ++id) q.track(id);
  q.set(0, 10s);
  q.set(1, 20s);
  q.set(2, 30s);
  q.set(2, 5s);
  BOOST_TEST((q.earliest() == std::optional<Duration>(5s)));
  q.set(2, 40s);
  BOOST_TEST((q.earliest() == std::optional<Duration>(10s)));
  q.set(0, std::nullopt);
  BOOST_TEST((q.earliest() == std::optional<Duration>(20s)));
  BOOST_TEST(q.size() == 2u);
}

BOOST_AUTO_TEST_CASE(takes_due_peers_earliest_first_and_ties_by_id) {
  DeadlineQueue q;
  for (PeerId id = 0; id < 6; ++id) q.track(id);
  q.set(4, 2s);
  q.set(1, 2s);
  q.set(3, 1s);
  q.set(0, 9s);
  q.set(5, 3s);
  std::vector<PeerId> due;
  q.take_due(2s, due);
  BOOST_TEST((due == std::vector<PeerId>{3, 1, 4}));
  BOOST_TEST((q.earliest() == std::optional<Duration>(3s)));
  BOOST_TEST(!q.deadline_of(1).has_value());
  due.clear();
  q.take_due(0s, due);
  BOOST_TEST(due.empty());
}

BOOST_AUTO_TEST_CASE(matches_a_brute_force_minimum_over_random_operations) {
  weft::core::SeededRandom r(7);
  DeadlineQueue q;
  std::map<PeerId, Duration> model;
  const PeerId kPeers = 300;
  for (PeerId id = 0; id < kPeers; ++id) q.track(id);
  Duration now{0};
  for (int step = 0; step < 20000; ++step) {
    PeerId id = static_cast<PeerId>(r.next() % kPeers);
    switch (r.next() % 4) {
      case 0:
      case 1: {
        Duration at = now + std::chrono::milliseconds(r.next() % 5000);
        q.set(id, at);
        model[id] = at;
        break;
      }
      case 2:
        q.set(id, std::nullopt);
        model.erase(id);
        break;
      default: {
        now += std::chrono::milliseconds(r.next() % 300);
        std::vector<PeerId> due;
        q.take_due(now, due);
        std::vector<PeerId> want;
        for (auto it = model.begin(); it != model.end();) {
          if (it->second <= now) {
            want.push_back(it->first);
            it = model.erase(it);
          } else {
            ++it;
          }
        }
        std::sort(due.begin(), due.end());
        BOOST_REQUIRE((due == want));
      }
    }
    std::optional<Duration> brute;
    for (const auto& [peer, at] : model) {
      if (!brute || at < *brute) brute = at;
    }
    BOOST_REQUIRE((q.earliest() == brute));
    BOOST_REQUIRE(q.size() == model.size());
    BOOST_REQUIRE((q.deadline_of(id) ==
                   (model.count(id) ? std::optional<Duration>(model[id]) : std::nullopt)));
  }
}

BOOST_AUTO_TEST_SUITE_END()
