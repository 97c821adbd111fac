// Engine::ping against the unchanged coordinator core (tests/engine/harness.h), policy a -> b and
// b -> c: a's echo request reaches b, the reply b's kernel would send comes back as kPingReply
// and not to a's TUN; a has no peer c; c's request dies in b's filter and is counted there.
#define BOOST_TEST_MODULE engine_ping
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <optional>
#include <string>

#include "engine/harness.h"
#include "engine/ping.h"
#include "filter/packet.h"

using namespace weft;
using namespace weft::engine;
using namespace weft::engine::test;
using namespace std::chrono_literals;

namespace {

struct ThreeNodes : TwoHops {
  /// What `n`'s kernel does with the echo requests it was handed: answers each through the
  /// tunnel. Returns how many it answered.
  std::size_t kernel_answers(Node& n) {
    std::vector<std::vector<uint8_t>> replies;
    for (const auto& p : n.delivered) {
      filter::PacketInfo info;
      if (filter::parse_packet({p.data(), p.size()}, info) != filter::ParseError::kNone ||
          !info.is_echo_request())
        continue;
      replies.push_back(echo_reply_to(p, info));
    }
    n.delivered.clear();
    for (const auto& r : replies) net.send(n, r);
    return replies.size();
  }

  /// The echo reply to `request`: addresses swapped, type 0 / 129, ICMP checksum redone.
  static std::vector<uint8_t> echo_reply_to(std::vector<uint8_t> p,
                                            const filter::PacketInfo& info) {
    const bool v4 = info.is_v4();
    const std::size_t len = v4 ? 4 : 16;
    const std::size_t src_at = v4 ? 12 : 8;
    for (std::size_t i = 0; i < len; ++i) std::swap(p[src_at + i], p[src_at + len + i]);
    uint8_t* icmp = p.data() + info.transport_offset;
    const std::size_t size = info.length - info.transport_offset;
    icmp[0] = v4 ? 0 : 129;
    icmp[2] = icmp[3] = 0;
    uint32_t sum = 0;
    auto add = [&sum](const uint8_t* d, std::size_t n) {
      for (std::size_t i = 0; i < n; i += 2)
        sum += (uint32_t{d[i]} << 8) | (i + 1 < n ? d[i + 1] : 0u);
    };
    if (!v4) {  // RFC 8200 8.1 pseudo-header: source, destination, length, next header
      add(p.data() + 8, 32);
      sum += static_cast<uint32_t>(size) + filter::kProtoIcmpV6;
    }
    add(icmp, size);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    icmp[2] = static_cast<uint8_t>(~sum >> 8);
    icmp[3] = static_cast<uint8_t>(~sum);
    return p;
  }

  /// `from` pings `to`, then its datagrams go onto the wire (as the driver drains after any
  /// call) and the wires settle.
  Status ping(Node& from, const util::IpAddress& to, uint16_t seq) {
    const Status s = from.engine->ping(net.world.now, to, seq);
    NodeSink sink{net, from};
    core::drain_transmits(*from.engine, net.world.now, sink);
    net.settle();
    return s;
  }

  std::vector<Event> ping_replies(Node& n) {
    std::vector<Event> out;
    for (const auto& e : n.events)
      if (e.kind == EventKind::kPingReply) out.push_back(e);
    return out;
  }

  std::optional<util::IpAddress> v6_of(const Node& n) {
    for (const auto& addr : n.engine->netmap()->self.addresses)
      if (!addr.is_v4()) return addr;
    return std::nullopt;
  }

};

}  // namespace

BOOST_AUTO_TEST_CASE(a_pings_b_and_the_reply_is_an_event_with_its_round_trip) {
  ThreeNodes t;
  BOOST_REQUIRE(t.ping(t.a, t.b.v4(), 1).ok());
  t.net.world.now.mono += 7ms;
  BOOST_TEST(t.kernel_answers(t.b) == 1u);
  const auto replies = t.ping_replies(t.a);
  BOOST_REQUIRE(replies.size() == 1u);
  BOOST_TEST((replies[0].ping_peer == t.b.v4()));
  BOOST_TEST(replies[0].ping_seq == 1u);
  BOOST_TEST(replies[0].ping_rtt.count() == std::chrono::nanoseconds(7ms).count());
  BOOST_TEST(t.a.delivered.empty());  // consumed, not handed to a's TUN
  BOOST_TEST(t.a.engine->stats().pings_sent == 1u);
  BOOST_TEST(t.a.engine->stats().ping_replies == 1u);

  // The second goes out on the established session at once.
  BOOST_REQUIRE(t.ping(t.a, t.b.v4(), 2).ok());
  BOOST_TEST(t.kernel_answers(t.b) == 1u);
  BOOST_TEST(t.ping_replies(t.a).size() == 2u);
  BOOST_TEST(t.ping_replies(t.a).back().ping_seq == 2u);
}

BOOST_AUTO_TEST_CASE(a_pings_b_over_ipv6) {
  ThreeNodes t;
  const auto b6 = t.v6_of(t.b);
  if (!b6) return;  // the coordinator hands out IPv4 only
  BOOST_REQUIRE(t.ping(t.a, *b6, 9).ok());
  BOOST_TEST(t.kernel_answers(t.b) == 1u);
  const auto replies = t.ping_replies(t.a);
  BOOST_REQUIRE(replies.size() == 1u);
  BOOST_TEST((replies[0].ping_peer == *b6));
  BOOST_TEST(replies[0].ping_seq == 9u);
}

