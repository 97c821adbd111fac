// Names the registry accepts or makes: e-mails normalized, tag syntax, hostnames as one DNS
// label and their numbered alternatives.
#define BOOST_TEST_MODULE coord_names
#include <boost/test/unit_test.hpp>

#include <string>

#include "coord/names.h"

using namespace weft::coord;

BOOST_AUTO_TEST_SUITE(names)

BOOST_AUTO_TEST_CASE(emails_are_checked_loosely_and_lowercased) {
  BOOST_TEST(normalize_email("Alice@Example.COM").value() == "alice@example.com");
  BOOST_TEST(normalize_email("a+b.c@d").value() == "a+b.c@d");
  for (const char* bad : {"", "a", "@d", "a@", "a@b@c", "a b@c", "a@b\n", "a@\x7f"}) {
    BOOST_TEST(!normalize_email(bad).has_value(), bad);
  }
  BOOST_TEST(!normalize_email("a@" + std::string(kMaxEmailLength, 'b')).has_value());
}

BOOST_AUTO_TEST_CASE(tags_are_tag_colon_then_a_letter_then_letters_digits_and_dashes) {
  BOOST_TEST(is_valid_tag("tag:web"));
  BOOST_TEST(is_valid_tag("tag:Web-2"));
  for (const char* bad : {"web", "tag:", "tag:2web", "tag:we_b", "tag:-web", "TAG:web"}) {
    BOOST_TEST(!is_valid_tag(bad), bad);
  }
}

BOOST_AUTO_TEST_CASE(hostnames_become_one_lowercase_dns_label) {
  BOOST_TEST(sanitize_hostname("Alice's MacBook Pro") == "alice-s-macbook-pro");
  BOOST_TEST(sanitize_hostname("web.example.com") == "web-example-com");
  BOOST_TEST(sanitize_hostname("--x--") == "x");
  BOOST_TEST(sanitize_hostname("") == "device");
  BOOST_TEST(sanitize_hostname("___") == "device");
  BOOST_TEST(sanitize_hostname(std::string(100, 'z')) == std::string(63, 'z'));
  // Cut first, then trimmed: the label never ends in '-'.
  BOOST_TEST(sanitize_hostname(std::string(62, 'z') + "-tail") == std::string(62, 'z'));
}

BOOST_AUTO_TEST_CASE(numbered_alternatives_stay_within_63_bytes_and_map_back) {
  BOOST_TEST(numbered_hostname("web", 0) == "web");
  BOOST_TEST(numbered_hostname("web", 12) == "web-12");
  const std::string longest(63, 'a');
  BOOST_TEST(numbered_hostname(longest, 7) == std::string(61, 'a') + "-7");
  BOOST_TEST(numbered_hostname(std::string(60, 'a') + "-b", 1) == std::string(60, 'a') + "-1");
  BOOST_TEST(hostname_number("web", "web").value() == 0u);
  BOOST_TEST(hostname_number("web", "web-12").value() == 12u);
  BOOST_TEST(hostname_number(longest, std::string(61, 'a') + "-7").value() == 7u);
  BOOST_TEST(!hostname_number("web", "web-012").has_value());
  BOOST_TEST(!hostname_number("web", "db-1").has_value());
  BOOST_TEST(!hostname_number("web", "web-").has_value());
  BOOST_TEST(!hostname_number("web", "web-99999999999").has_value());
}

BOOST_AUTO_TEST_SUITE_END()
