// Whole messages over the control channel's frames (lib/control/message_stream.h): chunking and
// reassembly of a 3 MiB message over a handshaken pair in any split of the stream, several
// messages per read, bounded buffering, and refused oversized messages, bad flags and frames.
#define BOOST_TEST_MODULE control_message_stream
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "control/message_codec.h"
#include "control/message_stream.h"
#include "harness.h"
#include "message_samples.h"

using namespace weft::control;
using namespace weft::control::test;
using weft::core::ByteView;

namespace weft::control {
// Lets BOOST_TEST print statuses.
inline std::ostream& operator<<(std::ostream& os, ReceiveStatus s) {
  return os << static_cast<int>(s);
}
}  // namespace weft::control

namespace {

Bytes random_bytes(weft::core::SeededRandom& rng, std::size_t n) {
  Bytes b(n);
  rng.fill(b.data(), b.size());
  return b;
}

// A node and a server after their handshake, with a sender at the node and a receiver at the
// server.
struct Stream {
  Pair pair;
  MessageSender sender;
  MessageReceiver receiver;

  Stream() { BOOST_REQUIRE_EQUAL(pair.connect(), Refusal::kNone); }

  Bytes seal(const Bytes& message) {
    Bytes out;
    const weft::Status s = sender.seal(view(message), pair.node, out);
    BOOST_REQUIRE_MESSAGE(s.ok(), (s.ok() ? std::string() : s.error().detail));
    BOOST_REQUIRE_EQUAL(out.size(), sealed_message_size(message.size()));
    return out;
  }

  // Feeds `wire` to the receiver in pieces of the sizes `next_piece` gives, and returns every
  // message it delivered. Checks the buffering bound after every call.
  template <class Pieces>
  std::vector<Bytes> receive(const Bytes& wire, Pieces next_piece) {
    std::vector<Bytes> messages;
    std::size_t at = 0;
    while (at < wire.size()) {
      const std::size_t n = std::min(next_piece(), wire.size() - at);
      ByteView in{wire.data() + at, n};
      at += n;
      for (;;) {
        const Received r = receiver.poll(in, pair.server);
        BOOST_REQUIRE(r.status != ReceiveStatus::kError);
        if (r.status == ReceiveStatus::kNeedMore) break;
        messages.emplace_back(r.message.data, r.message.data + r.message.size);
      }
      BOOST_REQUIRE_EQUAL(in.size, 0u);
      BOOST_REQUIRE_LE(receiver.buffered(), kMaxFrameSize + kMaxMessageBytes);
    }
    return messages;
  }

