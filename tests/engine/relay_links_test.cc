// The node's relay connections (engine/relay_links.h) without a relay: which dials and closes
// it asks the driver for, redial after failures across a region's relay nodes, and which
// connections it keeps.
#define BOOST_TEST_MODULE relay_links
#include <boost/test/unit_test.hpp>

#include "core/random.h"
#include "engine/relay_links.h"

using namespace weft;
using weft::engine::RelayLinks;
using weft::engine::RelayRequest;

namespace {

control::RelayNode relay_node(const std::string& name, const char* ip) {
  control::RelayNode n;
  n.name = name;
  n.host = ip;
  n.ipv4 = util::IpAddress::parse(ip);
  n.relay_port = 443;
  return n;
}

std::vector<control::RelayRegion> two_regions() {
  return {control::RelayRegion{1, "fra", "Frankfurt",
                               {relay_node("fra1", "192.0.2.1"), relay_node("fra2", "192.0.2.2")}},
          control::RelayRegion{2, "nyc", "New York", {relay_node("nyc1", "198.51.100.1")}}};
}

struct Fixture {
  core::SeededRandom rng{3};
  RelayLinks links{core::NodePrivateKey{}, rng};
  core::Now now{};

  std::vector<RelayRequest> requests() {
    std::vector<RelayRequest> out;
    RelayRequest r;
    while (links.poll_request(r)) out.push_back(r);
    return out;
  }
  void advance(core::Duration d) {
    const core::Duration end = now.mono + d;
    while (now.mono < end) {
      now.mono += std::chrono::milliseconds(100);
      if (auto at = links.next_deadline(); at && *at <= now.mono) links.update_timers(now);
    }
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(relay_links, Fixture)

BOOST_AUTO_TEST_CASE(the_home_region_is_dialed_at_its_first_relay_node) {
  links.set_map(two_regions(), now);
  BOOST_TEST(requests().empty());  // no home yet, nothing sent: no connection
  links.set_home(1, now);
  auto r = requests();
  BOOST_REQUIRE(r.size() == 1u);
  BOOST_TEST((r[0].kind == RelayRequest::Kind::kDial));
  BOOST_TEST(r[0].region == 1);
  BOOST_TEST(r[0].node.name == "fra1");
}

BOOST_AUTO_TEST_CASE(a_failed_dial_is_retried_later_at_the_next_relay_node) {
  links.set_map(two_regions(), now);
  links.set_home(1, now);
  const uint32_t first = requests().at(0).link;
  links.dial_failed(first, now);
  uint16_t down = 0;
  BOOST_TEST(links.poll_region_down(down));
  BOOST_TEST(down == 1);
  BOOST_TEST(requests().empty());  // backing off
  advance(RelayLinks::kFirstBackoff);
  auto r = requests();
  BOOST_REQUIRE(r.size() == 1u);
  BOOST_TEST(r[0].link != first);  // link ids are never reused
  BOOST_TEST(r[0].node.name == "fra2");
  BOOST_TEST(links.stats().dial_failures == 1u);
}

BOOST_AUTO_TEST_CASE(sending_to_another_region_dials_it_and_it_closes_when_idle) {
  links.set_map(two_regions(), now);
  links.set_home(1, now);
  requests();
  const uint8_t packet[4] = {1, 2, 3, 4};
  // Not connected yet: the region is dialed and the packet waits for the connection.
  BOOST_TEST(links.send(2, core::NodePublicKey{}, {packet, sizeof packet}, now));
  auto r = requests();
  BOOST_REQUIRE(r.size() == 1u);
  BOOST_TEST(r[0].region == 2);
  // The dial is still in flight a minute later (the driver's own timeout would end it sooner).
  advance(RelayLinks::kIdleClose + std::chrono::seconds(1));
  r = requests();
  BOOST_REQUIRE(r.size() == 1u);
  BOOST_TEST((r[0].kind == RelayRequest::Kind::kClose));
  BOOST_TEST(r[0].region == 2);
  BOOST_TEST(links.stats().idle_closes == 1u);
  // The home region's link is never closed for idling.
  for (const auto& s : links.status()) BOOST_TEST(s.region == 1);
}

BOOST_AUTO_TEST_CASE(packets_sent_while_dialing_leave_once_connected) {
  links.set_map(two_regions(), now);
  links.set_home(1, now);
  const uint32_t link = requests().at(0).link;
  const uint8_t packet[4] = {1, 2, 3, 4};
  for (std::size_t i = 0; i < RelayLinks::kMaxEarlyPackets; ++i)
    BOOST_TEST(links.send(1, core::NodePublicKey{}, {packet, sizeof packet}, now));
  BOOST_TEST(!links.send(1, core::NodePublicKey{}, {packet, sizeof packet}, now));  // bounded
  BOOST_TEST(links.stats().send_dropped == 1u);
  links.connected(link, now);
  BOOST_TEST(links.stats().packets_sent == RelayLinks::kMaxEarlyPackets);
}

BOOST_AUTO_TEST_CASE(a_failed_region_that_is_no_longer_home_is_not_redialed_forever) {
  links.set_map(two_regions(), now);
  links.set_home(1, now);
  const uint32_t link = requests().at(0).link;
  links.dial_failed(link, now);
  links.set_home(2, now);  // the node re-homed
  // Redialed while recently used, then forgotten once idle.
  advance(RelayLinks::kIdleClose + std::chrono::seconds(1));
  requests();
  advance(RelayLinks::kIdleClose);
  for (const auto& r : requests()) BOOST_TEST(r.region != 1);
  for (const auto& s : links.status()) BOOST_TEST(s.region == 2);
}

BOOST_AUTO_TEST_CASE(a_region_leaving_the_map_is_closed_and_home_forgotten) {
  links.set_map(two_regions(), now);
  links.set_home(2, now);
  const uint32_t link = requests().at(0).link;
  links.connected(link, now);
  links.set_map({two_regions()[0]}, now);
  auto r = requests();
  BOOST_REQUIRE(r.size() == 1u);
  BOOST_TEST((r[0].kind == RelayRequest::Kind::kClose));
  BOOST_TEST(r[0].link == link);
  BOOST_TEST(links.home() == 0);
}

BOOST_AUTO_TEST_CASE(a_home_region_without_relay_nodes_is_no_connection_and_no_crash) {
  // The control protocol lets a region carry no relay nodes (a map being changed, a cached
  // netmap): such a region can be home, but there is nothing to dial.
  auto regions = two_regions();
  regions[0].nodes.clear();
  links.set_map(regions, now);
  BOOST_CHECK_NO_THROW(links.set_home(1, now));
  BOOST_TEST(links.home() == 1);
  BOOST_TEST(requests().empty());
  BOOST_CHECK_NO_THROW(links.set_home(2, now));
  BOOST_TEST(requests().size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
