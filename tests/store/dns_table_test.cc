// The DNS settings tables: empty until set, survive a reopen in order, and a new set replaces
// the old one whole.
#define BOOST_TEST_MODULE store_dns_table
#include <boost/test/unit_test.hpp>

#include "store/database.h"
#include "store/dns_table.h"
#include "support/store_db.h"
#include "support/temp_dir.h"

using namespace weft;
using namespace weft::store;
using namespace store_test;

namespace {

util::IpAddress ip(const char* text) { return *util::IpAddress::parse(text); }

}  // namespace

BOOST_AUTO_TEST_SUITE(store_dns_table)

BOOST_AUTO_TEST_CASE(settings_survive_a_reopen_and_are_replaced_whole) {
  TempDir dir;
  coord::DnsSettings s;
  s.nameservers = {ip("192.0.2.53"), ip("2001:db8::53")};
  s.search_domains = {"z.example", "a.example"};
  s.routes = {control::DnsRoute{"a.example", {ip("10.0.0.2"), ip("10.0.0.1")}},
              control::DnsRoute{"b.example", {ip("10.0.0.3")}}};
  {
    auto db = open_ok(dir.file("state.db"));
    auto empty = load_dns_settings(*db);
    BOOST_REQUIRE(empty.ok());
    BOOST_TEST((*empty == coord::DnsSettings{}));
    BOOST_REQUIRE(db->transaction([&] { return put_dns_settings(*db, s); }).ok());
  }
  auto db = open_ok(dir.file("state.db"));
  auto loaded = load_dns_settings(*db);
  BOOST_REQUIRE(loaded.ok());
  BOOST_TEST((*loaded == s));

  coord::DnsSettings fewer;
  fewer.routes = {control::DnsRoute{"c.example", {ip("10.0.0.4")}}};
  BOOST_REQUIRE(db->transaction([&] { return put_dns_settings(*db, fewer); }).ok());
  loaded = load_dns_settings(*db);
  BOOST_REQUIRE(loaded.ok());
  BOOST_TEST((*loaded == fewer));
}

BOOST_AUTO_TEST_SUITE_END()
