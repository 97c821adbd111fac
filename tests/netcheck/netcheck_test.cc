// The netcheck core against in-memory STUN servers behind a modelled NAT: what it reports,
// when it is done, and what it does with stray datagrams.
#define BOOST_TEST_MODULE netcheck
#include <boost/test/unit_test.hpp>

#include <vector>

#include "netcheck/harness.h"

using namespace weft;
using namespace weft::netcheck;
using namespace weft::netcheck::test;
using std::chrono::milliseconds;

namespace {

std::vector<control::RelayRegion> two_regions() {
  return {region(1, "fra", {stun_node("fra1", "192.0.2.1")}),
          region(2, "nyc", {stun_node("nyc1", "198.51.100.1")})};
}

// Sends the check's first request and returns its transaction id.
stun::TransactionId send_first(Netcheck& check, core::Now now) {
  std::vector<uint8_t> req(stun::kMaxEncodedSize);
  const Output o = check.poll_transmit(now, core::MutableBytes{req.data(), req.size()});
  BOOST_REQUIRE((o.action == Action::kSendDatagram));
  stun::Message m;
  BOOST_REQUIRE(stun::decode(core::ByteView{req.data(), o.size}, m) == stun::DecodeError::kNone);
  BOOST_TEST((m.message_class == stun::MessageClass::kRequest));
  return m.transaction_id;
}

// A success response to `id` telling 203.0.113.1:9.
std::vector<uint8_t> success_for(const stun::TransactionId& id) {
  std::vector<uint8_t> resp(stun::kMaxEncodedSize);
  resp.resize(stun::encode_binding_success(id, sa("203.0.113.1:9"),
                                           core::MutableBytes{resp.data(), resp.size()}));
  return resp;
}

core::ByteView view(const std::vector<uint8_t>& v) { return core::ByteView{v.data(), v.size()}; }

}  // namespace

BOOST_AUTO_TEST_SUITE(netcheck)

BOOST_AUTO_TEST_CASE(reports_udp_public_address_and_region_latencies) {
  World w;
  w.add("192.0.2.1:3478", 30);
  w.add("198.51.100.1:3478", 10);
  Netcheck check(two_regions(), w.now, w.random);
  const Report r = w.run(check);
  BOOST_TEST(check.done());
  BOOST_TEST(r.udp);
  BOOST_TEST(r.ipv4);
  BOOST_TEST(!r.ipv6);
  BOOST_TEST(r.global_v4->to_string() == "203.0.113.10:41000");
  BOOST_TEST(!r.global_v6.has_value());
  BOOST_REQUIRE(r.mapping_varies_by_dest_ip.has_value());
  BOOST_TEST(*r.mapping_varies_by_dest_ip == false);
  BOOST_REQUIRE(r.region_latencies.size() == 2u);
  BOOST_TEST(r.region_latencies[0].region == 2);
  BOOST_TEST((r.region_latencies[0].latency == milliseconds(10)));
  BOOST_TEST((r.region_latencies[1].latency == milliseconds(30)));
  BOOST_TEST(r.preferred_region == 2);
  BOOST_TEST((*r.latency_of(1) == milliseconds(30)));
}

BOOST_AUTO_TEST_CASE(is_done_when_every_server_answered_without_sending_the_other_tries) {
  World w;
  w.add("192.0.2.1:3478", 30);
  w.add("198.51.100.1:3478", 10);
  Netcheck check(two_regions(), w.now, w.random);
  BOOST_TEST(check.planned_probes() == 6u);
  w.run(check);
  BOOST_TEST((w.elapsed() == milliseconds(30)));
  BOOST_TEST(check.stats().requests_sent == 2u);  // the 100 ms tries were not needed
  BOOST_TEST(check.stats().answers == 2u);
  BOOST_TEST(!check.next_deadline().has_value());
}

BOOST_AUTO_TEST_CASE(per_destination_mapping_varies_by_dest_ip) {
  World w;
  w.add("192.0.2.1:3478", 5);
  w.add("198.51.100.1:3478", 5);
  w.mapping = Mapping::kPerDestination;
  Netcheck check(two_regions(), w.now, w.random);
  const Report r = w.run(check);
  BOOST_REQUIRE(r.mapping_varies_by_dest_ip.has_value());
  BOOST_TEST(*r.mapping_varies_by_dest_ip == true);
  BOOST_TEST(r.global_v4->address.to_string() == "203.0.113.10");
}

BOOST_AUTO_TEST_CASE(mapping_behaviour_is_unknown_with_one_server) {
  World w;
  w.add("192.0.2.1:3478", 5);
  Netcheck check({region(1, "fra", {stun_node("fra1", "192.0.2.1")})}, w.now, w.random);
  const Report r = w.run(check);
  BOOST_TEST(r.udp);
  BOOST_TEST(!r.mapping_varies_by_dest_ip.has_value());
}

