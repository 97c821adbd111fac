// mac1/mac2 and cookie replies (whitepaper 5.4.4, 5.4.7) and the per-source token bucket.
#define BOOST_TEST_MODULE wg_cookie
#include <boost/test/unit_test.hpp>

#include <vector>

#include "harness.h"
#include "wg/cookie.h"

using namespace weft::wg;
using namespace weft::wg::test;
using namespace std::chrono_literals;

namespace {

struct Fixture {
  Fixture() : rng(5) {
    responder.bytes = weft::crypto::x25519_public(make_private(3).bytes);
    checker.init(responder);
    gen.init(responder);
    msg.assign(kHandshakeInitiationSize, 0x3c);
  }
  weft::core::SeededRandom rng;
  PublicKey responder;
  CookieChecker checker;
  CookieGenerator gen;
  std::vector<uint8_t> msg;
  Path src = Path::v4(192, 0, 2, 1, 51820);
};

Mac mac1_of(const std::vector<uint8_t>& m) {
  Mac out;
  std::copy(m.begin() + kInitiationMac1Offset, m.begin() + kInitiationMac2Offset, out.begin());
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cookie)

BOOST_AUTO_TEST_CASE(mac1_verifies_and_detects_changes) {
  Fixture f;
  f.gen.add_macs(0s, f.msg.data(), kInitiationMac1Offset);
  BOOST_TEST(f.checker.check_mac1(f.msg.data(), kInitiationMac1Offset));
  f.msg[10] ^= 1;
  BOOST_TEST(!f.checker.check_mac1(f.msg.data(), kInitiationMac1Offset));
}

BOOST_AUTO_TEST_CASE(mac2_is_valid_only_after_a_cookie_reply) {
  Fixture f;
  f.gen.add_macs(0s, f.msg.data(), kInitiationMac1Offset);
  BOOST_TEST(!f.checker.check_mac2(0s, f.src, f.msg.data(), kInitiationMac2Offset));
  CookieReply reply = f.checker.make_reply(0s, f.rng, 77, mac1_of(f.msg), f.src);
  BOOST_TEST(reply.receiver_index == 77u);
  BOOST_REQUIRE(f.gen.consume_reply(1s, reply));
  BOOST_TEST(!f.gen.consume_reply(1s, reply));  // one reply per message
  f.gen.add_macs(2s, f.msg.data(), kInitiationMac1Offset);
  BOOST_TEST(f.checker.check_mac2(2s, f.src, f.msg.data(), kInitiationMac2Offset));
  // Bound to the source address and port.
  Path other = f.src;
  other.udp.port = 1;
  BOOST_TEST(!f.checker.check_mac2(2s, other, f.msg.data(), kInitiationMac2Offset));
}

BOOST_AUTO_TEST_CASE(cookies_bind_ipv6_sources_too) {
  Fixture f;
  std::array<uint8_t, 16> v6_bytes{0x20, 0x01};
  v6_bytes[15] = 1;
  Path v6 = Path::to_udp(weft::core::SocketAddress{weft::util::IpAddress::v6(v6_bytes), 51820});
  f.gen.add_macs(0s, f.msg.data(), kInitiationMac1Offset);
  CookieReply reply = f.checker.make_reply(0s, f.rng, 1, mac1_of(f.msg), v6);
  BOOST_REQUIRE(f.gen.consume_reply(0s, reply));
  f.gen.add_macs(1s, f.msg.data(), kInitiationMac1Offset);
  BOOST_TEST(f.checker.check_mac2(1s, v6, f.msg.data(), kInitiationMac2Offset));
  v6_bytes[15] = 2;
  Path near = Path::to_udp(weft::core::SocketAddress{weft::util::IpAddress::v6(v6_bytes), 51820});
  BOOST_TEST(!f.checker.check_mac2(1s, near, f.msg.data(), kInitiationMac2Offset));
}

BOOST_AUTO_TEST_CASE(cookie_secret_and_cookie_expire_after_refresh_time) {
  Fixture f;
  f.gen.add_macs(0s, f.msg.data(), kInitiationMac1Offset);
  CookieReply reply = f.checker.make_reply(0s, f.rng, 1, mac1_of(f.msg), f.src);
  BOOST_REQUIRE(f.gen.consume_reply(0s, reply));
  f.gen.add_macs(119s, f.msg.data(), kInitiationMac1Offset);
  BOOST_TEST(f.checker.check_mac2(119s, f.src, f.msg.data(), kInitiationMac2Offset));
  BOOST_TEST(!f.checker.check_mac2(121s, f.src, f.msg.data(), kInitiationMac2Offset));
  BOOST_TEST(f.gen.has_valid_cookie(120s));
  BOOST_TEST(!f.gen.has_valid_cookie(121s));
  // A fresh reply carries a cookie under a new secret.
  f.gen.add_macs(121s, f.msg.data(), kInitiationMac1Offset);
  CookieReply again = f.checker.make_reply(121s, f.rng, 1, mac1_of(f.msg), f.src);
  BOOST_REQUIRE(f.gen.consume_reply(121s, again));
  f.gen.add_macs(122s, f.msg.data(), kInitiationMac1Offset);
  BOOST_TEST(f.checker.check_mac2(122s, f.src, f.msg.data(), kInitiationMac2Offset));
}

BOOST_AUTO_TEST_CASE(rejects_cookie_reply_for_another_message_or_forged) {
  Fixture f;
  f.gen.add_macs(0s, f.msg.data(), kInitiationMac1Offset);
  Mac wrong{};
  CookieReply reply = f.checker.make_reply(0s, f.rng, 1, wrong, f.src);
  BOOST_TEST(!f.gen.consume_reply(0s, reply));
  CookieReply forged = f.checker.make_reply(0s, f.rng, 1, mac1_of(f.msg), f.src);
  forged.encrypted_cookie[3] ^= 1;
  BOOST_TEST(!f.gen.consume_reply(0s, forged));
}

BOOST_AUTO_TEST_CASE(rate_limiter_allows_a_burst_then_the_sustained_rate) {
  RateLimiter rl;
  Path a = Path::v4(192, 0, 2, 1, 1);
  Path a_other_port = Path::v4(192, 0, 2, 1, 2);
  Path b = Path::v4(192, 0, 2, 2, 1);
  int allowed = 0;
  for (int i = 0; i < 20; ++i) allowed += rl.allow(10s, i % 2 ? a : a_other_port);
  BOOST_TEST(allowed == kHandshakeBurstPerSource);
  BOOST_TEST(rl.allow(10s, b));  // other addresses have their own bucket
  BOOST_TEST(!rl.allow(10s + 49ms, a));
  BOOST_TEST(rl.allow(10s + 100ms, a));
  // Idle buckets are forgotten.
  BOOST_TEST(rl.tracked() == 2u);
  BOOST_TEST(rl.allow(20s, b));
  BOOST_TEST(rl.tracked() == 1u);
}

BOOST_AUTO_TEST_CASE(relayed_peers_are_keyed_by_relay_and_far_node_not_by_the_relay) {
  weft::core::NodePublicKey n1;
  weft::core::NodePublicKey n2;
  n1.bytes[0] = 1;
  n2.bytes[0] = 2;
  Path r1 = Path::via_relay(7, n1);
  Path r2 = Path::via_relay(7, n2);
  Path r1_other_relay = Path::via_relay(8, n1);
  RateLimiter rl;
  int allowed = 0;
  for (int i = 0; i < 20; ++i) allowed += rl.allow(10s, r1);
  BOOST_TEST(allowed == kHandshakeBurstPerSource);
  BOOST_TEST(rl.allow(10s, r2));              // another node behind the same relay
  BOOST_TEST(rl.allow(10s, r1_other_relay));  // the same node through another relay
  Fixture f;
  f.gen.add_macs(0s, f.msg.data(), kInitiationMac1Offset);
  CookieReply reply = f.checker.make_reply(0s, f.rng, 1, mac1_of(f.msg), r1);
  BOOST_REQUIRE(f.gen.consume_reply(0s, reply));
  f.gen.add_macs(1s, f.msg.data(), kInitiationMac1Offset);
  BOOST_TEST(f.checker.check_mac2(1s, r1, f.msg.data(), kInitiationMac2Offset));
  BOOST_TEST(!f.checker.check_mac2(1s, r2, f.msg.data(), kInitiationMac2Offset));
  BOOST_TEST(!f.checker.check_mac2(1s, r1_other_relay, f.msg.data(), kInitiationMac2Offset));
}

BOOST_AUTO_TEST_SUITE_END()
