// The registry's enum names: roles as Tailscale spells them (policies name them in
// autogroup:<role>) and device states, each round-tripping.
#define BOOST_TEST_MODULE coord_device
#include <boost/test/unit_test.hpp>

#include <string>

#include "coord/device.h"

using namespace weft::coord;

BOOST_AUTO_TEST_SUITE(device)

BOOST_AUTO_TEST_CASE(role_names_round_trip_and_unknown_names_are_refused) {
  for (Role r : {Role::kMember, Role::kOwner, Role::kAdmin, Role::kNetworkAdmin, Role::kItAdmin,
                 Role::kBillingAdmin, Role::kAuditor}) {
    BOOST_TEST((parse_role(role_name(r)) == r));
  }
  BOOST_TEST(std::string(role_name(Role::kNetworkAdmin)) == "network-admin");
  BOOST_TEST(!parse_role("Admin").has_value());
  BOOST_TEST(!parse_role("").has_value());
}

BOOST_AUTO_TEST_CASE(states_have_their_names) {
  BOOST_TEST(std::string(state_name(DeviceState::kPending)) == "pending");
  BOOST_TEST(std::string(state_name(DeviceState::kAuthorized)) == "authorized");
  BOOST_TEST(std::string(state_name(DeviceState::kExpired)) == "expired");
  BOOST_TEST(std::string(state_name(DeviceState::kRemoved)) == "removed");
}

BOOST_AUTO_TEST_SUITE_END()