BOOST_AUTO_TEST_CASE(two_servers_of_one_region_tell_the_mapping_behaviour) {
  World w;
  w.add("192.0.2.1:3478", 5);
  w.add("192.0.2.2:3478", 7);
  w.mapping = Mapping::kPerDestination;
  Netcheck check({region(1, "fra", {stun_node("fra1", "192.0.2.1"), stun_node("fra2", "192.0.2.2")})},
                 w.now, w.random);
  const Report r = w.run(check);
  BOOST_TEST(r.mapping_varies_by_dest_ip.value_or(false) == true);
  BOOST_TEST((r.region_latencies.at(0).latency == milliseconds(5)));
  BOOST_TEST((w.sent_to == std::vector<core::SocketAddress>{sa("192.0.2.1:3478"), sa("192.0.2.2:3478")}));
}

BOOST_AUTO_TEST_CASE(finds_no_udp_when_nothing_answers_and_gives_up_after_the_last_timeout) {
  World w;
  w.servers[sa("192.0.2.1:3478")].blocked = true;
  w.servers[sa("198.51.100.1:3478")].blocked = true;
  Netcheck check(two_regions(), w.now, w.random);
  const Report r = w.run(check);
  BOOST_TEST(check.done());
  BOOST_TEST(!r.udp);
  BOOST_TEST(!r.global_v4.has_value());
  BOOST_TEST(!r.mapping_varies_by_dest_ip.has_value());
  BOOST_TEST(r.region_latencies.empty());
  BOOST_TEST(r.preferred_region == 0);
  BOOST_TEST(check.stats().requests_sent == 6u);
  BOOST_TEST((w.elapsed() == milliseconds(1200)));  // third try at 200 ms + 1 s timeout
}

BOOST_AUTO_TEST_CASE(a_lost_first_try_is_made_up_by_the_next_one) {
  World w;
  w.add("192.0.2.1:3478", 20);
  w.servers[sa("192.0.2.1:3478")].lose_first = 1;
  Netcheck check({region(1, "fra", {stun_node("fra1", "192.0.2.1")})}, w.now, w.random);
  const Report r = w.run(check);
  BOOST_TEST(r.udp);
  BOOST_TEST((r.region_latencies.at(0).latency == milliseconds(20)));  // timed from the retry
  BOOST_TEST((w.elapsed() == milliseconds(120)));
  BOOST_TEST(check.stats().requests_sent == 2u);
}

BOOST_AUTO_TEST_CASE(ends_when_the_budget_is_spent) {
  World w;
  w.servers[sa("192.0.2.1:3478")].blocked = true;
  Options o;
  o.probe_timeout = std::chrono::seconds(30);
  o.budget = std::chrono::seconds(5);
  Netcheck check({region(1, "fra", {stun_node("fra1", "192.0.2.1")})}, w.now, w.random, o);
  w.run(check);
  BOOST_TEST(check.done());
  BOOST_TEST((w.elapsed() == std::chrono::seconds(5)));
}

BOOST_AUTO_TEST_CASE(probes_ipv6_literals_and_skips_nodes_without_stun_or_an_address) {
  World w;
  w.add("[2001:db8::1]:3478", 4);
  w.add("192.0.2.1:3478", 6);
  std::vector<control::RelayRegion> map = {
      region(1, "fra", {stun_node("fra1", "192.0.2.1", "2001:db8::1")}),
      region(2, "nostun", {stun_node("x1", "192.0.2.9", nullptr, 0)}),
      region(3, "v6only", {stun_node("y1", nullptr, "2001:db8::2")})};
  w.servers[sa("[2001:db8::2]:3478")].blocked = true;
  Netcheck check(map, w.now, w.random);
  BOOST_TEST(check.planned_probes() == 9u);  // fra v4 + fra v6 + v6only v6; nostun none
  const Report r = w.run(check);
  BOOST_TEST(r.ipv4);
  BOOST_TEST(r.ipv6);
  BOOST_TEST(r.global_v6->to_string() == "[2001:db8:ff::10]:41000");
  BOOST_REQUIRE(r.region_latencies.size() == 1u);
  BOOST_TEST((*r.region_latencies[0].v6 == milliseconds(4)));
  BOOST_TEST((*r.region_latencies[0].v4 == milliseconds(6)));
  BOOST_TEST((r.region_latencies[0].latency == milliseconds(4)));
  for (const auto& to : w.sent_to) BOOST_TEST(to.address.to_string() != "192.0.2.9");
}

BOOST_AUTO_TEST_CASE(probes_a_host_that_is_a_literal_address) {
  World w;
  w.add("[2001:db8::3]:3478", 8);
  control::RelayNode n = stun_node("z1", nullptr, nullptr);
  n.host = "2001:db8::3";
  control::RelayNode named = stun_node("z2", nullptr, nullptr);
  named.host = "relay.example.com";
  Netcheck check({region(1, "z", {n, named})}, w.now, w.random);
  const Report r = w.run(check);
  BOOST_TEST(r.ipv6);
  BOOST_TEST((w.sent_to == std::vector<core::SocketAddress>{sa("[2001:db8::3]:3478")}));
}

BOOST_AUTO_TEST_CASE(an_empty_map_is_done_at_once) {
  core::SeededRandom random(1);
  Netcheck check({}, core::Now{}, random);
  BOOST_TEST(check.done());
  BOOST_TEST(!check.next_deadline().has_value());
  BOOST_TEST(!check.report().udp);
}

