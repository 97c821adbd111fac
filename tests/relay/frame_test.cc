// The relay frame codec: headers, reassembly across any split, limits, typed payloads, and the
// byte ring the cores queue frames in.
#define BOOST_TEST_MODULE relay_frame
#include <boost/test/unit_test.hpp>

#include "relay/byte_ring.h"
#include "relay/frame.h"

BOOST_TEST_DONT_PRINT_LOG_VALUE(weft::core::RelayPublicKey)
BOOST_TEST_DONT_PRINT_LOG_VALUE(weft::relay::PeerGoneReason)

using namespace weft;
using namespace weft::relay;

namespace {

std::vector<uint8_t> frame(uint8_t type, std::size_t n, uint8_t fill) {
  std::vector<uint8_t> f(kFrameHeaderSize + n, fill);
  put_header(f.data(), static_cast<FrameType>(type), n);
  return f;
}

using Seen = std::vector<std::pair<uint8_t, std::vector<uint8_t>>>;

bool feed(FrameReader& r, const std::vector<uint8_t>& bytes, std::size_t from, std::size_t to,
          Seen& seen) {
  return r.feed(core::ByteView{bytes.data() + from, to - from}, [&](const Frame& f) {
    seen.emplace_back(f.type, std::vector<uint8_t>(f.payload.data, f.payload.data + f.payload.size));
    return true;
  });
}

}  // namespace

BOOST_AUTO_TEST_SUITE(relay_frame)

BOOST_AUTO_TEST_CASE(header_is_type_then_big_endian_length) {
  uint8_t h[kFrameHeaderSize];
  put_header(h, FrameType::kSendPacket, 0x010203);
  BOOST_TEST(h[0] == 0x04);
  BOOST_TEST(h[1] == 0x00);
  BOOST_TEST(h[2] == 0x01);
  BOOST_TEST(h[3] == 0x02);
  BOOST_TEST(h[4] == 0x03);
  BOOST_TEST(get_u32(h + 1) == 0x010203u);
}

BOOST_AUTO_TEST_CASE(reassembles_frames_split_at_every_byte) {
  std::vector<uint8_t> stream;
  for (auto f : {frame(0x04, 40, 1), frame(0x06, 0, 2), frame(0x0c, 8, 3)}) {
    stream.insert(stream.end(), f.begin(), f.end());
  }
  for (std::size_t split = 0; split <= stream.size(); ++split) {
    FrameReader r;
    Seen seen;
    BOOST_TEST(feed(r, stream, 0, split, seen));
    BOOST_TEST(feed(r, stream, split, stream.size(), seen));
    BOOST_TEST_REQUIRE(seen.size() == 3u);
    BOOST_TEST(seen[0].first == 0x04);
    BOOST_TEST(seen[0].second.size() == 40u);
    BOOST_TEST(seen[1].second.empty());
    BOOST_TEST(seen[2].second == std::vector<uint8_t>(8, 3));
    BOOST_TEST(r.buffered() == 0u);
  }
}

BOOST_AUTO_TEST_CASE(reassembles_one_byte_at_a_time) {
  auto stream = frame(0x05, 1000, 7);
  FrameReader r;
  Seen seen;
  for (std::size_t i = 0; i < stream.size(); ++i) BOOST_TEST(feed(r, stream, i, i + 1, seen));
  BOOST_TEST_REQUIRE(seen.size() == 1u);
  BOOST_TEST(seen[0].second == std::vector<uint8_t>(1000, 7));
}

BOOST_AUTO_TEST_CASE(accepts_the_largest_frame_and_refuses_one_byte_more) {
  auto largest = frame(0x04, kMaxFramePayload, 0);
  FrameReader ok;
  Seen seen;
  BOOST_TEST(feed(ok, largest, 0, largest.size(), seen));
  BOOST_TEST(seen.size() == 1u);

  uint8_t h[kFrameHeaderSize];
  put_header(h, FrameType::kSendPacket, kMaxFramePayload + 1);
  std::vector<uint8_t> over(h, h + sizeof(h));
  for (std::size_t split = 0; split <= over.size(); ++split) {
    FrameReader r;
    Seen none;
    bool first = feed(r, over, 0, split, none);
    bool second = feed(r, over, split, over.size(), none);
    BOOST_TEST(!(first && second));
    BOOST_TEST(r.failed());
    BOOST_TEST(none.empty());
  }
}

BOOST_AUTO_TEST_CASE(keeps_a_truncated_frame_until_the_rest_arrives) {
  auto f = frame(0x04, 100, 9);
  FrameReader r;
  Seen seen;
  BOOST_TEST(feed(r, f, 0, 60, seen));
  BOOST_TEST(seen.empty());
  BOOST_TEST(r.buffered() == 60u);
}