BOOST_AUTO_TEST_CASE(a_cannot_ping_c_which_is_no_peer) {
  ThreeNodes t;
  const Status s = t.ping(t.a, t.c.v4(), 1);
  BOOST_REQUIRE(!s.ok());
  BOOST_TEST(s.error().code == "engine.no_peer");
  BOOST_TEST(s.error().detail.find(t.c.v4().to_string()) != std::string::npos);
  BOOST_TEST(t.a.engine->stats().pings_sent == 0u);
  BOOST_TEST(t.b.delivered.empty());
}

BOOST_AUTO_TEST_CASE(c_ping_to_b_dies_in_bs_filter_and_is_counted) {
  ThreeNodes t;
  BOOST_REQUIRE(t.c.has_peer(t.b));  // b may reach c, so c knows b
  BOOST_REQUIRE(t.ping(t.c, t.b.v4(), 1).ok());
  BOOST_TEST(t.b.filter_denied() == 1u);
  BOOST_TEST(t.kernel_answers(t.b) == 0u);  // never reached b's TUN
  BOOST_TEST(t.ping_replies(t.c).empty());  // no reply, no event: the caller times out
  BOOST_TEST(t.b.engine->status(t.net.world.now).filter.drops_of(filter::DropReason::kNotAllowed) ==
             1u);
}

BOOST_AUTO_TEST_CASE(b_pings_c_and_cs_reply_passes_bs_filter_as_a_reply) {
  ThreeNodes t;
  BOOST_REQUIRE(t.ping(t.b, t.c.v4(), 3).ok());
  BOOST_TEST(t.kernel_answers(t.c) == 1u);
  BOOST_TEST(t.ping_replies(t.b).size() == 1u);
  BOOST_TEST(t.b.filter_denied() == 0u);
}

BOOST_AUTO_TEST_CASE(replies_nobody_waits_for_go_to_the_tunnel) {
  ThreeNodes t;
  BOOST_REQUIRE(t.ping(t.a, t.b.v4(), 1).ok());
  // b's kernel answers twice (a duplicate): the second finds no request waiting.
  std::vector<uint8_t> request = t.b.delivered.at(0);
  t.b.delivered.push_back(request);
  BOOST_TEST(t.kernel_answers(t.b) == 2u);
  BOOST_TEST(t.ping_replies(t.a).size() == 1u);
  BOOST_TEST(t.a.delivered.size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_node_without_a_netmap_has_nobody_to_ping) {
  Tailnet net(kTwoHopPolicy);
  Node& a = net.add("a", net.world.key("ops@example.com", {"tag:a"}), 1);
  const auto addr = util::IpAddress::parse("100.64.0.2");
  const Status s = a.engine->ping(net.world.now, *addr, 1);
  BOOST_REQUIRE(!s.ok());
  BOOST_TEST(s.error().code == "engine.no_netmap");
}

BOOST_AUTO_TEST_CASE(echo_requests_parse_back_with_valid_checksums) {
  const auto src = *util::IpAddress::parse("100.64.0.1");
  const auto dst = *util::IpAddress::parse("100.64.0.2");
  const auto req = echo_request(src, dst, 0x1234, 7);
  filter::PacketInfo info;
  BOOST_REQUIRE(filter::parse_packet({req.data(), req.size()}, info) == filter::ParseError::kNone);
  BOOST_TEST(info.is_echo_request());
  BOOST_TEST(info.icmp_id == 0x1234u);
  const auto reply = ThreeNodes::echo_reply_to(req, info);
  const auto parsed = parse_echo_reply({reply.data(), reply.size()});
  BOOST_REQUIRE(parsed.has_value());
  BOOST_TEST((parsed->from == dst));
  BOOST_TEST(parsed->seq == 7u);
  auto damaged = reply;
  damaged.back() ^= 1;
  BOOST_TEST(!parse_echo_reply({damaged.data(), damaged.size()}).has_value());

  const auto src6 = *util::IpAddress::parse("fd7a:115c:a1e0::1");
  const auto dst6 = *util::IpAddress::parse("fd7a:115c:a1e0::2");
  const auto req6 = echo_request(src6, dst6, 0x4321, 8);
  BOOST_REQUIRE(filter::parse_packet({req6.data(), req6.size()}, info) == filter::ParseError::kNone);
  BOOST_TEST(info.is_echo_request());
  const auto reply6 = ThreeNodes::echo_reply_to(req6, info);
  const auto parsed6 = parse_echo_reply({reply6.data(), reply6.size()});
  BOOST_REQUIRE(parsed6.has_value());
  BOOST_TEST(parsed6->id == 0x4321u);
  BOOST_TEST(parsed6->seq == 8u);
}

BOOST_AUTO_TEST_CASE(the_tracker_forgets_the_oldest_beyond_its_bound) {
  PingTracker t;
  const auto peer = *util::IpAddress::parse("100.64.0.2");
  for (uint16_t seq = 0; seq < kMaxPingsOutstanding + 1; ++seq) t.sent(peer, seq, core::Duration{seq});
  BOOST_TEST(t.outstanding() == kMaxPingsOutstanding);
  BOOST_TEST(!t.answered(peer, 0, core::Duration{100}).has_value());
  BOOST_TEST(t.answered(peer, 1, core::Duration{100}).has_value());
  BOOST_TEST(!t.answered(peer, 1, core::Duration{100}).has_value());  // answered once
}
