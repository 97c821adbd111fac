// Anti-replay window (RFC 6479 as WireGuard uses it): 8128 counters of history.
#define BOOST_TEST_MODULE wg_replay
#include <boost/test/unit_test.hpp>

#include "wg/replay.h"

using namespace weft::wg;

BOOST_AUTO_TEST_SUITE(replay)

BOOST_AUTO_TEST_CASE(accepts_each_counter_once) {
  ReplayWindow w;
  for (uint64_t c = 0; c < 1000; ++c) BOOST_TEST(w.check_and_update(c));
  for (uint64_t c = 0; c < 1000; ++c) BOOST_TEST(!w.check_and_update(c));
}

BOOST_AUTO_TEST_CASE(accepts_reordering_within_the_window_only) {
  ReplayWindow w;
  BOOST_TEST(w.check_and_update(20000));
  BOOST_TEST(w.check_and_update(20000 - kReplayWindowSize));      // oldest still tracked
  BOOST_TEST(!w.check_and_update(20000 - kReplayWindowSize));
  BOOST_TEST(!w.check_and_update(20000 - kReplayWindowSize - 1));  // fell off the left edge
  BOOST_TEST(w.check_and_update(19999));
  BOOST_TEST(w.check_and_update(15000));
  BOOST_TEST(!w.check_and_update(15000));
  BOOST_TEST(kReplayWindowSize == 8128u);
}

BOOST_AUTO_TEST_CASE(forgets_history_after_a_large_jump) {
  ReplayWindow w;
  BOOST_TEST(w.check_and_update(5));
  BOOST_TEST(w.check_and_update(1000000));
  BOOST_TEST(!w.check_and_update(5));
  // Bits of blocks recycled by the jump were cleared: a counter in the window is fresh.
  BOOST_TEST(w.check_and_update(1000000 - 64 * 3));
  BOOST_TEST(w.check_and_update(1000001));
}

BOOST_AUTO_TEST_CASE(rejects_counters_at_reject_after_messages) {
  ReplayWindow w;
  BOOST_TEST(!w.check_and_update(kRejectAfterMessages));
  BOOST_TEST(!w.check_and_update(~uint64_t{0}));
  BOOST_TEST(w.check_and_update(kRejectAfterMessages - 1));
}

BOOST_AUTO_TEST_CASE(reset_clears_everything) {
  ReplayWindow w;
  BOOST_TEST(w.check_and_update(3));
  w.reset();
  BOOST_TEST(w.check_and_update(3));
}

BOOST_AUTO_TEST_SUITE_END()
