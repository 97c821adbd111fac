// ClientInfo: it proves the node key to this relay for this challenge, and nothing else.
#define BOOST_TEST_MODULE relay_auth
#include <boost/test/unit_test.hpp>

#include "relay/auth.h"
#include "relay/frame.h"
#include "support/test_keys.h"

BOOST_TEST_DONT_PRINT_LOG_VALUE(weft::core::NodePublicKey)
BOOST_TEST_DONT_PRINT_LOG_VALUE(weft::core::RelayPublicKey)

using namespace weft;
using namespace weft::relay;

namespace {

struct Keys {
  core::SeededRandom rng{7};
  core::RelayPrivateKey relay = test::random_private<core::RelayPrivateKey>(rng);
  core::RelayPublicKey relay_public = test::public_of<core::RelayPublicKey>(relay);
  core::NodePrivateKey node = test::random_private<core::NodePrivateKey>(rng);
  Challenge challenge{};
  Keys() { rng.fill(challenge.data(), challenge.size()); }

  std::vector<uint8_t> payload(const Challenge& c) {
    std::vector<uint8_t> out;
    BOOST_TEST_REQUIRE(append_client_info(out, node, relay_public, c, 1, rng).ok());
    return std::vector<uint8_t>(out.begin() + kFrameHeaderSize, out.end());
  }
};

core::ByteView view(const std::vector<uint8_t>& v) { return core::ByteView{v.data(), v.size()}; }

}  // namespace

BOOST_AUTO_TEST_SUITE(relay_auth)

BOOST_AUTO_TEST_CASE(opens_a_client_info_for_this_challenge) {
  Keys k;
  auto p = k.payload(k.challenge);
  BOOST_TEST(p.size() == kClientInfoPayload);
  auto info = open_client_info(view(p), k.relay, k.relay_public, k.challenge);
  BOOST_TEST_REQUIRE(info.ok());
  BOOST_TEST(info->node_key == test::public_of<core::NodePublicKey>(k.node));
  BOOST_TEST(info->version == kProtocolVersion);
  BOOST_TEST(info->flags == 1);
}

BOOST_AUTO_TEST_CASE(refuses_a_client_info_for_another_challenge) {
  Keys k;
  Challenge other = k.challenge;
  other[0] ^= 1;
  auto p = k.payload(other);
  BOOST_TEST(open_client_info(view(p), k.relay, k.relay_public, k.challenge).error().code ==
             "relay.auth_failed");
}

BOOST_AUTO_TEST_CASE(refuses_a_claim_of_another_nodes_key) {
  Keys k;
  auto p = k.payload(k.challenge);
  auto victim = test::public_of<core::NodePublicKey>(test::random_private<core::NodePrivateKey>(k.rng));
  std::copy(victim.bytes.begin(), victim.bytes.end(), p.begin());
  BOOST_TEST(open_client_info(view(p), k.relay, k.relay_public, k.challenge).error().code ==
             "relay.auth_failed");
}

BOOST_AUTO_TEST_CASE(refuses_a_client_info_sealed_to_another_relay) {
  Keys k;
  auto p = k.payload(k.challenge);
  auto other = test::random_private<core::RelayPrivateKey>(k.rng);
  BOOST_TEST(!open_client_info(view(p), other, test::public_of<core::RelayPublicKey>(other),
                               k.challenge).ok());
}

BOOST_AUTO_TEST_CASE(refuses_wrong_lengths_and_low_order_keys) {
  Keys k;
  auto p = k.payload(k.challenge);
  p.pop_back();
  BOOST_TEST(open_client_info(view(p), k.relay, k.relay_public, k.challenge).error().code ==
             "relay.malformed");
  auto zero = k.payload(k.challenge);
  std::fill(zero.begin(), zero.begin() + kKeyLen, 0);
  BOOST_TEST(open_client_info(view(zero), k.relay, k.relay_public, k.challenge).error().code ==
             "relay.bad_key");
}

BOOST_AUTO_TEST_SUITE_END()