  // Gives all of `wire` at once and returns the first error (failing if none comes).
  Received first_error(const Bytes& wire) {
    ByteView in = view(wire);
    for (;;) {
      const Received r = receiver.poll(in, pair.server);
      if (r.status == ReceiveStatus::kError) return r;
      BOOST_REQUIRE(!(r.status == ReceiveStatus::kNeedMore && in.size == 0));
    }
  }
};

// Seals `plain` (flag byte and chunk, as given) into one frame from the node.
Bytes raw_frame(Stream& s, const Bytes& plain) {
  return weft::control::test::seal(s.pair.node, plain);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(message_stream)

BOOST_AUTO_TEST_CASE(carries_a_3_mib_message_in_one_read) {
  Stream s;
  const Bytes message = random_bytes(s.pair.rng, 3u << 20);
  const Bytes wire = s.seal(message);
  const std::size_t frames = (message.size() + kMaxChunk - 1) / kMaxChunk;
  BOOST_TEST(wire.size() == message.size() + frames * sealed_frame_size(1));
  BOOST_TEST(s.pair.node.send_counter() == frames);
  const auto got = s.receive(wire, [&] { return wire.size(); });
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  BOOST_TEST(got[0] == message);
  BOOST_TEST(s.pair.server.recv_counter() == frames);
}

BOOST_AUTO_TEST_CASE(reassembles_a_3_mib_message_delivered_one_byte_at_a_time) {
  Stream s;
  const Bytes message = random_bytes(s.pair.rng, 3u << 20);
  const Bytes wire = s.seal(message);
  // Plain checks in the loop (three million Boost assertions would dominate the run time).
  std::size_t errors = 0, leftovers = 0, over_bound = 0;
  std::vector<Bytes> got;
  for (std::size_t i = 0; i < wire.size(); ++i) {
    ByteView in{wire.data() + i, 1};
    const Received r = s.receiver.poll(in, s.pair.server);
    errors += r.status == ReceiveStatus::kError;
    leftovers += in.size;
    if (r.status == ReceiveStatus::kMessage)
      got.emplace_back(r.message.data, r.message.data + r.message.size);
    // Never more than the partial frame and the chunks of the message so far.
    over_bound += s.receiver.buffered() > kMaxFrameSize + std::min(i, message.size());
  }
  BOOST_TEST(errors == 0u);
  BOOST_TEST(leftovers == 0u);
  BOOST_TEST(over_bound == 0u);
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  BOOST_TEST(got[0] == message);
}

BOOST_AUTO_TEST_CASE(reassembles_messages_from_random_splits_of_the_stream) {
  Stream s;
  std::vector<Bytes> messages = {random_bytes(s.pair.rng, 3u << 20), Bytes{},
                                 random_bytes(s.pair.rng, kMaxChunk),
                                 random_bytes(s.pair.rng, kMaxChunk + 1), Bytes{0x04}};
  Bytes wire;
  for (const Bytes& m : messages) {
    const Bytes w = s.seal(m);
    wire.insert(wire.end(), w.begin(), w.end());
  }
  weft::core::SeededRandom splits(7);
  const auto got = s.receive(wire, [&] {
    // Mostly small reads, sometimes larger than a frame.
    const uint64_t r = splits.next();
    return static_cast<std::size_t>(1 + (r % 8 == 0 ? r % 200000 : r % 5000));
  });
  BOOST_REQUIRE_EQUAL(got.size(), messages.size());
  for (std::size_t i = 0; i < messages.size(); ++i) BOOST_TEST(got[i] == messages[i]);
}

BOOST_AUTO_TEST_CASE(returns_one_message_per_poll_and_leaves_the_rest_in_the_input) {
  Stream s;
  Bytes wire;
  for (uint8_t i = 0; i < 3; ++i) {
    const Bytes w = s.seal(Bytes(10, i));
    wire.insert(wire.end(), w.begin(), w.end());
  }
  ByteView in = view(wire);
  for (uint8_t i = 0; i < 3; ++i) {
    const Received r = s.receiver.poll(in, s.pair.server);
    BOOST_REQUIRE(r.status == ReceiveStatus::kMessage);
    BOOST_TEST(Bytes(r.message.data, r.message.data + r.message.size) == Bytes(10, i));
    BOOST_TEST(in.size == (2u - i) * sealed_message_size(10));
  }
  BOOST_TEST((s.receiver.poll(in, s.pair.server).status == ReceiveStatus::kNeedMore));
}

BOOST_AUTO_TEST_CASE(carries_an_encoded_map_of_two_thousand_peers) {
  Stream s;
  MapResponse map = sample_map_response();
  map.peers.clear();
  for (uint64_t id = 1; id <= 2000; ++id) map.peers.push_back(sample_peer(id));
  const Bytes message = encode(ServerMessage{map});
  BOOST_TEST(message.size() > 2 * kMaxChunk);
  const auto got = s.receive(s.seal(message), [] { return std::size_t{1500}; });
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  const auto decoded = decode_server_message(view(got[0]));
  BOOST_REQUIRE(decoded.ok());
  BOOST_TEST((decoded.value() == ServerMessage{map}));
}

BOOST_AUTO_TEST_CASE(an_empty_message_is_one_final_frame) {
  Stream s;
  const Bytes wire = s.seal(Bytes{});
  BOOST_TEST(wire.size() == sealed_frame_size(1));
  Bytes plain(1);
  BOOST_REQUIRE(s.pair.server.open(view(wire), span(plain)).ok());
  BOOST_TEST(plain[0] == kFinalChunk);
}

BOOST_AUTO_TEST_CASE(frames_carry_full_chunks_then_the_rest) {
  BOOST_TEST(sealed_message_size(0) == sealed_frame_size(1));
  BOOST_TEST(sealed_message_size(kMaxChunk) == sealed_frame_size(kMaxPlaintext));
  BOOST_TEST(sealed_message_size(kMaxChunk + 1) ==
             sealed_frame_size(kMaxPlaintext) + sealed_frame_size(2));
  BOOST_TEST(sealed_message_size(2 * kMaxChunk) == 2 * sealed_frame_size(kMaxPlaintext));
}

BOOST_AUTO_TEST_CASE(sender_refuses_a_message_over_the_maximum) {
  Stream s;
  const Bytes huge(kMaxMessageBytes + 1);
  Bytes out = {1, 2, 3};
  const weft::Status st = s.sender.seal(view(huge), s.pair.node, out);
  BOOST_REQUIRE(!st.ok());
  BOOST_TEST(st.error().code == "control.message_too_large");
  BOOST_TEST(out == (Bytes{1, 2, 3}));
  BOOST_TEST(s.pair.node.send_counter() == 0u);
  const Bytes largest(kMaxMessageBytes);
  BOOST_TEST(s.sender.seal(view(largest), s.pair.node, out).ok());
}

BOOST_AUTO_TEST_CASE(sender_refuses_without_a_started_transport) {
  MessageSender sender;
  Transport idle;
  Bytes out = {9};
  const Bytes message(100000);
  const weft::Status st = sender.seal(view(message), idle, out);
  BOOST_REQUIRE(!st.ok());
  BOOST_TEST(st.error().code == "control.transport");
  BOOST_TEST(out == Bytes{9});
}

BOOST_AUTO_TEST_CASE(receiver_refuses_a_message_as_soon_as_its_chunks_pass_the_maximum) {
  Stream s;
  const Bytes chunk_frame_plain = [] {
    Bytes p(kMaxPlaintext, 0xab);
    p[0] = kMoreChunks;
    return p;
  }();
  const std::size_t frames_that_fit = kMaxMessageBytes / kMaxChunk;
  Bytes wire;
  for (std::size_t i = 0; i <= frames_that_fit; ++i) {
    const Bytes f = raw_frame(s, chunk_frame_plain);
    wire.insert(wire.end(), f.begin(), f.end());
  }
  const Received r = s.first_error(wire);
  BOOST_TEST(r.error.code == "control.message_too_large");
  BOOST_TEST(s.receiver.buffered() <= kMaxMessageBytes);
  // Refused at the frame that passes the maximum, before decrypting it.
  BOOST_TEST(s.pair.server.recv_counter() == frames_that_fit);
}

BOOST_AUTO_TEST_CASE(receiver_accepts_a_message_of_exactly_the_maximum) {
  Stream s;
  Bytes message(kMaxMessageBytes);
  message.back() = 7;
  const auto got = s.receive(s.seal(message), [] { return std::size_t{1} << 20; });
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  BOOST_TEST(got[0].size() == kMaxMessageBytes);
  BOOST_TEST(got[0].back() == 7);
}

BOOST_AUTO_TEST_CASE(receiver_refuses_a_flag_other_than_0_or_1_and_stays_refused) {
  Stream s;
  const Bytes wire = raw_frame(s, Bytes{0x02, 'h', 'i'});
  const Received r = s.first_error(wire);
  BOOST_TEST(r.error.code == "control.malformed");
  BOOST_TEST(r.error.detail.find("0x02") != std::string::npos);
  // Terminal: a good frame afterwards is not read.
  const Bytes good = s.seal(Bytes{1});
  ByteView in = view(good);
  const Received again = s.receiver.poll(in, s.pair.server);
  BOOST_TEST(again.status == ReceiveStatus::kError);
  BOOST_TEST(again.error.code == "control.malformed");
}

BOOST_AUTO_TEST_CASE(receiver_refuses_a_frame_without_a_flag_byte) {
  Stream s;
  const Received r = s.first_error(raw_frame(s, Bytes{}));
  BOOST_TEST(r.error.code == "control.malformed");
  BOOST_TEST(r.error.detail.find("without a flag") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(receiver_refuses_an_oversized_frame_from_its_length_prefix) {
  const Bytes prefix = {0x00, 0x01, 0x00, 0x00};  // 65536 > kMaxFrameBody
  {
    Stream s;
    const Received r = s.first_error(prefix);
    BOOST_TEST(r.refusal == Refusal::kOversized);
    BOOST_TEST(r.error.code == "control.transport");
  }
  {
    Stream s;  // the same prefix, one byte per read: refused when its fourth byte arrives
    for (std::size_t i = 0; i < 3; ++i) {
      ByteView in{prefix.data() + i, 1};
      BOOST_TEST(s.receiver.poll(in, s.pair.server).status == ReceiveStatus::kNeedMore);
    }
    ByteView in{prefix.data() + 3, 1};
    const Received r = s.receiver.poll(in, s.pair.server);
    BOOST_TEST(r.status == ReceiveStatus::kError);
    BOOST_TEST(r.refusal == Refusal::kOversized);
    BOOST_TEST(s.receiver.buffered() <= kLengthPrefixSize);
  }
}

BOOST_AUTO_TEST_CASE(receiver_refuses_a_tampered_frame) {
  Stream s;
  Bytes wire = s.seal(Bytes(100, 1));
  wire[wire.size() / 2] ^= 1;
  const Received r = s.first_error(wire);
  BOOST_TEST(r.refusal == Refusal::kDecryptFailed);
  BOOST_TEST(r.error.code == "control.transport");
  BOOST_TEST(s.receiver.buffered() == 0u);
}

BOOST_AUTO_TEST_CASE(receiver_refuses_a_frame_shorter_than_counter_and_tag) {
  Stream s;
  Bytes frame = {0, 0, 0, 3, 1, 2, 3};
  const Received r = s.first_error(frame);
  BOOST_TEST(r.refusal == Refusal::kMalformed);
}

BOOST_AUTO_TEST_SUITE_END()
