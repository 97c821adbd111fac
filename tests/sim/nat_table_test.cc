// Tests of the RFC 4787 NAT table (sim/nat-table.h): mapping and filtering behaviours, timeouts,
// port preservation, hairpinning and the UDP firewall, driven with a hand-set clock.
#define BOOST_TEST_MODULE sim_nat_table
#include <boost/test/unit_test.hpp>

#include <ostream>

#include "nat-table.h"

namespace weft::sim {
std::ostream& operator<<(std::ostream& os, NatBehavior b) { return os << nat_behavior_name(b); }
std::ostream& operator<<(std::ostream& os, NatDrop d) { return os << static_cast<int>(d); }
}  // namespace weft::sim

using namespace weft::sim;
using std::chrono::seconds;

namespace {

constexpr uint32_t kExternal = 0xC6120002;  // 198.18.0.2
constexpr uint32_t kHostA = 0x0A000002;     // 10.0.0.2
constexpr uint32_t kHostB = 0x0A000006;     // 10.0.0.6
constexpr uint32_t kServer1 = 0xC6120102;   // 198.18.1.2
constexpr uint32_t kServer2 = 0xC6120202;   // 198.18.2.2
constexpr auto kUdp = NatProtocol::kUdp;
constexpr auto kTcp = NatProtocol::kTcp;

NatConfig config(NatBehavior mapping, NatBehavior filtering) {
  NatConfig c;
  c.mapping = mapping;
  c.filtering = filtering;
  return c;
}

uint16_t out_port(NatTable& t, weft::core::Duration now, NatEndpoint from, NatEndpoint to,
                  NatProtocol p = kUdp) {
  const NatVerdict v = t.Outbound(now, p, from, to);
  BOOST_REQUIRE(v.endpoint);
  BOOST_TEST(v.endpoint->address == kExternal);
  return v.endpoint->port;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(nat_table)

BOOST_AUTO_TEST_CASE(endpoint_independent_mapping_keeps_one_port_for_every_destination) {
  NatTable t(NatConfig{}, kExternal);
  const NatEndpoint a{kHostA, 41641};
  BOOST_TEST(out_port(t, seconds(0), a, {kServer1, 3478}) == 41641);  // preserved
  BOOST_TEST(out_port(t, seconds(1), a, {kServer1, 41641}) == 41641);
  BOOST_TEST(out_port(t, seconds(2), a, {kServer2, 80}) == 41641);
  BOOST_TEST(t.MappingCount(seconds(2)) == 1u);
}

BOOST_AUTO_TEST_CASE(address_and_port_dependent_mapping_gives_each_destination_its_own_port) {
  NatConfig c = *nat_preset("hard");
  NatTable t(c, kExternal);
  const NatEndpoint a{kHostA, 41641};
  const uint16_t p1 = out_port(t, seconds(0), a, {kServer1, 3478});
  const uint16_t p2 = out_port(t, seconds(0), a, {kServer1, 41641});
  const uint16_t p3 = out_port(t, seconds(0), a, {kServer2, 3478});
  BOOST_TEST(p1 == NatTable::kFirstDynamicPort);  // no preservation: the counter
  BOOST_TEST(p2 == p1 + 1);
  BOOST_TEST(p3 == p1 + 2);
  BOOST_TEST(out_port(t, seconds(1), a, {kServer1, 3478}) == p1);  // the same flow, refreshed
  BOOST_TEST(t.MappingCount(seconds(1)) == 3u);
}

BOOST_AUTO_TEST_CASE(address_dependent_mapping_shares_a_port_per_remote_address) {
  NatTable t(config(NatBehavior::kAddressDependent, NatBehavior::kAddressDependent), kExternal);
  const NatEndpoint a{kHostA, 41641};
  const uint16_t p1 = out_port(t, seconds(0), a, {kServer1, 3478});
  BOOST_TEST(out_port(t, seconds(0), a, {kServer1, 9999}) == p1);
  const uint16_t p2 = out_port(t, seconds(0), a, {kServer2, 3478});
  BOOST_TEST(p2 != p1);
  BOOST_TEST(p1 == 41641);  // the first one keeps the port (preservation on)
}

BOOST_AUTO_TEST_CASE(port_preservation_falls_back_when_another_host_holds_the_port) {
  NatTable t(NatConfig{}, kExternal);
  BOOST_TEST(out_port(t, seconds(0), {kHostA, 41641}, {kServer1, 3478}) == 41641);
  BOOST_TEST(out_port(t, seconds(0), {kHostB, 41641}, {kServer1, 3478}) ==
             NatTable::kFirstDynamicPort);
  // The UDP and TCP port spaces are separate.
  BOOST_TEST(out_port(t, seconds(0), {kHostB, 41641}, {kServer1, 443}, kTcp) == 41641);
}

BOOST_AUTO_TEST_CASE(endpoint_independent_filtering_admits_anyone_once_mapped) {
  NatTable t(config(NatBehavior::kEndpointIndependent, NatBehavior::kEndpointIndependent),
             kExternal);
  BOOST_TEST(t.Inbound(seconds(0), kUdp, {kServer2, 5}, 41641).drop == NatDrop::kNoMapping);
  out_port(t, seconds(0), {kHostA, 41641}, {kServer1, 3478});
  const NatVerdict v = t.Inbound(seconds(1), kUdp, {kServer2, 5}, 41641);
  BOOST_REQUIRE(v.endpoint);
  BOOST_TEST(v.endpoint->address == kHostA);
  BOOST_TEST(v.endpoint->port == 41641);
  BOOST_TEST(t.Stats().inbound == 1u);
  BOOST_TEST(t.Stats().Drops(NatDrop::kNoMapping) == 1u);
}

BOOST_AUTO_TEST_CASE(address_dependent_filtering_admits_any_port_of_a_contacted_address) {
  NatTable t(config(NatBehavior::kEndpointIndependent, NatBehavior::kAddressDependent), kExternal);
  out_port(t, seconds(0), {kHostA, 41641}, {kServer1, 3478});
  BOOST_TEST(t.Inbound(seconds(1), kUdp, {kServer1, 41641}, 41641).endpoint.has_value());
  BOOST_TEST(t.Inbound(seconds(1), kUdp, {kServer2, 3478}, 41641).drop == NatDrop::kFiltered);
}

BOOST_AUTO_TEST_CASE(address_and_port_dependent_filtering_admits_only_the_contacted_endpoint) {
  NatTable t(NatConfig{}, kExternal);
  out_port(t, seconds(0), {kHostA, 41641}, {kServer1, 3478});
  BOOST_TEST(t.Inbound(seconds(1), kUdp, {kServer1, 3478}, 41641).endpoint.has_value());
  BOOST_TEST(t.Inbound(seconds(1), kUdp, {kServer1, 41641}, 41641).drop == NatDrop::kFiltered);
  // The inside sends to that endpoint: now it may answer (the hole punch).
  out_port(t, seconds(2), {kHostA, 41641}, {kServer1, 41641});
  BOOST_TEST(t.Inbound(seconds(2), kUdp, {kServer1, 41641}, 41641).endpoint.has_value());
  BOOST_TEST(t.Stats().Drops(NatDrop::kFiltered) == 1u);
}

BOOST_AUTO_TEST_CASE(udp_mapping_expires_without_outbound_traffic_and_inbound_does_not_refresh) {
  NatConfig c;
  c.mapping_timeout = seconds(30);
  NatTable t(c, kExternal);
  const NatEndpoint a{kHostA, 41641}, s{kServer1, 3478};
  out_port(t, seconds(0), a, s);
  BOOST_TEST(t.Inbound(seconds(29), kUdp, s, 41641).endpoint.has_value());
  BOOST_TEST(t.Inbound(seconds(30), kUdp, s, 41641).drop == NatDrop::kNoMapping);
  BOOST_TEST(t.Stats().mappings_expired == 1u);
  // Outbound traffic keeps it alive.
  out_port(t, seconds(100), a, s);
  out_port(t, seconds(125), a, s);
  BOOST_TEST(t.Inbound(seconds(150), kUdp, s, 41641).endpoint.has_value());
  BOOST_TEST(t.MappingCount(seconds(155)) == 0u);
}

BOOST_AUTO_TEST_CASE(expired_mapping_frees_its_port_for_the_next_host) {
  NatTable t(NatConfig{}, kExternal);
  out_port(t, seconds(0), {kHostA, 41641}, {kServer1, 3478});
  BOOST_TEST(out_port(t, seconds(31), {kHostB, 41641}, {kServer1, 3478}) == 41641);
  BOOST_TEST(t.Inbound(seconds(31), kUdp, {kServer1, 3478}, 41641).endpoint->address == kHostB);
}

BOOST_AUTO_TEST_CASE(tcp_mappings_outlive_the_udp_timeout) {
  NatTable t(NatConfig{}, kExternal);
  const uint16_t p = out_port(t, seconds(0), {kHostA, 50000}, {kServer1, 443}, kTcp);
  BOOST_TEST(t.Inbound(seconds(3600), kTcp, {kServer1, 443}, p).endpoint.has_value());
  BOOST_TEST(t.Inbound(seconds(3600), kUdp, {kServer1, 443}, p).drop == NatDrop::kNoMapping);
}

BOOST_AUTO_TEST_CASE(a_sweep_forgets_exactly_the_mappings_not_refreshed_within_their_timeout) {
  // Mappings refreshed out of creation order, both protocols: each goes when its own last
  // outbound packet is a timeout old, whatever the others do.
  NatConfig c =
      config(NatBehavior::kAddressAndPortDependent, NatBehavior::kAddressAndPortDependent);
  c.mapping_timeout = seconds(30);
  NatTable t(c, kExternal);
  const NatEndpoint a{kHostA, 41641};
  const NatEndpoint s1{kServer1, 3478}, s2{kServer2, 3478}, s3{kServer1, 4000};
  out_port(t, seconds(0), a, s1);
  out_port(t, seconds(1), a, s2);
  out_port(t, seconds(2), a, s3);
  out_port(t, seconds(3), {kHostA, 50000}, {kServer1, 443}, kTcp);
  out_port(t, seconds(20), a, s1);  // s1 is now the most recently refreshed
  BOOST_TEST(t.MappingCount(seconds(30)) == 4u);
  BOOST_TEST(t.MappingCount(seconds(31)) == 3u);  // s2 (1 s + 30 s)
  BOOST_TEST(t.MappingCount(seconds(32)) == 2u);  // s3
  BOOST_TEST(t.MappingCount(seconds(49)) == 2u);  // s1 until 50 s, TCP for two hours
  BOOST_TEST(t.MappingCount(seconds(50)) == 1u);
  BOOST_TEST(t.Stats().mappings_expired == 3u);
  BOOST_TEST(t.MappingCount(seconds(3 + 7439)) == 1u);
  BOOST_TEST(t.MappingCount(seconds(3 + 7440)) == 0u);
  // A mapping made again after its expiry is swept by its new time, not the old one.
  out_port(t, seconds(8000), a, s2);
  BOOST_TEST(t.MappingCount(seconds(8029)) == 1u);
  BOOST_TEST(t.MappingCount(seconds(8030)) == 0u);
  BOOST_TEST(t.Stats().mappings_created == 5u);
  BOOST_TEST(t.Stats().mappings_expired == 5u);
}

BOOST_AUTO_TEST_CASE(hairpinning_reaches_a_neighbour_through_the_external_address) {
  NatConfig c;
  c.filtering = NatBehavior::kEndpointIndependent;
  c.hairpinning = true;
  NatTable t(c, kExternal);
  out_port(t, seconds(0), {kHostB, 41641}, {kServer1, 3478});  // b's mapping: 41641
  const auto h = t.Hairpinned(seconds(1), kUdp, {kHostA, 5000}, 41641);
  BOOST_REQUIRE(h);
  BOOST_TEST(h->target.address == kHostB);
  BOOST_TEST(h->translated_source.address == kExternal);  // b sees a's mapping, not 10.0.0.2
  BOOST_TEST(h->translated_source.port == 5000);
}

BOOST_AUTO_TEST_CASE(without_hairpinning_the_external_address_is_unreachable_from_inside) {
  NatTable t(NatConfig{}, kExternal);
  out_port(t, seconds(0), {kHostB, 41641}, {kServer1, 3478});
  BOOST_TEST(!t.Hairpinned(seconds(1), kUdp, {kHostA, 5000}, 41641));
  BOOST_TEST(t.Stats().Drops(NatDrop::kHairpinRefused) == 1u);
}

BOOST_AUTO_TEST_CASE(firewall_blocks_udp_both_ways_and_passes_tcp) {
  NatTable t(*nat_preset("firewall"), kExternal);
  BOOST_TEST(t.Outbound(seconds(0), kUdp, {kHostA, 41641}, {kServer1, 3478}).drop ==
             NatDrop::kUdpBlocked);
  BOOST_TEST(t.Inbound(seconds(0), kUdp, {kServer1, 3478}, 41641).drop == NatDrop::kUdpBlocked);
  BOOST_TEST(out_port(t, seconds(0), {kHostA, 50000}, {kServer1, 443}, kTcp) == 50000);
  BOOST_TEST(t.Stats().Drops(NatDrop::kUdpBlocked) == 2u);
}

BOOST_AUTO_TEST_CASE(ports_run_out_when_every_dynamic_port_is_held) {
  NatTable t(*nat_preset("hard"), kExternal);
  const uint32_t ports = NatTable::kLastDynamicPort - NatTable::kFirstDynamicPort + 1;
  for (uint32_t i = 0; i < ports; ++i) {
    out_port(t, seconds(0), {kHostA, 41641}, {kServer1, static_cast<uint16_t>(i + 1)});
  }
  BOOST_TEST(t.Outbound(seconds(1), kUdp, {kHostA, 41641}, {kServer2, 1}).drop ==
             NatDrop::kPortsExhausted);
  // Thirty seconds later they have expired and are handed out again.
  BOOST_TEST(t.Outbound(seconds(31), kUdp, {kHostA, 41641}, {kServer2, 1}).endpoint.has_value());
}

BOOST_AUTO_TEST_CASE(names_and_presets) {
  BOOST_TEST(*nat_behavior_from_name("address-dependent") == NatBehavior::kAddressDependent);
  BOOST_TEST(!nat_behavior_from_name("symmetric"));
  BOOST_TEST(nat_behavior_name(NatBehavior::kAddressAndPortDependent) ==
             "address-and-port-dependent");
  const NatConfig easy = *nat_preset("easy");
  BOOST_TEST(easy.mapping == NatBehavior::kEndpointIndependent);
  BOOST_TEST(!easy.block_udp);
  const NatConfig hard = *nat_preset("hard");
  BOOST_TEST(hard.mapping == NatBehavior::kAddressAndPortDependent);
  BOOST_TEST(!hard.port_preservation);
  BOOST_TEST(!nat_preset("cone"));
}

BOOST_AUTO_TEST_SUITE_END()
