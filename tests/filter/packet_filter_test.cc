// Tests for lib/filter/packet_filter.h: rules by source, destination, protocol and port; replies
// by flow with idle timeouts; the bounded table; malformed packets and fragments; no allocation.
#define BOOST_TEST_MODULE filter_packet_filter
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <cstdlib>
#include <new>
#include <ostream>

#include "filter/packet_filter.h"
#include "filter/packets.h"

using namespace weft;
using namespace weft::filter;
using namespace weft::filter::testing;
using namespace std::chrono_literals;

namespace weft::filter {
// Boost.Test prints failed comparisons of drop reasons by name.
std::ostream& operator<<(std::ostream& os, DropReason r) { return os << to_string(r); }
}  // namespace weft::filter

// Counts allocations while armed, to prove the hot path allocates nothing.
namespace {
std::atomic<bool> g_count_allocations{false};
std::atomic<std::size_t> g_allocations{0};
}  // namespace

// Every unaligned form is replaced, so that each allocation and its release meet (a sanitizer
// checks that they do).
namespace {
void* counted_malloc(std::size_t n) noexcept {
  if (g_count_allocations) ++g_allocations;
  return std::malloc(n ? n : 1);
}
}  // namespace

void* operator new(std::size_t n) {
  if (void* p = counted_malloc(n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  if (void* p = counted_malloc(n)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted_malloc(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted_malloc(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace {

const std::string kSelf4 = "100.64.0.1";
const std::string kSelf6 = "fd7a:115c:a1e0::1";
const std::string kPeer4 = "100.64.0.2";
const std::string kPeer6 = "fd7a:115c:a1e0::2";
const std::string kOther4 = "100.64.0.3";

control::FilterRule rule(std::vector<std::string> sources, uint16_t proto, uint16_t first = 0,
                         uint16_t last = 65535) {
  control::FilterRule r;
  for (const auto& s : sources) r.sources.push_back(*util::IpPrefix::parse(s));
  r.destinations = {*util::IpPrefix::parse(kSelf4), *util::IpPrefix::parse(kSelf6)};
  r.protocol = proto;
  r.port_first = first;
  r.port_last = last;
  return r;
}

core::Now at(core::Duration t) { return core::Now{t, {}}; }

Bytes tcp_in(const std::string& src, uint16_t sport, uint16_t dport, uint8_t flags) {
  return ipv4(src, kSelf4, kProtoTcp, tcp(sport, dport, flags));
}
Bytes tcp_out(const std::string& dst, uint16_t sport, uint16_t dport, uint8_t flags) {
  return ipv4(kSelf4, dst, kProtoTcp, tcp(sport, dport, flags));
}
Bytes udp_in(const std::string& src, uint16_t sport, uint16_t dport) {
  return ipv4(src, kSelf4, kProtoUdp, udp(sport, dport));
}
Bytes udp_out(const std::string& dst, uint16_t sport, uint16_t dport) {
  return ipv4(kSelf4, dst, kProtoUdp, udp(sport, dport));
}

bool accepts(PacketFilter& f, const Bytes& b, core::Duration t = 0s) { return f.check_inbound(at(t), view(b)).accept; }

DropReason drop_of(PacketFilter& f, const Bytes& b, core::Duration t = 0s) { return f.check_inbound(at(t), view(b)).drop; }

}  // namespace

BOOST_AUTO_TEST_SUITE(packet_filter)

BOOST_AUTO_TEST_CASE(admits_by_source_port_and_protocol_and_denies_the_rest) {
  PacketFilter f;
  f.set_rules({rule({kPeer4 + "/32"}, kProtoTcp, 22, 22), rule({"100.64.0.0/24"}, kProtoUdp, 53, 53)});
  BOOST_TEST(accepts(f, tcp_in(kPeer4, 40000, 22, kTcpSyn)));
  BOOST_TEST((drop_of(f, tcp_in(kPeer4, 40000, 23, kTcpSyn)) == DropReason::kNotAllowed));
  BOOST_TEST((drop_of(f, tcp_in(kOther4, 40000, 22, kTcpSyn)) == DropReason::kNotAllowed));
  BOOST_TEST(accepts(f, udp_in(kOther4, 1000, 53)));
  BOOST_TEST(!accepts(f, udp_in("100.64.1.3", 1000, 53)));
  BOOST_TEST(!accepts(f, udp_in(kPeer4, 1000, 22)));  // the TCP rule's port, another protocol
  BOOST_TEST(!accepts(f, ipv4(kPeer4, kSelf4, kProtoIcmp, icmp(8, 0, 1))));
  // Not one of the rules' destinations (a peer addressing some other host through us).
  BOOST_TEST(!accepts(f, ipv4(kPeer4, "100.64.0.9", kProtoTcp, tcp(1, 22, kTcpSyn))));
  BOOST_TEST(f.stats().accepted_by_rule == 2u);
  BOOST_TEST(f.stats().drops_of(DropReason::kNotAllowed) == 6u);
}

BOOST_AUTO_TEST_CASE(any_protocol_checks_ports_only_where_the_protocol_has_them) {
  // As the policy evaluator's decide(): ports bind TCP, UDP and SCTP; ICMP and the rest ignore them.
  PacketFilter f;
  f.set_rules({rule({kPeer4 + "/32"}, kAnyProtocol, 22, 22)});
  BOOST_TEST(accepts(f, tcp_in(kPeer4, 1, 22, kTcpSyn)));
  BOOST_TEST(accepts(f, udp_in(kPeer4, 1, 22)));
  BOOST_TEST(!accepts(f, udp_in(kPeer4, 1, 23)));
  BOOST_TEST(accepts(f, ipv4(kPeer4, kSelf4, kProtoIcmp, icmp(8, 0, 1))));
  BOOST_TEST(accepts(f, ipv4(kPeer4, kSelf4, 47, Bytes(8, 0))));  // GRE
}

BOOST_AUTO_TEST_CASE(icmp_rule_admits_pings_but_not_tcp) {
  PacketFilter f;
  f.set_rules({rule({kPeer4 + "/32", kPeer6 + "/128"}, kProtoIcmp), rule({kPeer6 + "/128"}, kProtoIcmpV6)});
  BOOST_TEST(accepts(f, ipv4(kPeer4, kSelf4, kProtoIcmp, icmp(8, 0, 1))));
  BOOST_TEST(accepts(f, ipv6(kPeer6, kSelf6, kProtoIcmpV6, icmp(128, 0, 1))));
  BOOST_TEST(!accepts(f, tcp_in(kPeer4, 1, 22, kTcpSyn)));
}

BOOST_AUTO_TEST_CASE(finds_a_source_among_twenty_thousand_prefixes) {
  std::vector<std::string> sources;
  for (int i = 0; i < 20000; i += 2)
    sources.push_back("100.64." + std::to_string(i / 256 + 1) + "." + std::to_string(i % 256) + "/32");
  for (int i = 0; i < 10000; ++i) sources.push_back("fd7a:115c:a1e0::" + std::to_string(1000 + i) + ":0/112");
  PacketFilter f;
  f.set_rules({rule(sources, kProtoTcp, 443, 443)});
  BOOST_TEST(accepts(f, tcp_in("100.64.1.0", 1, 443, kTcpSyn)));
  BOOST_TEST(accepts(f, tcp_in("100.64.40.30", 1, 443, kTcpSyn)));
  BOOST_TEST(!accepts(f, tcp_in("100.64.40.31", 1, 443, kTcpSyn)));
  BOOST_TEST(!accepts(f, tcp_in("100.64.1.0", 1, 444, kTcpSyn)));
  BOOST_TEST(accepts(f, ipv6("fd7a:115c:a1e0::1000:ffff", kSelf6, kProtoTcp, tcp(1, 443, kTcpSyn))));
  BOOST_TEST(!accepts(f, ipv6("fd7a:115c:a1e0::1:1000:0", kSelf6, kProtoTcp, tcp(1, 443, kTcpSyn))));
}

BOOST_AUTO_TEST_CASE(overlapping_and_whole_internet_prefixes_merge) {
  PacketFilter f;
  f.set_rules({rule({"100.64.0.0/10", "100.64.0.2/32", "0.0.0.0/0", "::/0"}, kProtoUdp, 1, 1024),
               rule({"10.0.0.0/8", "10.1.0.0/16", "11.0.0.0/8"}, kProtoTcp)});
  BOOST_TEST(accepts(f, udp_in("8.8.8.8", 1, 53)));
  BOOST_TEST(accepts(f, udp_in("255.255.255.255", 1, 53)));
  BOOST_TEST(accepts(f, ipv6("2001:db8::1", kSelf6, kProtoUdp, udp(1, 53))));
  BOOST_TEST(accepts(f, tcp_in("10.255.255.255", 1, 80, kTcpSyn)));
  BOOST_TEST(accepts(f, tcp_in("11.0.0.0", 1, 80, kTcpSyn)));
  BOOST_TEST(!accepts(f, tcp_in("12.0.0.0", 1, 80, kTcpSyn)));
  BOOST_TEST(!accepts(f, tcp_in("9.255.255.255", 1, 80, kTcpSyn)));
}

BOOST_AUTO_TEST_CASE(ignores_rules_with_an_invalid_protocol_or_port_range) {
  PacketFilter f;
  auto bad_proto = rule({kPeer4 + "/32"}, 300);
  auto bad_ports = rule({kPeer4 + "/32"}, kProtoTcp, 30, 20);
  f.set_rules({bad_proto, bad_ports, rule({kPeer4 + "/32"}, kProtoUdp)});
  BOOST_TEST(f.stats().rules_ignored == 2u);
  BOOST_TEST(!accepts(f, tcp_in(kPeer4, 1, 25, kTcpSyn)));
  BOOST_TEST(accepts(f, udp_in(kPeer4, 1, 25)));
}

BOOST_AUTO_TEST_CASE(tcp_replies_pass_only_for_connections_this_node_opened) {
  PacketFilter f;  // no rules: only replies can pass
  BOOST_TEST((drop_of(f, tcp_in(kPeer4, 443, 40000, kTcpSyn | kTcpAck)) == DropReason::kNoFlow));
  f.note_outbound(at(0s), view(tcp_out(kPeer4, 40000, 443, kTcpSyn)));
  BOOST_TEST(f.flow_count() == 1u);
  BOOST_TEST(accepts(f, tcp_in(kPeer4, 443, 40000, kTcpSyn | kTcpAck), 1s));
  BOOST_TEST(accepts(f, tcp_in(kPeer4, 443, 40000, kTcpAck), 2s));
  // Another port, another peer, or a new connection attempt towards us: not replies.
  BOOST_TEST((drop_of(f, tcp_in(kPeer4, 443, 40001, kTcpAck), 2s) == DropReason::kNoFlow));
  BOOST_TEST((drop_of(f, tcp_in(kOther4, 443, 40000, kTcpAck), 2s) == DropReason::kNoFlow));
  BOOST_TEST((drop_of(f, tcp_in(kPeer4, 443, 22, kTcpSyn), 2s) == DropReason::kNotAllowed));
  // Only a SYN opens a flow: data towards a peer with no flow records nothing.
  f.note_outbound(at(3s), view(tcp_out(kPeer4, 40002, 443, kTcpAck)));
  BOOST_TEST(f.flow_count() == 1u);
  BOOST_TEST(f.stats().accepted_as_reply == 2u);
}

BOOST_AUTO_TEST_CASE(tcp_flows_expire_after_their_idle_timeouts) {
  const FilterLimits limits;
  PacketFilter f;
  f.note_outbound(at(0s), view(tcp_out(kPeer4, 40000, 443, kTcpSyn)));
  // Unanswered: transitory.
  BOOST_TEST(!accepts(f, tcp_in(kPeer4, 443, 40000, kTcpSyn | kTcpAck), limits.tcp_transitory_idle));
  BOOST_TEST(f.stats().flows_expired == 1u);
  BOOST_TEST(f.flow_count() == 0u);

  f.note_outbound(at(1000s), view(tcp_out(kPeer4, 40001, 443, kTcpSyn)));
  BOOST_TEST(accepts(f, tcp_in(kPeer4, 443, 40001, kTcpSyn | kTcpAck), 1001s));
  // Established: quiet for two hours (a keepalive's interval) and still there.
  const core::Duration quiet = 1001s + 2h;
  BOOST_TEST(accepts(f, tcp_in(kPeer4, 443, 40001, kTcpAck), quiet));
  BOOST_TEST(!accepts(f, tcp_in(kPeer4, 443, 40001, kTcpAck), quiet + limits.tcp_idle));
}

BOOST_AUTO_TEST_CASE(closing_tcp_flows_fall_back_to_the_transitory_timeout) {
  const FilterLimits limits;
  PacketFilter f;
  f.note_outbound(at(0s), view(tcp_out(kPeer4, 40000, 443, kTcpSyn)));
  BOOST_TEST(accepts(f, tcp_in(kPeer4, 443, 40000, kTcpSyn | kTcpAck), 1s));
  f.note_outbound(at(2s), view(tcp_out(kPeer4, 40000, 443, kTcpFin | kTcpAck)));
  BOOST_TEST(accepts(f, tcp_in(kPeer4, 443, 40000, kTcpFin | kTcpAck), 3s));
  BOOST_TEST(!accepts(f, tcp_in(kPeer4, 443, 40000, kTcpAck), 3s + limits.tcp_transitory_idle));

  f.note_outbound(at(10000s), view(tcp_out(kPeer4, 40001, 443, kTcpSyn)));
  BOOST_TEST(accepts(f, tcp_in(kPeer4, 443, 40001, kTcpSyn | kTcpAck), 10001s));
  BOOST_TEST(accepts(f, tcp_in(kPeer4, 443, 40001, kTcpRst), 10002s));
  BOOST_TEST(f.next_deadline().has_value());
  BOOST_TEST((*f.next_deadline() == 10002s + limits.tcp_transitory_idle));
}

BOOST_AUTO_TEST_CASE(answers_to_admitted_connections_stop_with_the_rule) {
  // The kernel answers a connection the rules admit; when the rule goes, so does the connection:
  // answering opened no flow (cached denies are enforced on established traffic too).
  PacketFilter f;
  f.set_rules({rule({kPeer4 + "/32"}, kProtoTcp, 22, 22), rule({kPeer4 + "/32"}, kProtoUdp, 53, 53)});
  BOOST_TEST(accepts(f, tcp_in(kPeer4, 40000, 22, kTcpSyn)));
  f.note_outbound(at(0s), view(tcp_out(kPeer4, 22, 40000, kTcpSyn | kTcpAck)));
  BOOST_TEST(accepts(f, udp_in(kPeer4, 5000, 53)));
  f.note_outbound(at(0s), view(udp_out(kPeer4, 53, 5000)));
  BOOST_TEST(f.flow_count() == 0u);
  f.set_rules({});
  BOOST_TEST((drop_of(f, tcp_in(kPeer4, 40000, 22, kTcpAck), 1s) == DropReason::kNoFlow));
  BOOST_TEST((drop_of(f, udp_in(kPeer4, 5000, 53), 1s) == DropReason::kNotAllowed));
}

BOOST_AUTO_TEST_CASE(udp_replies_pass_until_the_udp_idle_timeout) {
  const FilterLimits limits;
  PacketFilter f;
  f.note_outbound(at(0s), view(udp_out(kPeer4, 5000, 53)));
  BOOST_TEST(accepts(f, udp_in(kPeer4, 53, 5000), 1s));
  BOOST_TEST(accepts(f, udp_in(kPeer4, 53, 5000), 1s + limits.udp_idle - 1ns));
  BOOST_TEST(!accepts(f, udp_in(kPeer4, 53, 5001), 2s));
  BOOST_TEST(!accepts(f, udp_in(kPeer4, 53, 5000), 1s + 2 * limits.udp_idle));
}

BOOST_AUTO_TEST_CASE(rules_change_but_flows_stay) {
  PacketFilter f;
  f.set_rules({rule({kPeer4 + "/32"}, kProtoUdp)});
  f.note_outbound(at(0s), view(udp_out(kOther4, 5000, 53)));
  f.set_rules({});
  BOOST_TEST(f.flow_count() == 1u);
  BOOST_TEST(accepts(f, udp_in(kOther4, 53, 5000), 1s));
}

BOOST_AUTO_TEST_CASE(cleared_flows_no_longer_admit_replies) {
  PacketFilter f;
  f.note_outbound(at(0s), view(udp_out(kOther4, 5000, 53)));
  BOOST_TEST(accepts(f, udp_in(kOther4, 53, 5000), 1s));
  f.clear_flows();
  BOOST_TEST(f.flow_count() == 0u);
  BOOST_TEST(f.stats().flows_expired == 1u);
  BOOST_TEST(!accepts(f, udp_in(kOther4, 53, 5000), 2s));
}

BOOST_AUTO_TEST_CASE(echo_replies_match_the_request_id) {
  const FilterLimits limits;
  PacketFilter f;
  f.note_outbound(at(0s), view(ipv4(kSelf4, kPeer4, kProtoIcmp, icmp(8, 0, 4242))));
  f.note_outbound(at(0s), view(ipv6(kSelf6, kPeer6, kProtoIcmpV6, icmp(128, 0, 7))));
  BOOST_TEST(accepts(f, ipv4(kPeer4, kSelf4, kProtoIcmp, icmp(0, 0, 4242)), 1s));
  BOOST_TEST((drop_of(f, ipv4(kPeer4, kSelf4, kProtoIcmp, icmp(0, 0, 4243)), 1s) == DropReason::kNoFlow));
  BOOST_TEST(accepts(f, ipv6(kPeer6, kSelf6, kProtoIcmpV6, icmp(129, 0, 7)), 1s));
  // A request towards us is not a reply to ours.
  BOOST_TEST((drop_of(f, ipv4(kPeer4, kSelf4, kProtoIcmp, icmp(8, 0, 4242)), 1s) == DropReason::kNotAllowed));
  BOOST_TEST(!accepts(f, ipv4(kPeer4, kSelf4, kProtoIcmp, icmp(0, 0, 4242)), 1s + limits.other_idle));
}

BOOST_AUTO_TEST_CASE(icmp_errors_pass_when_they_quote_a_packet_of_ours) {
  PacketFilter f;
  const Bytes syn = tcp_out(kPeer4, 40000, 443, kTcpSyn);
  f.note_outbound(at(0s), view(syn));
  BOOST_TEST(accepts(f, ipv4(kPeer4, kSelf4, kProtoIcmp, icmp_error(3, syn, 20)), 1s));
  // Quoting a packet we never sent, or one sent by another host.
  const Bytes other = tcp_out(kPeer4, 40001, 443, kTcpSyn);
  BOOST_TEST((drop_of(f, ipv4(kPeer4, kSelf4, kProtoIcmp, icmp_error(3, other, 20)), 1s) == DropReason::kNoFlow));
  const Bytes foreign = ipv4(kOther4, kPeer4, kProtoTcp, tcp(40000, 443, kTcpSyn));
  BOOST_TEST((drop_of(f, ipv4(kPeer4, kSelf4, kProtoIcmp, icmp_error(11, foreign, 20)), 1s) == DropReason::kNoFlow));
  // A quote cut inside its IP header.
  Bytes cut = ipv4(kPeer4, kSelf4, kProtoIcmp, icmp_error(3, syn, 20));
  cut.resize(cut.size() - 10);
  cut[3] = static_cast<uint8_t>(cut.size());
  BOOST_TEST((drop_of(f, cut, 1s) == DropReason::kMalformed));
  // IPv6: packet too big about a UDP flow of ours.
  const Bytes dgram = ipv6(kSelf6, kPeer6, kProtoUdp, udp(5000, 53, 1400));
  f.note_outbound(at(0s), view(dgram));
  BOOST_TEST(accepts(f, ipv6(kPeer6, kSelf6, kProtoIcmpV6, icmp_error(2, dgram, 40)), 1s));
}

BOOST_AUTO_TEST_CASE(icmp_errors_about_answers_to_admitted_traffic_pass) {
  // Path MTU discovery for a connection the rules admitted: "fragmentation needed" quoting our SYN+ACK.
  PacketFilter f;
  f.set_rules({rule({kPeer4 + "/32"}, kProtoTcp, 22, 22)});
  const Bytes synack = tcp_out(kPeer4, 22, 40000, kTcpSyn | kTcpAck);
  f.note_outbound(at(0s), view(synack));
  BOOST_TEST(accepts(f, ipv4(kPeer4, kSelf4, kProtoIcmp, icmp_error(3, synack, 20)), 1s));
  const Bytes from_23 = tcp_out(kPeer4, 23, 40000, kTcpSyn | kTcpAck);
  BOOST_TEST(!accepts(f, ipv4(kPeer4, kSelf4, kProtoIcmp, icmp_error(3, from_23, 20)), 1s));
}

BOOST_AUTO_TEST_CASE(the_flow_table_is_bounded_and_evicts_the_least_recently_used) {
  FilterLimits limits;
  limits.max_flows = 4;
  PacketFilter f(limits);
  for (uint16_t port = 1; port <= 4; ++port)
    f.note_outbound(at(std::chrono::seconds(port)), view(udp_out(kPeer4, port, 53)));
  // Port 1's flow is used again, so port 2's is now the oldest.
  BOOST_TEST(accepts(f, udp_in(kPeer4, 53, 1), 5s));
  f.note_outbound(at(6s), view(udp_out(kPeer4, 5, 53)));
  BOOST_TEST(f.flow_count() == 4u);
  BOOST_TEST(f.stats().flows_evicted == 1u);
  BOOST_TEST(!accepts(f, udp_in(kPeer4, 53, 2), 7s));
  for (uint16_t port : {1, 3, 4, 5}) BOOST_TEST(accepts(f, udp_in(kPeer4, 53, port), 7s));
  // Many more flows than fit: the table holds its bound, the newest survive.
  for (uint16_t port = 100; port < 1100; ++port)
    f.note_outbound(at(8s), view(udp_out(kPeer4, port, 53)));
  BOOST_TEST(f.flow_count() == 4u);
  BOOST_TEST(f.stats().flows_evicted == 1u + 4u + 996u);
  BOOST_TEST(accepts(f, udp_in(kPeer4, 53, 1099), 9s));
  BOOST_TEST(!accepts(f, udp_in(kPeer4, 53, 1095), 9s));
}

BOOST_AUTO_TEST_CASE(expire_reclaims_idle_flows_without_traffic) {
  const FilterLimits limits;
  PacketFilter f;
  f.note_outbound(at(0s), view(udp_out(kPeer4, 1, 53)));
  f.note_outbound(at(0s), view(ipv4(kSelf4, kPeer4, kProtoIcmp, icmp(8, 0, 1))));
  BOOST_TEST((f.next_deadline() == limits.other_idle));
  f.expire(at(limits.other_idle));
  BOOST_TEST(f.flow_count() == 1u);
  f.expire(at(limits.udp_idle));
  BOOST_TEST(f.flow_count() == 0u);
  BOOST_TEST(!f.next_deadline().has_value());
  BOOST_TEST(f.stats().flows_expired == 2u);
}

BOOST_AUTO_TEST_CASE(malformed_and_truncated_packets_are_dropped_and_counted) {
  PacketFilter f;
  f.set_rules({rule({"0.0.0.0/0", "::/0"}, kAnyProtocol)});
  const Bytes good = udp_in(kPeer4, 1, 53);
  std::size_t rejected = 0;
  for (std::size_t n = 0; n < good.size(); ++n) {
    const Bytes cut(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n));
    BOOST_TEST((drop_of(f, cut) == DropReason::kMalformed));
    f.note_outbound(at(0s), view(cut));
    ++rejected;
  }
  BOOST_TEST((drop_of(f, Bytes{0x75, 1, 2, 3}) == DropReason::kMalformed));
  BOOST_TEST(f.check_inbound(at(0s), core::ByteView{nullptr, 0}).drop == DropReason::kMalformed);
  BOOST_TEST(f.stats().drops_of(DropReason::kMalformed) == rejected + 2);
  BOOST_TEST(f.stats().outbound_malformed == rejected);
  BOOST_TEST(f.flow_count() == 0u);
  BOOST_TEST(accepts(f, good));
}

BOOST_AUTO_TEST_CASE(ipv6_with_extension_headers_is_judged_by_its_transport_header) {
  PacketFilter f;
  f.set_rules({rule({kPeer6 + "/128"}, kProtoTcp, 22, 22)});
  const Bytes ok = ext(kProtoIpv6DestOptions, ext(kProtoTcp, tcp(1, 22, kTcpSyn)));
  BOOST_TEST(accepts(f, ipv6(kPeer6, kSelf6, kProtoHopByHop, ok)));
  const Bytes wrong_port = ext(kProtoTcp, tcp(1, 23, kTcpSyn));
  BOOST_TEST(!accepts(f, ipv6(kPeer6, kSelf6, kProtoHopByHop, wrong_port)));
  Bytes long_chain = ext(kProtoTcp, tcp(1, 22, kTcpSyn));
  for (std::size_t i = 0; i < kMaxExtensionHeaders; ++i) long_chain = ext(kProtoIpv6DestOptions, long_chain);
  BOOST_TEST((drop_of(f, ipv6(kPeer6, kSelf6, kProtoIpv6DestOptions, long_chain)) == DropReason::kMalformed));
}

BOOST_AUTO_TEST_CASE(first_fragments_are_filtered_and_later_ones_pass_unless_they_overlap) {
  PacketFilter f;
  f.set_rules({rule({kPeer4 + "/32", kPeer6 + "/128"}, kProtoUdp, 53, 53)});
  BOOST_TEST(accepts(f, ipv4(kPeer4, kSelf4, kProtoUdp, udp(1, 53, 100), 0x2000)));
  BOOST_TEST(!accepts(f, ipv4(kPeer4, kSelf4, kProtoUdp, udp(1, 54, 100), 0x2000)));
  BOOST_TEST(accepts(f, ipv4(kPeer4, kSelf4, kProtoUdp, Bytes(100, 0), 185)));
  // Offset 8: would rewrite the first fragment's TCP flags (RFC 1858).
  BOOST_TEST((drop_of(f, ipv4(kPeer4, kSelf4, kProtoTcp, Bytes(100, 0), 1)) == DropReason::kFragmentOverlap));
  BOOST_TEST(accepts(f, ipv6(kPeer6, kSelf6, kProtoIpv6Fragment, frag6(kProtoUdp, 0, true, udp(1, 53, 64)))));
  BOOST_TEST(!accepts(f, ipv6(kPeer6, kSelf6, kProtoIpv6Fragment, frag6(kProtoUdp, 0, true, udp(1, 54, 64)))));
  BOOST_TEST(accepts(f, ipv6(kPeer6, kSelf6, kProtoIpv6Fragment, frag6(kProtoUdp, 1232, false, Bytes(64, 0)))));
  BOOST_TEST((drop_of(f, ipv6(kPeer6, kSelf6, kProtoIpv6Fragment, frag6(kProtoUdp, 16, false, Bytes(64, 0)))) ==
              DropReason::kFragmentOverlap));
  BOOST_TEST(f.stats().accepted_fragments == 2u);
}

BOOST_AUTO_TEST_CASE(ipv6_first_fragment_with_its_ports_beyond_the_overlap_bound_is_dropped) {
  // A 72-byte destination options header after the fragment header puts the UDP header at
  // bytes 72-79 of the fragmentable part. Later fragments from offset 80 pass, so with a chain
  // a little longer one of them could rewrite the ports this first fragment is judged by
  // (RFC 1858's overlap, moved past the bound): the first fragment is refused instead.
  PacketFilter f;
  f.set_rules({rule({kPeer6 + "/128"}, kProtoUdp, 53, 53)});
  Bytes long_options{kProtoUdp, 8, 1, 68};  // 9 * 8 = 72 bytes: one PadN filling 70
  long_options.resize(72, 0);
  const Bytes u = udp(1, 53, 64);
  long_options.insert(long_options.end(), u.begin(), u.end());
  const Bytes deep = ipv6(kPeer6, kSelf6, kProtoIpv6Fragment, frag6(kProtoIpv6DestOptions, 0, true, long_options));
  BOOST_TEST((drop_of(f, deep) == DropReason::kFragmentOverlap));
  // Unfragmented, the same chain is judged as usual; a short chain in a first fragment too.
  BOOST_TEST(accepts(f, ipv6(kPeer6, kSelf6, kProtoIpv6DestOptions, long_options)));
  BOOST_TEST(accepts(f, ipv6(kPeer6, kSelf6, kProtoIpv6Fragment,
                             frag6(kProtoIpv6DestOptions, 0, true, ext(kProtoUdp, udp(1, 53, 64))))));
  // IPv4 first fragments carry the transport header at offset 0, whatever their options.
  Bytes v4 = ipv4(kPeer4, kSelf4, kProtoUdp, udp(1, 53, 100), 0x2000);
  f.set_rules({rule({kPeer4 + "/32"}, kProtoUdp, 53, 53)});
  BOOST_TEST(accepts(f, v4));
}

BOOST_AUTO_TEST_CASE(the_hot_path_does_not_allocate) {
  std::vector<std::string> sources;
  for (int i = 0; i < 2000; ++i) sources.push_back("10." + std::to_string(i / 256) + "." + std::to_string(i % 256) + ".0/24");
  PacketFilter f;
  f.set_rules({rule(sources, kProtoTcp, 22, 22), rule({kPeer4 + "/32"}, kAnyProtocol)});
  const std::vector<Bytes> packets = {
      tcp_in("10.3.7.9", 1, 22, kTcpSyn), tcp_in(kOther4, 1, 22, kTcpSyn), udp_in(kOther4, 53, 5000),
      tcp_out(kOther4, 40000, 443, kTcpSyn), udp_out(kOther4, 5000, 53), Bytes{0x45, 0},
      ipv4(kPeer4, kSelf4, kProtoIcmp, icmp_error(3, udp_out(kOther4, 5000, 53), 20)),
  };
  g_allocations = 0;
  g_count_allocations = true;
  for (int round = 0; round < 3; ++round)
    for (const Bytes& b : packets) {
      f.note_outbound(at(std::chrono::seconds(round)), view(b));
      (void)f.check_inbound(at(std::chrono::seconds(round)), view(b));
    }
  f.expire(at(1h));
  g_count_allocations = false;
  BOOST_TEST(g_allocations.load() == 0u);
  // The counter counts: set_rules() builds its index.
  g_count_allocations = true;
  f.set_rules({rule({kPeer4 + "/32"}, kProtoUdp)});
  g_count_allocations = false;
  BOOST_TEST(g_allocations.load() > 0u);
}

BOOST_AUTO_TEST_SUITE_END()
