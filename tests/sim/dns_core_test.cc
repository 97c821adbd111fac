// The ns-3 driver's half of MagicDNS (sim/dns-core.h), driven without a network: tailnet names
// answered by the resolver core, forwards to the upstreams in turn with a 2 s timeout each, the
// client's SERVFAIL when every upstream failed, upstream answers matched to their query.
#define BOOST_TEST_MODULE sim_dns_core
#include <boost/test/unit_test.hpp>

#include <vector>

#include "dns-core.h"
#include "dns/message.h"

using namespace weft;
using namespace weft::sim;
using namespace std::chrono_literals;

BOOST_TEST_DONT_PRINT_LOG_VALUE(weft::sim::DnsOutput::Action)
BOOST_TEST_DONT_PRINT_LOG_VALUE(weft::core::SocketAddress)
BOOST_TEST_DONT_PRINT_LOG_VALUE(weft::core::Duration)

namespace {

util::IpAddress ip(const char* text) { return *util::IpAddress::parse(text); }
core::Now at(core::Duration t) { return core::Now{t, {}}; }
const core::Path kClient = core::Path::v4(127, 0, 0, 1, 40000);

struct Sent {
  DnsOutput::Action action;
  core::Path to;
  std::vector<uint8_t> bytes;
};

struct Harness {
  DnsCore core;
  std::vector<uint8_t> buffer = std::vector<uint8_t>(kMaxDatagram);

