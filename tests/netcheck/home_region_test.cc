// The home-region chooser: the lowest latency at first, hysteresis against flapping, re-homing
// when the home stops answering, and latencies measured over TCP when UDP is blocked.
#define BOOST_TEST_MODULE home_region
#include <boost/test/unit_test.hpp>

#include "netcheck/home_region.h"

using namespace weft;
using namespace weft::netcheck;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

Report report(std::initializer_list<std::pair<uint16_t, int>> latencies) {
  Report r;
  for (const auto& [id, ms] : latencies) {
    RegionLatency l;
    l.region = id;
    l.latency = milliseconds(ms);
    l.v4 = l.latency;
    r.region_latencies.push_back(l);
  }
  r.udp = !r.region_latencies.empty();
  return r;
}

core::Now at(int s) {
  core::Now n;
  n.mono = seconds(s);
  return n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(home_region)

BOOST_AUTO_TEST_CASE(starts_without_a_home) {
  HomeRegionChooser c;
  BOOST_TEST(c.choose(at(0)) == 0);
}

BOOST_AUTO_TEST_CASE(first_choice_is_the_lowest_latency) {
  HomeRegionChooser c;
  c.note_report(at(0), report({{1, 40}, {2, 15}, {3, 90}}));
  BOOST_TEST(c.choose(at(0)) == 2);
}

BOOST_AUTO_TEST_CASE(equal_latencies_choose_the_lower_id) {
  HomeRegionChooser c;
  c.note_report(at(0), report({{7, 20}, {3, 20}}));
  BOOST_TEST(c.choose(at(0)) == 3);
}

BOOST_AUTO_TEST_CASE(does_not_flap_between_near_equal_regions) {
  HomeRegionChooser c;
  c.note_report(at(0), report({{1, 20}, {2, 21}}));
  BOOST_TEST(c.choose(at(0)) == 1);
  for (int i = 1; i <= 20; ++i) {
    // The two regions trade places every run by a few milliseconds.
    c.note_report(at(30 * i), i % 2 ? report({{1, 24}, {2, 19}}) : report({{1, 20}, {2, 22}}));
    BOOST_TEST(c.choose(at(30 * i)) == 1);
  }
}

BOOST_AUTO_TEST_CASE(moves_when_another_region_is_clearly_better) {
  HomeRegionChooser c;
  c.note_report(at(0), report({{1, 60}}));
  BOOST_TEST(c.choose(at(0)) == 1);
  c.note_report(at(30), report({{1, 60}, {2, 41}}));  // not below 2/3 (40 ms)
  BOOST_TEST(c.choose(at(30)) == 1);
  c.note_report(at(60), report({{1, 60}, {2, 39}}));
  BOOST_TEST(c.choose(at(60)) == 2);
}

BOOST_AUTO_TEST_CASE(stays_when_the_better_region_gains_only_a_few_milliseconds) {
  HomeRegionChooser c;
  c.note_report(at(0), report({{1, 6}}));
  BOOST_TEST(c.choose(at(0)) == 1);
  c.note_report(at(30), report({{1, 6}, {2, 1}}));  // a sixth of it, but only 5 ms
  BOOST_TEST(c.choose(at(30)) == 1);
}

BOOST_AUTO_TEST_CASE(re_homes_when_the_home_stops_answering) {
  HomeRegionChooser c;
  c.note_report(at(0), report({{1, 10}, {2, 50}}));
  BOOST_TEST(c.choose(at(0)) == 1);
  c.note_report(at(30), report({{2, 50}}));
  BOOST_TEST(c.choose(at(30)) == 2);
}

BOOST_AUTO_TEST_CASE(re_homes_when_the_home_is_reported_down) {
  HomeRegionChooser c;
  c.note_report(at(0), report({{1, 10}, {2, 50}}));
  BOOST_TEST(c.choose(at(0)) == 1);
  c.note_region_down(1);
  BOOST_TEST(c.choose(at(1)) == 2);
}

BOOST_AUTO_TEST_CASE(keeps_the_home_when_nothing_answers_at_all) {
  HomeRegionChooser c;
  c.note_report(at(0), report({{1, 10}}));
  BOOST_TEST(c.choose(at(0)) == 1);
  c.note_report(at(30), report({}));
  BOOST_TEST(c.choose(at(30)) == 1);
}

BOOST_AUTO_TEST_CASE(chooses_from_tcp_latencies_when_udp_is_blocked) {
  HomeRegionChooser c;
  c.note_report(at(0), report({}));
  c.note_latency(at(0), 4, milliseconds(80));
  c.note_latency(at(0), 5, milliseconds(30));
  BOOST_TEST(c.choose(at(0)) == 5);
  BOOST_TEST((*c.latency(at(0), 5) == milliseconds(30)));
}

BOOST_AUTO_TEST_CASE(uses_the_lower_of_a_regions_fresh_figures) {
  HomeRegionChooser c;
  c.note_report(at(0), report({{1, 40}}));
  c.note_latency(at(0), 1, milliseconds(35));
  BOOST_TEST((*c.latency(at(0), 1) == milliseconds(35)));
}

BOOST_AUTO_TEST_CASE(forgets_figures_older_than_max_age) {
  HomeRegionChooser c;
  c.note_latency(at(0), 1, milliseconds(10));
  c.note_latency(at(0), 2, milliseconds(50));
  BOOST_TEST(c.choose(at(0)) == 1);
  c.note_latency(at(80), 2, milliseconds(50));
  BOOST_TEST(c.choose(at(80)) == 1);  // 80 s old: still fresh
  BOOST_TEST(!c.latency(at(91), 1).has_value());
  BOOST_TEST(c.choose(at(91)) == 2);
}

BOOST_AUTO_TEST_CASE(a_home_that_left_the_map_is_replaced) {
  HomeRegionChooser c;
  c.note_report(at(0), report({{1, 10}, {2, 50}}));
  BOOST_TEST(c.choose(at(0)) == 1);
  c.retain_regions({2, 3});
  BOOST_TEST(c.home() == 0);
  BOOST_TEST(c.choose(at(1)) == 2);
}

BOOST_AUTO_TEST_SUITE_END()
