#define BOOST_TEST_MODULE tunnel_uapi
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cerrno>
#include <string>

#include "tunnel/uapi.h"

using namespace weft::tunnel;
using weft::util::IpPrefix;

namespace {

constexpr char kPubHex[] = "416b28285ad413a79718ac8841f5917d2c1ef3e0dd963c0cc87805c5181cef0b";
constexpr char kPub2Hex[] = "68e0bc7c4114fb0ebffabc2a6a5f710f94d4d3f1fbf8655b9c42e45cb8ba7260";

weft::core::KeyBytes hex(const char* h) { return *weft::core::key_from_hex(h); }

}  // namespace

BOOST_AUTO_TEST_SUITE(uapi)

// What `wg set wg0 private-key ... listen-port 51820 peer P endpoint ... allowed-ips ...` sends.
BOOST_AUTO_TEST_CASE(parses_a_wg_set_request_into_typed_operations) {
  std::string body = std::string("private_key=") + kPub2Hex + "\n" +
                     "listen_port=51820\n"
                     "fwmark=0\n"
                     "replace_peers=true\n"
                     "public_key=" + kPubHex + "\n"
                     "preshared_key=" + kPub2Hex + "\n"
                     "endpoint=[2001:db8::1]:51821\n"
                     "persistent_keepalive_interval=25\n"
                     "replace_allowed_ips=true\n"
                     "allowed_ip=100.64.0.2/32\n"
                     "allowed_ip=fd7a::/48\n"
                     "public_key=" + kPub2Hex + "\n"
                     "update_only=true\n"
                     "protocol_version=1\n"
                     "public_key=" + kPubHex + "\n"
                     "remove=true\n";
  auto r = parse_set_body(body);
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? std::string() : r.error().detail));
  const UapiSetRequest& req = *r;
  BOOST_REQUIRE(req.private_key.has_value());
  BOOST_TEST((req.private_key->bytes == hex(kPub2Hex)));
  BOOST_TEST(req.listen_port.value_or(0) == 51820);
  BOOST_TEST(req.fwmark.value_or(7) == 0u);
  BOOST_TEST(req.replace_peers);
  BOOST_REQUIRE_EQUAL(req.peers.size(), 3u);
  const auto& p = req.peers[0];
  BOOST_TEST((p.public_key.bytes == hex(kPubHex)));
  BOOST_REQUIRE(p.preshared_key.has_value());
  BOOST_REQUIRE(p.endpoint.has_value());
  BOOST_TEST(p.endpoint->to_string() == "[2001:db8::1]:51821");
  BOOST_TEST(p.persistent_keepalive.value_or(std::chrono::seconds{0}).count() == 25);
  BOOST_TEST(p.replace_allowed_ips);
  BOOST_REQUIRE_EQUAL(p.allowed_ips.size(), 2u);
  BOOST_TEST(p.allowed_ips[1].to_string() == "fd7a::/48");
  BOOST_TEST(!p.remove);
  BOOST_TEST(req.peers[1].update_only);
  BOOST_TEST(req.peers[2].remove);
}

BOOST_AUTO_TEST_CASE(rejects_unknown_keys_with_einval) {
  auto r = parse_set_body("listen_port=1\nfrobnicate=1\n");
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().code == kUapiErrorInvalid);
  BOOST_TEST(uapi_errno_for(r.error()) == EINVAL);
}

BOOST_AUTO_TEST_CASE(rejects_peer_keys_before_public_key) {
  auto r = parse_set_body("endpoint=192.0.2.1:1\n");
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(uapi_errno_for(r.error()) == EINVAL);
}

BOOST_AUTO_TEST_CASE(rejects_device_keys_after_public_key) {
  auto r = parse_set_body(std::string("public_key=") + kPubHex + "\nlisten_port=5\n");
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().code == kUapiErrorInvalid);
}

BOOST_AUTO_TEST_CASE(rejects_line_without_equals_with_eproto) {
  auto r = parse_set_body("listen_port\n");
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(uapi_errno_for(r.error()) == EPROTO);
}

BOOST_AUTO_TEST_CASE(rejects_malformed_values) {
  for (const char* bad : {"listen_port=65536\n", "listen_port=-1\n", "private_key=abc\n",
                          "replace_peers=false\n", "fwmark=0x10\n"}) {
    BOOST_TEST(!parse_set_body(bad).ok(), bad);
  }
  std::string peer = std::string("public_key=") + kPubHex + "\n";
  for (const char* bad : {"allowed_ip=10.0.0.1\n", "allowed_ip=10.0.0.0/33\n",
                          "endpoint=host.example:1\n", "protocol_version=2\n", "remove=yes\n",
                          "persistent_keepalive_interval=65536\n"}) {
    BOOST_TEST(!parse_set_body(peer + bad).ok(), bad);
  }
}