  Harness() {
    dns::ResolverConfig c;
    c.domain = "weft.internal";
    c.hosts = {dns::Host{"b", {ip("100.64.0.2")}}};
    c.nameservers = {ip("192.0.2.53"), ip("198.51.100.53")};
    core.Configure(std::move(c));
  }
  core::MutableBytes out() { return core::MutableBytes{buffer.data(), buffer.size()}; }
  Sent take(const DnsOutput& o) {
    return Sent{o.action, o.to, std::vector<uint8_t>(buffer.begin(), buffer.begin() + o.size)};
  }
  Sent receive(core::Duration t, const core::Path& from, const std::vector<uint8_t>& bytes) {
    return take(core.receive_datagram(at(t), from, core::ByteView{bytes.data(), bytes.size()}, out()));
  }
  std::vector<Sent> timers(core::Duration t) {
    core.update_timers(at(t));
    std::vector<Sent> sent;
    for (;;) {
      const DnsOutput o = core.poll_transmit(at(t), out());
      if (is_idle(o)) return sent;
      sent.push_back(take(o));
    }
  }
};

uint8_t rcode(const std::vector<uint8_t>& answer) { return answer.at(3) & 0x0F; }

std::vector<uint8_t> upstream_answer(const std::vector<uint8_t>& query, dns::Rcode code) {
  const dns::ParsedQuery q = dns::parse_query(core::ByteView{query.data(), query.size()});
  return dns::build_response(*q.query, code, false, {}, true);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(dns_core)

BOOST_AUTO_TEST_CASE(answers_tailnet_names_at_once) {
  Harness h;
  const Sent s = h.receive(1s, kClient, dns::build_query(7, "b.weft.internal", dns::kTypeA));
  BOOST_TEST(s.action == DnsOutput::Action::kSend);
  BOOST_TEST(s.to.udp == kClient.udp);
  BOOST_TEST(rcode(s.bytes) == 0);
  BOOST_TEST(!h.core.next_deadline().has_value());
  const Sent hidden = h.receive(1s, kClient, dns::build_query(8, "c", dns::kTypeA));
  BOOST_TEST(rcode(hidden.bytes) == 3);
}

BOOST_AUTO_TEST_CASE(forwards_and_relays_the_matching_answer_to_the_client) {
  Harness h;
  const auto query = dns::build_query(9, "example.com", dns::kTypeA);
  const Sent f = h.receive(1s, kClient, query);
  BOOST_TEST(f.action == DnsOutput::Action::kSend);
  BOOST_TEST(f.to.udp.address.to_string() == "192.0.2.53");
  BOOST_TEST(f.to.udp.port == 53);
  BOOST_TEST((f.bytes == query));
  BOOST_TEST(h.core.next_deadline().value() == core::Duration(3s));
  // An answer to another query from the upstream is dropped; the real one goes to the client.
  const Sent stray = h.receive(1100ms, f.to, upstream_answer(dns::build_query(10, "example.com", dns::kTypeA),
                                                              dns::Rcode::kNoError));
  BOOST_TEST(stray.action == DnsOutput::Action::kDrop);
  BOOST_TEST(h.core.Counters().unmatched_responses == 1u);
  const Sent answer = h.receive(1200ms, f.to, upstream_answer(query, dns::Rcode::kNxDomain));
  BOOST_TEST(answer.action == DnsOutput::Action::kSend);
  BOOST_TEST(answer.to.udp == kClient.udp);
  BOOST_TEST(rcode(answer.bytes) == 3);
  BOOST_TEST(!h.core.next_deadline().has_value());
  BOOST_TEST(h.core.Counters().answers_relayed == 1u);
}

BOOST_AUTO_TEST_CASE(tries_the_next_upstream_after_two_seconds_then_answers_servfail) {
  Harness h;
  const auto query = dns::build_query(11, "example.com", dns::kTypeA);
  h.receive(1s, kClient, query);
  BOOST_TEST(h.timers(2999ms).empty());  // not due yet
  const std::vector<Sent> second = h.timers(3s);
  BOOST_TEST_REQUIRE(second.size() == 1u);
  BOOST_TEST(second[0].to.udp.address.to_string() == "198.51.100.53");
  BOOST_TEST((second[0].bytes == query));
  BOOST_TEST(h.core.next_deadline().value() == core::Duration(5s));
  const std::vector<Sent> failed = h.timers(5s);
  BOOST_TEST_REQUIRE(failed.size() == 1u);
  BOOST_TEST(failed[0].to.udp == kClient.udp);
  BOOST_TEST(rcode(failed[0].bytes) == 2);
  BOOST_TEST(!h.core.next_deadline().has_value());
  BOOST_TEST(h.core.Counters().upstream_timeouts == 2u);
  BOOST_TEST(h.core.Counters().upstream_failures == 1u);
  // A late answer from the first upstream is not relayed twice.
  const Sent late = h.receive(6s, core::Path::v4(192, 0, 2, 53, 53), upstream_answer(query, dns::Rcode::kNoError));
  BOOST_TEST(late.action != DnsOutput::Action::kSend);
}

BOOST_AUTO_TEST_CASE(drops_an_upstream_answer_larger_than_the_slot_sends) {
  Harness h;
  const auto query = dns::build_query(15, "example.com", dns::kTypeA);
  const Sent f = h.receive(1s, kClient, query);
  std::vector<uint8_t> big = upstream_answer(query, dns::Rcode::kNoError);
  big.resize(kMaxDnsMessage + 1);
  const Sent dropped = h.receive(1100ms, f.to, big);
  BOOST_TEST(dropped.action == DnsOutput::Action::kDrop);
  BOOST_TEST(h.core.Counters().too_large == 1u);
  // The forward stays; the client gets SERVFAIL when the upstreams are exhausted.
  BOOST_TEST(h.core.next_deadline().has_value());
}

BOOST_AUTO_TEST_CASE(a_reset_forgets_names_and_forwards) {
  Harness h;
  h.receive(1s, kClient, dns::build_query(12, "example.com", dns::kTypeA));
  h.core.Reset();
  BOOST_TEST(!h.core.next_deadline().has_value());
  // Without a view, no upstream: SERVFAIL; a bare name is NXDOMAIN.
  BOOST_TEST(rcode(h.receive(2s, kClient, dns::build_query(13, "example.com", dns::kTypeA)).bytes) == 2);
  BOOST_TEST(rcode(h.receive(2s, kClient, dns::build_query(14, "b", dns::kTypeA)).bytes) == 3);
}

BOOST_AUTO_TEST_SUITE_END()
