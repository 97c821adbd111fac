// The relay's verification channel against the server side of the control handshake, in memory.
#define BOOST_TEST_MODULE relayserver_verify_channel
#include <boost/test/unit_test.hpp>

#include "relayserver/fake_coordinator.h"
#include "relayserver/verify_channel.h"

BOOST_TEST_DONT_PRINT_LOG_VALUE(weft::core::NodePublicKey)

using namespace weft;
using namespace weft::relayserver;

namespace {

core::NodePublicKey node(core::Random& rng) {
  return weft::test::public_of<core::NodePublicKey>(
      weft::test::random_private<core::NodePrivateKey>(rng));
}

/// Moves bytes between the channel and the fake until neither has anything to say.
void exchange(VerifyChannel& ch, relayserver::test::FakeCoordinator& fake, relayserver::test::FakeCoordinator::Conn& c) {
  for (int i = 0; i < 8; ++i) {
    auto out = ch.take_output();
    if (out.empty()) return;
    auto back = fake.receive(c, core::ByteView{out.data(), out.size()});
    BOOST_TEST_REQUIRE(ch.receive(core::ByteView{back.data(), back.size()}).ok());
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(relayserver_verify_channel)

BOOST_AUTO_TEST_CASE(asks_after_the_handshake_and_reads_the_answers_in_order) {
  core::SeededRandom rng(3);
  relayserver::test::FakeCoordinator fake;
  auto conn = fake.connection();
  auto machine = weft::test::random_private<core::MachinePrivateKey>(rng);
  VerifyChannel ch(machine, fake.public_key);
  BOOST_TEST_REQUIRE(ch.start(rng).ok());
  const auto yes = node(rng);
  const auto no = node(rng);
  fake.allowed.insert(yes);
  BOOST_TEST(ch.ask(yes).ok());  // before the handshake finished: held
  BOOST_TEST(ch.ask(no).ok());
  exchange(ch, fake, *conn);
  BOOST_TEST(ch.handshaken());
  BOOST_TEST(fake.questions == 2);
  control::VerifyNodeResponse a;
  BOOST_TEST_REQUIRE(ch.poll_answer(a));
  BOOST_TEST(a.node_key == yes);
  BOOST_TEST(a.allowed);
  BOOST_TEST_REQUIRE(ch.poll_answer(a));
  BOOST_TEST(a.node_key == no);
  BOOST_TEST(!a.allowed);
  BOOST_TEST(!ch.poll_answer(a));
}

BOOST_AUTO_TEST_CASE(fails_against_another_server_key) {
  core::SeededRandom rng(4);
  relayserver::test::FakeCoordinator fake;
  auto conn = fake.connection();
  auto machine = weft::test::random_private<core::MachinePrivateKey>(rng);
  auto wrong = weft::test::public_of<core::MachinePublicKey>(
      weft::test::random_private<core::MachinePrivateKey>(rng));
  VerifyChannel ch(machine, wrong);
  BOOST_TEST_REQUIRE(ch.start(rng).ok());
  auto out = ch.take_output();
  auto back = fake.receive(*conn, core::ByteView{out.data(), out.size()});
  BOOST_TEST(back.empty());  // the server cannot open the hello sealed to another key
  uint8_t junk[control::kServerHelloSize] = {};
  junk[3] = static_cast<uint8_t>(control::kServerHelloSize - 4);
  BOOST_TEST(ch.receive(core::ByteView{junk, sizeof(junk)}).error().code == "verify.handshake");
}

BOOST_AUTO_TEST_SUITE_END()