BOOST_AUTO_TEST_CASE(formats_get_response_in_wg_order) {
  UapiDeviceState s;
  s.private_key = weft::wg::PrivateKey(hex(kPub2Hex));
  s.listen_port = 51820;
  UapiPeerState p;
  p.public_key = weft::wg::PublicKey{hex(kPubHex)};
  p.endpoint = weft::core::SocketAddress::parse("192.0.2.9:4000");
  p.last_handshake = std::chrono::system_clock::time_point(
      std::chrono::seconds(1700000000) + std::chrono::nanoseconds(123));
  p.rx_bytes = 1000;
  p.tx_bytes = 2000;
  p.persistent_keepalive = std::chrono::seconds(25);
  p.allowed_ips = {*IpPrefix::parse("100.64.0.2/32"), *IpPrefix::parse("fd7a::/48")};
  s.peers.push_back(p);
  std::string expected = std::string("private_key=") + kPub2Hex + "\n" +
                         "listen_port=51820\n"
                         "public_key=" + kPubHex + "\n" +
                         "preshared_key=" + std::string(64, '0') + "\n" +
                         "protocol_version=1\n"
                         "endpoint=192.0.2.9:4000\n"
                         "last_handshake_time_sec=1700000000\n"
                         "last_handshake_time_nsec=123\n"
                         "tx_bytes=2000\n"
                         "rx_bytes=1000\n"
                         "persistent_keepalive_interval=25\n"
                         "allowed_ip=100.64.0.2/32\n"
                         "allowed_ip=fd7a::/48\n"
                         "errno=0\n\n";
  BOOST_TEST(format_get_response(s) == expected);
}

BOOST_AUTO_TEST_CASE(formats_never_handshaken_peer_as_zero_time) {
  UapiDeviceState s;
  s.peers.push_back(UapiPeerState{});
  std::string out = format_get_response(s);
  BOOST_TEST(out.find("last_handshake_time_sec=0\nlast_handshake_time_nsec=0\n") !=
             std::string::npos);
  BOOST_TEST(out.find("private_key=") == std::string::npos);
  BOOST_TEST(out.find("endpoint=") == std::string::npos);
  BOOST_TEST(format_errno_response(EINVAL) == "errno=22\n\n");
  // Set failures carry the negated errno, as wg(8) reads them.
  BOOST_TEST(format_set_response(EINVAL) == "errno=-22\n\n");
  BOOST_TEST(format_set_response(0) == "errno=0\n\n");
}

BOOST_AUTO_TEST_CASE(frames_requests_arriving_in_pieces) {
  UapiRequestReader reader;
  std::string body;
  reader.feed("ge");
  BOOST_TEST((reader.next(&body) == UapiRequestReader::Status::kNeedMore));
  reader.feed("t=1\n");
  BOOST_TEST((reader.next(&body) == UapiRequestReader::Status::kNeedMore));
  reader.feed("\nset=1\nlisten_port=5\n");
  BOOST_TEST((reader.next(&body) == UapiRequestReader::Status::kGet));
  BOOST_TEST((reader.next(&body) == UapiRequestReader::Status::kNeedMore));
  reader.feed("\nset=1\n\nget=1\n\n");
  BOOST_TEST((reader.next(&body) == UapiRequestReader::Status::kSet));
  BOOST_TEST(body == "listen_port=5\n");
  BOOST_TEST((reader.next(&body) == UapiRequestReader::Status::kSet));
  BOOST_TEST(body.empty());
  BOOST_TEST((reader.next(&body) == UapiRequestReader::Status::kGet));
  BOOST_TEST((reader.next(&body) == UapiRequestReader::Status::kNeedMore));
}

BOOST_AUTO_TEST_CASE(refuses_unknown_operations_for_good) {
  UapiRequestReader reader;
  reader.feed("get=2\n\n");
  BOOST_TEST((reader.next(nullptr) == UapiRequestReader::Status::kInvalid));
  reader.feed("get=1\n\n");
  BOOST_TEST((reader.next(nullptr) == UapiRequestReader::Status::kInvalid));

  UapiRequestReader trailing;
  trailing.feed("get=1\nx");
  BOOST_TEST((trailing.next(nullptr) == UapiRequestReader::Status::kInvalid));

  UapiRequestReader garbage;
  garbage.feed(std::string(100, 'A'));
  BOOST_TEST((garbage.next(nullptr) == UapiRequestReader::Status::kInvalid));
}

