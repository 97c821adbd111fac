// The control channel's framed transport (lib/control/transport.h, frame.h): frames that are
// replayed, out of order, truncated, oversized, malformed or forged are refused with a reason.
#define BOOST_TEST_MODULE control_transport
#include <boost/test/unit_test.hpp>

#include "control/frame.h"
#include "control/transport.h"
#include "harness.h"

using namespace weft::control;
using namespace weft::control::test;
using weft::core::ByteView;

namespace {

struct Connected : Pair {
  Connected() { BOOST_REQUIRE_EQUAL(connect(), Refusal::kNone); }
  Bytes plain = Bytes(kMaxPlaintext);
  Outcome open_at_server(const Bytes& frame) { return server.open(view(frame), span(plain)); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(transport)

BOOST_AUTO_TEST_CASE(opens_frames_in_order_from_one_stream) {
  Connected c;
  Bytes stream = seal(c.node, {1, 2, 3});
  const Bytes second = seal(c.node, {});
  stream.insert(stream.end(), second.begin(), second.end());
  Outcome a = c.open_at_server(stream);
  BOOST_REQUIRE_EQUAL(a.refusal, Refusal::kNone);
  BOOST_TEST(a.size == 3u);
  Outcome b = c.server.open(ByteView{stream.data() + a.consumed, stream.size() - a.consumed},
                            span(c.plain));
  BOOST_REQUIRE_EQUAL(b.refusal, Refusal::kNone);
  BOOST_TEST(b.size == 0u);
  BOOST_TEST(a.consumed + b.consumed == stream.size());
  BOOST_TEST(c.server.recv_counter() == 2u);
}

BOOST_AUTO_TEST_CASE(rejects_replayed_frame) {
  Connected c;
  const Bytes f = seal(c.node, {7});
  BOOST_REQUIRE(c.open_at_server(f).ok());
  BOOST_TEST(c.open_at_server(f).refusal == Refusal::kReplayed);
  BOOST_TEST(c.server.recv_counter() == 1u);
}

BOOST_AUTO_TEST_CASE(rejects_frame_after_a_gap_then_takes_the_missing_one) {
  Connected c;
  const Bytes first = seal(c.node, {1});
  const Bytes second = seal(c.node, {2});
  BOOST_TEST(c.open_at_server(second).refusal == Refusal::kCounterGap);
  BOOST_TEST(c.open_at_server(first).ok());
  BOOST_TEST(c.open_at_server(second).ok());
}

BOOST_AUTO_TEST_CASE(rejects_forged_frames_without_advancing) {
  Connected c;
  const Bytes f = seal(c.node, {1, 2, 3, 4});
  for (std::size_t i = kLengthPrefixSize; i < f.size(); ++i) {
    Bytes bad = f;
    bad[i] ^= 1;
    const Refusal r = c.open_at_server(bad).refusal;
    // A flipped counter byte is caught as a replay or gap; any other byte by the tag.
    if (i < kLengthPrefixSize + kCounterSize) {
      BOOST_TEST((r == Refusal::kCounterGap || r == Refusal::kReplayed), "byte " << i);
    } else {
      BOOST_TEST(r == Refusal::kDecryptFailed, "byte " << i);
    }
  }
  BOOST_TEST(c.open_at_server(f).ok());
}

BOOST_AUTO_TEST_CASE(rejects_frame_sealed_in_the_other_direction) {
  Connected c;
  const Bytes f = seal(c.server, {9});
  BOOST_TEST(c.open_at_server(f).refusal == Refusal::kDecryptFailed);
}

BOOST_AUTO_TEST_CASE(reports_truncated_frames_at_every_length) {
  Connected c;
  const Bytes f = seal(c.node, {1, 2, 3});
  for (std::size_t n = 0; n < f.size(); ++n) {
    BOOST_TEST(c.server.open(ByteView{f.data(), n}, span(c.plain)).refusal == Refusal::kTruncated,
               "length " << n);
  }
  BOOST_TEST(c.open_at_server(f).ok());
}

BOOST_AUTO_TEST_CASE(rejects_oversized_and_undersized_frames) {
  Connected c;
  BOOST_TEST(c.open_at_server({0, 1, 0, 0}).refusal == Refusal::kOversized);
  BOOST_TEST(c.open_at_server({0xff, 0xff, 0xff, 0xff, 0}).refusal == Refusal::kOversized);
  Bytes small = {0, 0, 0, kCounterSize + kTagSize - 1};
  small.resize(kLengthPrefixSize + kCounterSize + kTagSize - 1);
  BOOST_TEST(c.open_at_server(small).refusal == Refusal::kMalformed);
}

BOOST_AUTO_TEST_CASE(seals_up_to_the_maximum_plaintext) {
  Connected c;
  Bytes big(kMaxPlaintext, 0xab);
  const Bytes f = seal(c.node, big);
  BOOST_TEST(f.size() == kMaxFrameSize);
  Outcome o = c.open_at_server(f);
  BOOST_REQUIRE(o.ok());
  BOOST_TEST(o.size == kMaxPlaintext);

  big.push_back(0);
  Bytes out(sealed_frame_size(big.size()));
  BOOST_TEST(c.node.seal(view(big), span(out)).refusal == Refusal::kOversized);
  BOOST_TEST(c.node.send_counter() == 1u);
}

BOOST_AUTO_TEST_CASE(refuses_small_buffers_without_using_a_counter) {
  Connected c;
  const Bytes plain = {1, 2, 3};
  Bytes out(sealed_frame_size(plain.size()) - 1);
  BOOST_TEST(c.node.seal(view(plain), span(out)).refusal == Refusal::kBufferTooSmall);
  BOOST_TEST(c.node.send_counter() == 0u);
  const Bytes f = seal(c.node, plain);
  Bytes tiny(2);
  BOOST_TEST(c.server.open(view(f), span(tiny)).refusal == Refusal::kBufferTooSmall);
  BOOST_TEST(c.open_at_server(f).ok());
}

BOOST_AUTO_TEST_CASE(refuses_use_before_the_handshake) {
  Transport t;
  Bytes out(64), plain = {1};
  BOOST_TEST(t.seal(view(plain), span(out)).refusal == Refusal::kWrongState);
  BOOST_TEST(t.open(view(out), span(plain)).refusal == Refusal::kWrongState);
}

BOOST_AUTO_TEST_CASE(names_every_refusal) {
  for (int r = 0; r <= static_cast<int>(Refusal::kWrongState); ++r)
    BOOST_TEST(std::string(to_string(static_cast<Refusal>(r))) != "unknown");
}

BOOST_AUTO_TEST_SUITE_END()
