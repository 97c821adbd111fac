// Tests for weft::util::at_or_under (names in DNS domains).
#define BOOST_TEST_MODULE dns_domain
#include <boost/test/unit_test.hpp>

#include "util/dns_domain.h"

using weft::util::at_or_under;

BOOST_AUTO_TEST_SUITE(dns_domain_suite)

BOOST_AUTO_TEST_CASE(holds_the_domain_and_names_under_it) {
  BOOST_TEST(at_or_under("ts.net", "ts.net"));
  BOOST_TEST(at_or_under("a.ts.net", "ts.net"));
  BOOST_TEST(at_or_under("b.a.ts.net", "ts.net"));
  BOOST_TEST(at_or_under("a.ts.net", "net"));
}

BOOST_AUTO_TEST_CASE(needs_a_label_boundary) {
  BOOST_TEST(!at_or_under("ats.net", "ts.net"));
  BOOST_TEST(!at_or_under("a-ts.net", "ts.net"));
  BOOST_TEST(!at_or_under(".ts.net", "a.ts.net"));
}

BOOST_AUTO_TEST_CASE(refuses_other_and_shorter_names) {
  BOOST_TEST(!at_or_under("net", "ts.net"));
  BOOST_TEST(!at_or_under("ts.com", "ts.net"));
  BOOST_TEST(!at_or_under("ts.net.example", "ts.net"));
  BOOST_TEST(!at_or_under("", "ts.net"));
}

BOOST_AUTO_TEST_CASE(an_empty_domain_holds_nothing) {
  BOOST_TEST(!at_or_under("a.ts.net", ""));
  BOOST_TEST(!at_or_under("", ""));
}

BOOST_AUTO_TEST_CASE(compares_as_given) {
  // Callers lowercase and drop the final dot first; the check itself does neither.
  BOOST_TEST(!at_or_under("a.TS.net", "ts.net"));
  BOOST_TEST(!at_or_under("a.ts.net.", "ts.net"));
}

BOOST_AUTO_TEST_SUITE_END()
