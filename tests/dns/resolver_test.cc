// MagicDNS's resolver core: tailnet names answered from the hosts the node sees (A, AAAA, bare
// labels, the node itself), NXDOMAIN for others, split DNS before the default upstreams,
// SERVFAIL without any, reverse lookups of tailnet addresses.
#define BOOST_TEST_MODULE dns_resolver
#include <boost/test/unit_test.hpp>

#include "dns/resolver.h"

using namespace weft;
using namespace weft::dns;

namespace {

util::IpAddress ip(const char* text) { return *util::IpAddress::parse(text); }
core::ByteView view(const std::vector<uint8_t>& b) { return core::ByteView{b.data(), b.size()}; }

ResolverConfig tailnet() {
  control::DnsConfig dns;
  dns.domain = "Weft.Internal.";
  dns.nameservers = {ip("192.0.2.53")};
  dns.routes = {control::DnsRoute{"lab.example", {ip("10.9.0.53")}},
                control::DnsRoute{"deep.lab.example", {ip("10.9.0.54")}}};
  return resolver_config(dns, {Host{"host-a", {ip("100.64.0.1"), ip("fd7a:115c:a1e0::1")}},
                               Host{"host-b", {ip("100.64.0.2"), ip("fd7a:115c:a1e0::2")}}});
}

struct Answer {
  uint8_t rcode = 0;
  uint16_t count = 0;
  std::vector<uint8_t> bytes;
};

Answer ask(Resolver& r, const std::string& name, uint16_t type) {
  auto q = build_query(99, name, type);
  Decision d = r.handle(view(q), true);
  BOOST_REQUIRE(d.action == Action::kAnswer);
  BOOST_REQUIRE(d.answer.size() >= kHeaderSize);
  BOOST_TEST(answers(*parse_query(view(q)).query, view(d.answer)));
  return Answer{static_cast<uint8_t>(d.answer[3] & 0x0F),
                static_cast<uint16_t>(d.answer[6] << 8 | d.answer[7]), d.answer};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(dns_resolver)

BOOST_AUTO_TEST_CASE(answers_peers_by_full_and_bare_name) {
  Resolver r;
  r.configure(tailnet());
  auto a = ask(r, "host-b.weft.internal", kTypeA);
  BOOST_TEST(a.rcode == 0);
  BOOST_REQUIRE(a.count == 1);
  const std::vector<uint8_t> v4(a.bytes.end() - 4, a.bytes.end());
  BOOST_TEST((v4 == std::vector<uint8_t>{100, 64, 0, 2}));
  auto aaaa = ask(r, "HOST-B.weft.internal", kTypeAaaa);
  BOOST_REQUIRE(aaaa.count == 1);
  BOOST_TEST(aaaa.bytes.back() == 2);
  BOOST_TEST(ask(r, "host-a", kTypeA).count == 1);
  BOOST_TEST(ask(r, "host-a.weft.internal", kTypeAny).count == 2);
  // Another type of a name that exists: NODATA.
  auto mx = ask(r, "host-a.weft.internal", 15);
  BOOST_TEST(mx.rcode == 0);
  BOOST_TEST(mx.count == 0);
  BOOST_TEST(r.counters().answered == 5u);
}

BOOST_AUTO_TEST_CASE(a_host_the_node_may_not_see_does_not_exist) {
  Resolver r;
  r.configure(tailnet());
  for (const char* name : {"host-c.weft.internal", "host-c", "x.host-b.weft.internal"}) {
    auto a = ask(r, name, kTypeA);
    BOOST_TEST(a.rcode == 3, name);
    BOOST_TEST(a.count == 0);
  }
  BOOST_TEST(r.counters().forwarded == 0u);
  BOOST_TEST(ask(r, "weft.internal", kTypeA).rcode == 0);  // the domain itself: NODATA
}

BOOST_AUTO_TEST_CASE(forwards_outside_names_split_dns_first_and_longest) {
  Resolver r;
  r.configure(tailnet());
  const auto forwarded_to = [&r](const std::string& name) {
    auto q = build_query(5, name, kTypeA);
    Decision d = r.handle(view(q), true);
    BOOST_REQUIRE(d.action == Action::kForward);
    BOOST_TEST(d.query.question.name == name);
    BOOST_REQUIRE(d.upstreams.size() == 1u);
    return d.upstreams[0];
  };
  BOOST_TEST((forwarded_to("www.example.com") == ip("192.0.2.53")));
  BOOST_TEST((forwarded_to("lab.example") == ip("10.9.0.53")));
  BOOST_TEST((forwarded_to("db.lab.example") == ip("10.9.0.53")));
  BOOST_TEST((forwarded_to("x.deep.lab.example") == ip("10.9.0.54")));
  BOOST_TEST((forwarded_to("xlab.example") == ip("192.0.2.53")));
  BOOST_TEST(r.counters().forwarded == 5u);

  auto none = tailnet();
  none.nameservers.clear();
  r.configure(none);
  BOOST_TEST(ask(r, "www.example.com", kTypeA).rcode == 2);
  BOOST_TEST(r.counters().no_upstream == 1u);
}

BOOST_AUTO_TEST_CASE(answers_reverse_lookups_of_hosts_it_sees_and_forwards_the_rest) {
  Resolver r;
  r.configure(tailnet());
  auto ptr = ask(r, "2.0.64.100.in-addr.arpa", kTypePtr);
  BOOST_TEST(ptr.count == 1);
  const auto wire = *encode_name("host-b.weft.internal");
  BOOST_TEST((std::vector<uint8_t>(ptr.bytes.end() - static_cast<std::ptrdiff_t>(wire.size()),
                                   ptr.bytes.end()) == wire));
  std::string v6 = "ip6.arpa";
  for (int i = 0; i < 31; ++i) v6 = "0." + v6;
  BOOST_TEST((reverse_name_address("1." + v6) == ip("::1")));
  auto q = build_query(5, "9.0.64.100.in-addr.arpa", kTypePtr);
  BOOST_TEST((r.handle(view(q), true).action == Action::kForward));
  BOOST_TEST(!reverse_name_address("1.2.3.in-addr.arpa").has_value());
  BOOST_TEST(!reverse_name_address("01.2.3.4.in-addr.arpa").has_value());
  BOOST_TEST(!reverse_name_address("256.2.3.4.in-addr.arpa").has_value());
}

BOOST_AUTO_TEST_CASE(formerr_notimp_and_drops) {
  Resolver r;
  r.configure(tailnet());
  auto q = build_query(0x4242, "host-a.weft.internal", kTypeA);
  auto bad = q;
  bad[5] = 2;  // two questions
  Decision d = r.handle(view(bad), true);
  BOOST_REQUIRE(d.action == Action::kAnswer);
  BOOST_TEST((d.answer[3] & 0x0F) == 1);
  BOOST_TEST(d.answer[0] == 0x42);
  auto notify = q;
  notify[2] |= 4 << 3;  // opcode NOTIFY
  d = r.handle(view(notify), true);
  BOOST_TEST((d.answer[3] & 0x0F) == 4);
  auto response = q;
  response[2] |= 0x80;
  BOOST_TEST((r.handle(view(response), true).action == Action::kDrop));
  BOOST_TEST((r.handle(view(std::vector<uint8_t>(5, 0)), true).action == Action::kDrop));
  BOOST_TEST(r.counters().dropped == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
