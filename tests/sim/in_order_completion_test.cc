// Tests of the order-preserving completion the simulated crypto workers use
// (sim/in-order-completion.h): items finished in any order come out in the order they were added.
#define BOOST_TEST_MODULE sim_in_order_completion
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "in-order-completion.h"

using weft::sim::InOrderCompletion;

BOOST_AUTO_TEST_SUITE(in_order_completion)

BOOST_AUTO_TEST_CASE(holds_a_finished_item_until_every_older_one_finished) {
  InOrderCompletion<int> q;
  const uint64_t t0 = q.Add(10), t1 = q.Add(11), t2 = q.Add(12);
  BOOST_TEST(!q.Ready());
  BOOST_TEST(q.Finish(t2));
  BOOST_TEST(q.Finish(t1));
  BOOST_TEST(!q.Ready());  // the oldest is still at work
  BOOST_TEST(q.HeldBack() == 2u);
  BOOST_TEST(q.Finish(t0));
  std::vector<int> out;
  while (q.Ready()) out.push_back(q.PopReady());
  BOOST_TEST(out == (std::vector<int>{10, 11, 12}));
  BOOST_TEST(q.Size() == 0u);
}

BOOST_AUTO_TEST_CASE(releases_in_added_order_whatever_the_finish_order) {
  // Every finish order of five items releases 0..4 in order.
  std::vector<int> order{0, 1, 2, 3, 4};
  do {
    InOrderCompletion<int> q;
    for (int i = 0; i < 5; ++i) q.Add(i);
    std::vector<int> out;
    for (int t : order) {
      BOOST_TEST(q.Finish(static_cast<uint64_t>(t)));
      while (q.Ready()) out.push_back(q.PopReady());
    }
    BOOST_TEST(out == (std::vector<int>{0, 1, 2, 3, 4}));
  } while (std::next_permutation(order.begin(), order.end()));
}

BOOST_AUTO_TEST_CASE(tickets_keep_counting_after_pops_and_clear) {
  InOrderCompletion<std::unique_ptr<std::string>> q;  // move-only items
  const uint64_t a = q.Add(std::make_unique<std::string>("a"));
  BOOST_TEST(q.Finish(a));
  BOOST_TEST(*q.PopReady() == "a");
  BOOST_TEST(!q.Finish(a));  // popped: no longer queued
  BOOST_TEST(q.Find(a) == nullptr);
  const uint64_t b = q.Add(std::make_unique<std::string>("b"));
  BOOST_TEST(b == a + 1);
  BOOST_TEST(q.Find(b) != nullptr);
  q.Clear();
  BOOST_TEST(q.Size() == 0u);
  BOOST_TEST(!q.Finish(b));  // dropped with the restart
  const uint64_t c = q.Add(std::make_unique<std::string>("c"));
  BOOST_TEST(c == b + 1);
  BOOST_TEST(!q.Finish(c + 1));  // never added
  BOOST_TEST(q.Finish(c));
  BOOST_TEST(q.Finish(c));  // twice is harmless
  BOOST_TEST(*q.PopReady() == "c");
  BOOST_TEST(q.HeldBack() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
