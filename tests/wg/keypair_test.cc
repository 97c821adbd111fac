// Keypair slots (whitepaper 5.4.6): initiators switch at once, responders wait for the first
// packet on the new session; retired sessions hand back their indices.
#define BOOST_TEST_MODULE wg_keypair
#include <boost/test/unit_test.hpp>

#include <memory>

#include "wg/keypair.h"

using namespace weft::wg;

namespace {

std::unique_ptr<Keypair> make(bool initiator, uint32_t index) {
  weft::crypto::Key32 a{}, b{};
  a[0] = static_cast<uint8_t>(index);
  b[0] = static_cast<uint8_t>(index + 100);
  return std::make_unique<Keypair>(a, b, initiator, Duration(0), index, index + 1000);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(keypair)

BOOST_AUTO_TEST_CASE(initiator_switches_at_once_and_keeps_one_previous) {
  Keypairs k;
  uint32_t retired[2];
  k.install(make(true, 1), retired);
  BOOST_TEST(k.current->local_index == 1u);
  BOOST_TEST((retired[0] == 0 && retired[1] == 0));
  k.install(make(true, 2), retired);
  BOOST_TEST(k.current->local_index == 2u);
  BOOST_TEST(k.previous->local_index == 1u);
  k.install(make(true, 3), retired);
  BOOST_TEST(retired[0] == 1u);
  BOOST_TEST(k.find(1) == nullptr);
  BOOST_TEST(k.find(2) == k.previous.get());
}

BOOST_AUTO_TEST_CASE(responder_promotes_next_on_first_use) {
  Keypairs k;
  uint32_t retired[2];
  k.install(make(true, 1), retired);
  k.install(make(false, 2), retired);
  BOOST_TEST(k.current->local_index == 1u);
  BOOST_TEST(k.next->local_index == 2u);
  uint32_t gone = 99;
  BOOST_TEST(!k.confirm(k.current.get(), gone));
  BOOST_TEST(gone == 0u);
  BOOST_TEST(k.confirm(k.next.get(), gone));
  BOOST_TEST(k.current->local_index == 2u);
  BOOST_TEST(k.previous->local_index == 1u);
  BOOST_TEST(!k.next);
}

BOOST_AUTO_TEST_CASE(initiator_session_over_unconfirmed_next_keeps_next_as_previous) {
  Keypairs k;
  uint32_t retired[2];
  k.install(make(true, 1), retired);
  k.install(make(false, 2), retired);
  k.install(make(true, 3), retired);
  BOOST_TEST(k.current->local_index == 3u);
  BOOST_TEST(k.previous->local_index == 2u);
  BOOST_TEST(retired[1] == 1u);  // the old current is dropped
  BOOST_TEST(!k.next);
}

BOOST_AUTO_TEST_CASE(clear_returns_every_index) {
  Keypairs k;
  uint32_t retired[2];
  k.install(make(true, 1), retired);
  k.install(make(true, 2), retired);
  k.install(make(false, 3), retired);
  uint32_t all[3];
  k.clear(all);
  BOOST_TEST(all[0] + all[1] + all[2] == 0u + 2u + 3u);  // the responder install dropped 1
  BOOST_TEST(!k.current);
  BOOST_TEST(k.find(2) == nullptr);
}

BOOST_AUTO_TEST_CASE(keys_seal_and_open_across_a_pair) {
  auto a = make(true, 7);
  weft::crypto::Key32 s{}, r{};
  s[0] = 7 + 100;  // b's send key is a's receive key
  r[0] = 7;
  Keypair b(s, r, false, Duration(0), 9, 7);
  uint8_t msg[32] = {1, 2, 3}, sealed[48], opened[32];
  a->send.seal(5, msg, sizeof msg, sealed);
  BOOST_TEST(b.recv.open(5, sealed, sizeof sealed, opened));
  BOOST_TEST(!b.recv.open(6, sealed, sizeof sealed, opened));
  BOOST_TEST(a->fresh(kRejectAfterTime - Duration(1)));
  BOOST_TEST(!a->fresh(kRejectAfterTime));
}

BOOST_AUTO_TEST_SUITE_END()