BOOST_AUTO_TEST_CASE(leaves_non_stun_datagrams_to_others_and_counts_stray_stun) {
  core::SeededRandom random(1);
  core::Now now{};
  Netcheck check(two_regions(), now, random);
  const uint8_t wireguard[32] = {4, 0, 0, 0};
  const Received r = check.receive_datagram(now, sa("192.0.2.1:3478"), core::ByteView{wireguard, 32});
  BOOST_TEST(!r.consumed);
  BOOST_TEST((r.drop == DropReason::kNotStun));

  std::vector<uint8_t> buf(stun::kMaxEncodedSize);
  stun::TransactionId other{};
  other[0] = 0x55;
  const std::size_t n = stun::encode_binding_success(other, sa("203.0.113.1:1"),
                                                     core::MutableBytes{buf.data(), buf.size()});
  const Received s = check.receive_datagram(now, sa("192.0.2.1:3478"), core::ByteView{buf.data(), n});
  BOOST_TEST(s.consumed);
  BOOST_TEST((s.drop == DropReason::kUnknownTransaction));
  BOOST_TEST(check.stats().drops_of(DropReason::kUnknownTransaction) == 1u);
}

BOOST_AUTO_TEST_CASE(leaves_a_wireguard_message_whose_index_holds_the_magic_cookie_to_others) {
  // A WireGuard data message's receiver index is random: 0x42a41221 puts the STUN magic cookie
  // where STUN has it. Its length field (bytes 2-3, zero) does not match its size, so it is no
  // STUN message (the data path's demux says the same) and WireGuard must still get it.
  core::SeededRandom random(1);
  core::Now now{};
  Netcheck check(two_regions(), now, random);
  const uint8_t wireguard[32] = {4, 0, 0, 0, 0x21, 0x12, 0xa4, 0x42};
  const Received r = check.receive_datagram(now, sa("192.0.2.1:3478"), core::ByteView{wireguard, 32});
  BOOST_TEST(!r.consumed);
  BOOST_TEST((r.drop == DropReason::kNotStun));
}

BOOST_AUTO_TEST_CASE(answers_are_matched_by_transaction_id_and_counted_once) {
  core::SeededRandom random(3);
  core::Now now{};
  Netcheck check({region(1, "fra", {stun_node("fra1", "192.0.2.1")})}, now, random);
  const auto resp = success_for(send_first(check, now));
  now.mono += milliseconds(3);
  // From another address of the server: still matched.
  BOOST_TEST((check.receive_datagram(now, sa("192.0.2.77:3478"), view(resp)).drop == DropReason::kNone));
  BOOST_TEST((check.receive_datagram(now, sa("192.0.2.1:3478"), view(resp)).drop ==
              DropReason::kDuplicate));
  BOOST_TEST(check.done());
  BOOST_TEST((check.report().region_latencies.at(0).latency == milliseconds(3)));
}

BOOST_AUTO_TEST_CASE(an_answer_after_the_timeout_is_late) {
  core::SeededRandom random(3);
  core::Now now{};
  Options opt;
  opt.tries_per_region = 1;
  Netcheck check({region(1, "fra", {stun_node("fra1", "192.0.2.1")})}, now, random, opt);
  const stun::TransactionId id = send_first(check, now);
  now.mono = *check.next_deadline();
  BOOST_TEST((now.mono == opt.probe_timeout));
  check.update_timers(now);
  BOOST_TEST(check.done());
  BOOST_TEST((check.receive_datagram(now, sa("192.0.2.1:3478"), view(success_for(id))).drop ==
              DropReason::kLate));
  BOOST_TEST(!check.report().udp);
}

BOOST_AUTO_TEST_CASE(an_error_response_ends_its_probe) {
  core::SeededRandom random(3);
  core::Now now{};
  Options opt;
  opt.tries_per_region = 1;
  Netcheck check({region(1, "fra", {stun_node("fra1", "192.0.2.1")})}, now, random, opt);
  const stun::TransactionId id = send_first(check, now);
  std::vector<uint8_t> resp(stun::kMaxEncodedSize);
  const std::size_t n = stun::encode_binding_error(id, 400, "Bad Request", nullptr, 0,
                                                   core::MutableBytes{resp.data(), resp.size()});
  BOOST_TEST((check.receive_datagram(now, sa("192.0.2.1:3478"), core::ByteView{resp.data(), n}).drop ==
              DropReason::kNotSuccess));
  BOOST_TEST(check.done());
}

BOOST_AUTO_TEST_CASE(transaction_ids_come_from_the_injected_random) {
  auto first_request = [](uint64_t seed) {
    core::SeededRandom random(seed);
    Netcheck check(two_regions(), core::Now{}, random);
    std::vector<uint8_t> req(stun::kMaxEncodedSize);
    const Output o = check.poll_transmit(core::Now{}, core::MutableBytes{req.data(), req.size()});
    req.resize(o.size);
    return req;
  };
  BOOST_TEST((first_request(1) == first_request(1)));
  BOOST_TEST((first_request(1) != first_request(2)));
}

BOOST_AUTO_TEST_SUITE_END()