BOOST_AUTO_TEST_CASE(stops_when_the_handler_says_so) {
  auto a = frame(0x04, 4, 1);
  auto b = frame(0x04, 4, 2);
  a.insert(a.end(), b.begin(), b.end());
  FrameReader r;
  int calls = 0;
  r.feed(core::ByteView{a.data(), a.size()}, [&](const Frame&) {
    ++calls;
    return false;
  });
  BOOST_TEST(calls == 1);
}

BOOST_AUTO_TEST_CASE(server_key_round_trips_and_checks_magic_and_length) {
  ServerKeyFrame f;
  f.relay_key.bytes[0] = 0xaa;
  f.challenge[31] = 0x55;
  std::vector<uint8_t> out;
  append_server_key(out, f);
  BOOST_TEST(out.size() == kFrameHeaderSize + kServerKeyPayload);
  core::ByteView p{out.data() + kFrameHeaderSize, kServerKeyPayload};
  auto back = parse_server_key(p);
  BOOST_TEST_REQUIRE(back.ok());
  BOOST_TEST(back->relay_key == f.relay_key);
  BOOST_TEST(back->challenge == f.challenge);
  BOOST_TEST(!parse_server_key(core::ByteView{p.data, p.size - 1}).ok());
  out[kFrameHeaderSize] = 'X';
  BOOST_TEST(parse_server_key(p).error().code == "relay.malformed");
}

BOOST_AUTO_TEST_CASE(server_info_round_trips_and_accepts_appended_fields) {
  std::vector<uint8_t> out;
  append_server_info(out, ServerInfoFrame{1, 4u << 20, 8u << 20});
  out.push_back(0xff);  // a later version's field
  auto back = parse_server_info(core::ByteView{out.data() + kFrameHeaderSize,
                                               out.size() - kFrameHeaderSize});
  BOOST_TEST_REQUIRE(back.ok());
  BOOST_TEST(back->rate_bytes_per_second == (4u << 20));
  BOOST_TEST(back->burst_bytes == (8u << 20));
  BOOST_TEST(!parse_server_info(core::ByteView{out.data() + kFrameHeaderSize, 17}).ok());
}

BOOST_AUTO_TEST_CASE(error_round_trips_and_rejects_bad_code_lengths) {
  std::vector<uint8_t> out;
  append_error(out, ErrorFrame{"relay.not_allowed", "no"});
  auto back = parse_error(core::ByteView{out.data() + kFrameHeaderSize,
                                         out.size() - kFrameHeaderSize});
  BOOST_TEST_REQUIRE(back.ok());
  BOOST_TEST(back->code == "relay.not_allowed");
  BOOST_TEST(back->message == "no");
  uint8_t zero_code[] = {0, 'x'};
  BOOST_TEST(!parse_error(core::ByteView{zero_code, 2}).ok());
  uint8_t long_code[] = {9, 'a', 'b'};
  BOOST_TEST(!parse_error(core::ByteView{long_code, 3}).ok());
}

BOOST_AUTO_TEST_CASE(peer_gone_needs_key_and_reason) {
  uint8_t p[kPeerGonePayload] = {};
  p[kKeyLen] = 1;
  auto g = parse_peer_gone(core::ByteView{p, sizeof(p)});
  BOOST_TEST_REQUIRE(g.ok());
  BOOST_TEST(g->reason == PeerGoneReason::kNotHere);
  BOOST_TEST(!parse_peer_gone(core::ByteView{p, kKeyLen}).ok());
}

BOOST_AUTO_TEST_CASE(byte_ring_wraps_keeps_order_and_refuses_beyond_its_limit) {
  ByteRing ring(10000);
  std::vector<uint8_t> in(3000);
  uint8_t next = 0;
  uint8_t expect = 0;
  std::vector<uint8_t> out(1700);
  for (int round = 0; round < 50; ++round) {
    for (auto& b : in) b = next++;
    BOOST_TEST_REQUIRE(ring.push(in.data(), in.size()));
    while (ring.size() > 2000) {
      std::size_t n = ring.pop(out.data(), out.size());
      for (std::size_t i = 0; i < n; ++i) BOOST_TEST_REQUIRE(out[i] == expect++);
    }
  }
  std::vector<uint8_t> big(ring.limit() - ring.size() + 1);
  BOOST_TEST(!ring.push(big.data(), big.size()));
  BOOST_TEST(ring.push(big.data(), big.size(), nullptr, 0, nullptr, 0, 1));
}

BOOST_AUTO_TEST_SUITE_END()
