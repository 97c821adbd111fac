// The STUN server core: Binding requests answered with the source address, everything else
// dropped and counted.
#define BOOST_TEST_MODULE stun_server
#include <boost/test/unit_test.hpp>

#include <vector>

#include "stun/message.h"
#include "stun/refinger.h"
#include "stun/server.h"

using namespace weft;
using namespace weft::stun;
using weft::stun::test::refinger;

namespace {

const TransactionId kId = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

core::SocketAddress addr(const char* text) { return *core::SocketAddress::parse(text); }

std::vector<uint8_t> request() {
  std::vector<uint8_t> buf(kMaxEncodedSize);
  buf.resize(encode_binding_request(kId, core::MutableBytes{buf.data(), buf.size()}));
  return buf;
}

struct Fixture {
  Server server;
  std::vector<uint8_t> out = std::vector<uint8_t>(kMaxEncodedSize);
  Output handle(const core::SocketAddress& from, const std::vector<uint8_t>& in) {
    return server.receive_datagram(from, core::ByteView{in.data(), in.size()},
                                   core::MutableBytes{out.data(), out.size()});
  }
  Message answer(const Output& o) {
    Message m;
    BOOST_REQUIRE(decode(core::ByteView{out.data(), o.size}, m) == DecodeError::kNone);
    return m;
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(stun_server, Fixture)

BOOST_AUTO_TEST_CASE(answers_a_binding_request_with_the_source_address) {
  for (const char* from : {"198.51.100.20:61000", "[2001:db8::20]:5"}) {
    const Output o = handle(addr(from), request());
    BOOST_REQUIRE((o.action == Action::kSendDatagram));
    BOOST_TEST(o.to.to_string() == from);
    const Message m = answer(o);
    BOOST_TEST((m.message_class == MessageClass::kSuccessResponse));
    BOOST_TEST((m.transaction_id == kId));
    BOOST_TEST(m.xor_mapped_address->to_string() == from);
    BOOST_TEST(m.has_fingerprint);
  }
  BOOST_TEST(server.stats().requests == 2u);
  BOOST_TEST(server.stats().success_responses == 2u);
}

BOOST_AUTO_TEST_CASE(answers_420_listing_unknown_required_attributes) {
  auto req = request();
  const std::vector<uint8_t> extra = {0x00, 0x77, 0x00, 0x00};
  req.insert(req.begin() + 20, extra.begin(), extra.end());
  refinger(req);
  const Output o = handle(addr("192.0.2.1:1"), req);
  BOOST_REQUIRE((o.action == Action::kSendDatagram));
  const Message m = answer(o);
  BOOST_TEST((m.message_class == MessageClass::kErrorResponse));
  BOOST_TEST(m.error_code.value_or(0) == kErrorUnknownAttribute);
  BOOST_TEST(server.stats().error_responses == 1u);
}

BOOST_AUTO_TEST_CASE(drops_responses_and_indications_without_answering) {
  auto msg = request();
  msg[1] = 0x11;  // indication
  refinger(msg);
  const Output o = handle(addr("192.0.2.1:1"), msg);
  BOOST_TEST((o.action == Action::kDrop));
  BOOST_TEST((o.drop == DropReason::kNotRequest));
  BOOST_TEST(server.stats().drops_of(DropReason::kNotRequest) == 1u);
}

BOOST_AUTO_TEST_CASE(drops_non_binding_methods) {
  auto msg = request();
  msg[1] = 0x03;  // TURN Allocate
  refinger(msg);
  BOOST_TEST((handle(addr("192.0.2.1:1"), msg).drop == DropReason::kUnsupportedMethod));
}

BOOST_AUTO_TEST_CASE(counts_each_kind_of_garbage) {
  BOOST_TEST((handle(addr("192.0.2.1:1"), {1, 0, 0, 0}).drop == DropReason::kNotStun));
  auto bad_fp = request();
  bad_fp.back() ^= 0x80;
  BOOST_TEST((handle(addr("192.0.2.1:1"), bad_fp).drop == DropReason::kBadFingerprint));
  auto bad_len = request();
  bad_len[3] = 0x04;
  BOOST_TEST((handle(addr("192.0.2.1:1"), bad_len).drop == DropReason::kMalformed));
  const auto& s = server.stats();
  BOOST_TEST(s.drops_of(DropReason::kNotStun) == 1u);
  BOOST_TEST(s.drops_of(DropReason::kBadFingerprint) == 1u);
  BOOST_TEST(s.drops_of(DropReason::kMalformed) == 1u);
  BOOST_TEST(s.requests == 0u);
}

BOOST_AUTO_TEST_CASE(drops_when_the_output_buffer_is_too_small) {
  const auto req = request();
  std::vector<uint8_t> small(16);
  const Output o = server.receive_datagram(addr("192.0.2.1:1"), core::ByteView{req.data(), req.size()},
                                           core::MutableBytes{small.data(), small.size()});
  BOOST_TEST((o.drop == DropReason::kBufferTooSmall));
}

BOOST_AUTO_TEST_SUITE_END()
