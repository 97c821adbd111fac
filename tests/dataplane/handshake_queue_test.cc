#define BOOST_TEST_MODULE dataplane_handshake_queue
#include <boost/test/unit_test.hpp>

#include <vector>

#include "dataplane/handshake_queue.h"

using namespace weft;
using namespace std::chrono_literals;
using dataplane::HandshakeQueue;

namespace {

std::vector<uint8_t> message(uint8_t type, std::size_t size, uint8_t fill) {
  std::vector<uint8_t> m(size, fill);
  m[0] = type;
  m[1] = m[2] = m[3] = 0;
  return m;
}

core::ByteView view(const std::vector<uint8_t>& m) { return core::ByteView{m.data(), m.size()}; }

const core::Path kFrom = core::Path::v4(192, 0, 2, 7, 51820);

}  // namespace

BOOST_AUTO_TEST_SUITE(handshake_queue)

BOOST_AUTO_TEST_CASE(only_handshake_messages_are_queued_work) {
  BOOST_TEST(dataplane::is_handshake_message(view(message(1, 148, 0))));
  BOOST_TEST(dataplane::is_handshake_message(view(message(2, 92, 0))));
  BOOST_TEST(dataplane::is_handshake_message(view(message(3, 64, 0))));
  BOOST_TEST(!dataplane::is_handshake_message(view(message(4, 32, 0))));
  BOOST_TEST(!dataplane::is_handshake_message(core::ByteView{}));
}

BOOST_AUTO_TEST_CASE(keeps_order_and_copies_the_bytes) {
  HandshakeQueue q;
  auto a = message(1, 148, 0xaa);
  auto b = message(2, 92, 0xbb);
  BOOST_TEST(q.push(0s, kFrom, view(a)));
  BOOST_TEST(q.push(0s, kFrom, view(b)));
  a.assign(a.size(), 0);  // the queue holds its own copy
  BOOST_REQUIRE(q.front() != nullptr);
  BOOST_TEST(q.front()->size == 148u);
  BOOST_TEST(q.front()->bytes[5] == 0xaa);
  BOOST_TEST((q.front()->from == kFrom));
  q.pop();
  BOOST_TEST(q.front()->size == 92u);
  BOOST_TEST(q.front()->bytes[5] == 0xbb);
  q.pop();
  BOOST_TEST(q.empty());
  BOOST_TEST(q.front() == nullptr);
  q.pop();  // popping an empty queue is harmless
  BOOST_TEST(q.size() == 0u);
}

BOOST_AUTO_TEST_CASE(keeps_a_relayed_path_as_the_sender) {
  HandshakeQueue q;
  const core::Path relayed = core::Path::via_relay(900, core::NodePublicKey{});
  BOOST_TEST(q.push(0s, relayed, view(message(1, 148, 1))));
  BOOST_REQUIRE(q.front() != nullptr);
  BOOST_TEST((q.front()->from == relayed));
}

BOOST_AUTO_TEST_CASE(drops_and_counts_beyond_capacity_and_oversized_messages) {
  HandshakeQueue q;
  auto m = message(1, 148, 1);
  for (std::size_t i = 0; i < dataplane::kHandshakeQueueCapacity; ++i) {
    BOOST_REQUIRE(q.push(0s, kFrom, view(m)));
  }
  BOOST_TEST(!q.push(0s, kFrom, view(m)));
  BOOST_TEST(q.dropped() == 1u);
  BOOST_TEST(q.size() == dataplane::kHandshakeQueueCapacity);
  HandshakeQueue r;
  BOOST_TEST(!r.push(0s, kFrom, view(message(1, 149, 1))));
  BOOST_TEST(r.dropped() == 1u);
}

BOOST_AUTO_TEST_CASE(under_load_past_an_eighth_and_for_a_second_after) {
  HandshakeQueue q;
  auto m = message(1, 148, 1);
  for (std::size_t i = 0; i < dataplane::kUnderLoadThreshold; ++i) q.push(10s, kFrom, view(m));
  BOOST_TEST(!q.under_load(10s));  // exactly an eighth: not yet
  q.push(10s, kFrom, view(m));
  BOOST_TEST(q.under_load(10s));
  while (!q.empty()) q.pop();
  BOOST_TEST(q.under_load(10s + 999ms));  // the load lingers for UnderLoadAfterTime
  BOOST_TEST(!q.under_load(11s));
}

BOOST_AUTO_TEST_SUITE_END()
