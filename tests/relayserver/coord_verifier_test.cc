// --verify-clients' verifier against a stand-in coordinator behind a real ControlListener on
// loopback: answers, the cache, and failing closed when the server is gone.
#define BOOST_TEST_MODULE relayserver_coord_verifier
#include <boost/test/unit_test.hpp>

#include <optional>

#include <boost/asio/io_context.hpp>

#include "core/key_text.h"
#include "relayserver/coord_verifier.h"
#include "relayserver/fake_coordinator.h"
#include "serve/test_io.h"

using namespace weft;

namespace {

core::NodePublicKey node_key(core::Random& rng) {
  return weft::test::public_of<core::NodePublicKey>(
      weft::test::random_private<core::NodePrivateKey>(rng));
}

struct Fixture {
  boost::asio::io_context io;
  runtime::MonotonicClock clock;
  core::SeededRandom rng{8};
  relayserver::test::FakeCoordinator fake;
  std::unique_ptr<serve::ControlListener> listener;
  std::unique_ptr<relayserver::CoordVerifier> verifier;

  Fixture() {
    serve::ControlListenerConfig lc;
    lc.listen = *core::SocketAddress::parse("127.0.0.1:1");
    lc.listen.port = 0;
    lc.server_key = core::key_to_base64(fake.public_key.bytes);
    auto l = serve::ControlListener::open(io, lc, fake);
    BOOST_TEST_REQUIRE(l.ok());
    listener = std::move(*l);
    fake.listener = listener.get();
    relayserver::CoordVerifierOptions o;
    o.server_url = "http://127.0.0.1:" + std::to_string(listener->port());
    o.dial.timeout = std::chrono::milliseconds(2000);
    auto v = relayserver::CoordVerifier::create(
        io, o, weft::test::random_private<core::MachinePrivateKey>(rng), rng, clock);
    BOOST_TEST_REQUIRE(v.ok());
    verifier = std::move(*v);
  }

  std::optional<bool> ask(const core::NodePublicKey& key) {
    std::optional<bool> answer;
    verifier->verify(key, [&](bool allowed) { answer = allowed; });
    BOOST_TEST_REQUIRE(test::run_until(io, [&] { return answer.has_value(); }));
    return answer;
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(relayserver_coord_verifier)

BOOST_AUTO_TEST_CASE(asks_the_server_and_caches_its_answers) {
  Fixture f;
  const auto yes = node_key(f.rng);
  const auto no = node_key(f.rng);
  f.fake.allowed.insert(yes);
  BOOST_TEST(*f.ask(yes));
  BOOST_TEST(!*f.ask(no));
  BOOST_TEST(*f.ask(yes));
  BOOST_TEST(!*f.ask(no));
  BOOST_TEST(f.fake.questions == 2);
  BOOST_TEST(f.verifier->counters().cache_hits == 2u);
  BOOST_TEST(f.verifier->counters().connections == 1u);
}

BOOST_AUTO_TEST_CASE(answers_questions_asked_together_with_one_question_each) {
  Fixture f;
  const auto yes = node_key(f.rng);
  f.fake.allowed.insert(yes);
  int answers = 0;
  for (int i = 0; i < 3; ++i) f.verifier->verify(yes, [&](bool allowed) { answers += allowed; });
  BOOST_TEST_REQUIRE(test::run_until(f.io, [&] { return answers == 3; }));
  BOOST_TEST(f.fake.questions == 1);
}

BOOST_AUTO_TEST_CASE(refuses_while_the_server_cannot_be_reached) {
  Fixture f;
  const auto yes = node_key(f.rng);
  f.fake.allowed.insert(yes);
  f.listener.reset();
  BOOST_TEST(!*f.ask(yes));
  BOOST_TEST(f.verifier->counters().failed == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