// An oversized set request arriving in reads: nothing past the cap is kept, the rest of it is
// dropped up to its blank line, it is answered EMSGSIZE, and the next request is served.
BOOST_AUTO_TEST_CASE(skips_an_oversized_set_request_and_serves_the_next) {
  UapiRequestReader reader;
  reader.feed("set=1\n");
  std::string line = std::string("public_key=") + kPubHex + "\n";
  std::string chunk;
  while (chunk.size() < 16 * 1024) chunk += line;
  std::size_t most = 0;
  for (std::size_t sent = 0; sent < 3 * UapiRequestReader::kMaxRequestSize; sent += chunk.size()) {
    reader.feed(chunk);
    BOOST_TEST((reader.next(nullptr) == UapiRequestReader::Status::kNeedMore));
    most = std::max(most, reader.buffered());
  }
  BOOST_TEST(most <= UapiRequestReader::kMaxRequestSize + chunk.size());
  BOOST_TEST(reader.buffered() == 0u);  // past the cap: dropped as fed
  // The blank line straddles two reads (the last one ended with a line's '\n'), and the next
  // request follows in the same read.
  reader.feed("\nget=1\n\n");
  BOOST_TEST((reader.next(nullptr) == UapiRequestReader::Status::kTooLarge));
  BOOST_TEST(!reader.finished());
  BOOST_TEST((reader.next(nullptr) == UapiRequestReader::Status::kGet));
  BOOST_TEST((reader.next(nullptr) == UapiRequestReader::Status::kNeedMore));
}

BOOST_AUTO_TEST_CASE(refuses_an_oversized_request_fed_at_once_the_same_way) {
  UapiRequestReader reader;
  std::string body;
  reader.feed("set=1\n" + std::string(UapiRequestReader::kMaxRequestSize, 'a') + "\n\n" +
              "set=1\nlisten_port=5\n\n");
  BOOST_TEST((reader.next(&body) == UapiRequestReader::Status::kTooLarge));
  BOOST_TEST((reader.next(&body) == UapiRequestReader::Status::kSet));
  BOOST_TEST(body == "listen_port=5\n");
  // Exactly at the cap is still served.
  std::string at_cap = "set=1\n";
  at_cap += std::string(UapiRequestReader::kMaxRequestSize - at_cap.size() - 2, 'b') + "\n\n";
  reader.feed(at_cap);
  BOOST_TEST((reader.next(&body) == UapiRequestReader::Status::kSet));
}

BOOST_AUTO_TEST_CASE(gives_up_on_a_request_that_never_ends) {
  UapiRequestReader reader;
  reader.feed("set=1\n");
  std::string chunk(64 * 1024, 'x');
  chunk.back() = '\n';
  std::size_t sent = 0;
  auto st = UapiRequestReader::Status::kNeedMore;
  while (st == UapiRequestReader::Status::kNeedMore && sent <= 2 * UapiRequestReader::kMaxDiscard) {
    reader.feed(chunk);
    sent += chunk.size();
    st = reader.next(nullptr);
  }
  BOOST_TEST((st == UapiRequestReader::Status::kTooLarge));
  BOOST_TEST(sent >= UapiRequestReader::kMaxDiscard);  // plus the 6 bytes of "set=1\n"
  BOOST_TEST(sent <= UapiRequestReader::kMaxDiscard + chunk.size());
  BOOST_TEST(reader.finished());
  reader.feed("get=1\n\n");
  BOOST_TEST((reader.next(nullptr) == UapiRequestReader::Status::kInvalid));
}

// Complete requests before garbage are still served, in order; then the stream is finished.
BOOST_AUTO_TEST_CASE(serves_a_set_before_garbage_then_finishes) {
  UapiRequestReader reader;
  std::string body;
  reader.feed("set=1\nlisten_port=7\n\nhello there\n");
  BOOST_TEST((reader.next(&body) == UapiRequestReader::Status::kSet));
  BOOST_TEST(body == "listen_port=7\n");
  BOOST_TEST(!reader.finished());
  BOOST_TEST((reader.next(&body) == UapiRequestReader::Status::kInvalid));
  BOOST_TEST(reader.finished());
  BOOST_TEST(reader.buffered() == 0u);
}

BOOST_AUTO_TEST_CASE(refusals_carry_negated_errno_values) {
  BOOST_TEST(format_refusal(UapiRequestReader::Status::kTooLarge) ==
             "errno=-" + std::to_string(EMSGSIZE) + "\n\n");
  BOOST_TEST(format_refusal(UapiRequestReader::Status::kInvalid) ==
             "errno=-" + std::to_string(EPROTO) + "\n\n");
}

BOOST_AUTO_TEST_SUITE_END()
