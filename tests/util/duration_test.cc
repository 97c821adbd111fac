// parse_duration: Go's duration grammar, days only when asked for.
#define BOOST_TEST_MODULE duration
#include <boost/test/unit_test.hpp>

#include "util/duration.h"

using weft::util::DurationDays;
using weft::util::parse_duration;

BOOST_AUTO_TEST_CASE(reads_go_durations) {
  BOOST_TEST(parse_duration("1h30m")->count() == 5400.0);
  BOOST_TEST(parse_duration("90s")->count() == 90.0);
  BOOST_TEST(parse_duration("1.5h")->count() == 5400.0);
  BOOST_TEST(parse_duration("250ms")->count() == 0.25);
}

BOOST_AUTO_TEST_CASE(days_only_when_accepted) {
  BOOST_TEST(!parse_duration("180d").has_value());
  BOOST_TEST(parse_duration("180d", DurationDays::kAccepted)->count() == 180.0 * 86400);
  BOOST_TEST(parse_duration("1d12h", DurationDays::kAccepted)->count() == 1.5 * 86400);
}

BOOST_AUTO_TEST_CASE(refuses_what_is_not_a_duration) {
  for (const char* bad : {"", "h", "12", "-5s", "1..5s", "5x", "5 s", "."})
    BOOST_TEST(!parse_duration(bad).has_value(), bad);
}
