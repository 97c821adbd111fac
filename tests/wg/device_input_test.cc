// Hostile and odd input to a device: every datagram size of every message type, truncated and
// oversized packets, tiny output buffers, IPv6 routing (whitepaper 5.4; conventions: untrusted
// input is counted, never fatal).
#define BOOST_TEST_MODULE wg_device_input
#include <boost/test/unit_test.hpp>

#include <numeric>

#include "crypto/crypto.h"
#include "harness.h"

using namespace weft::wg;
using namespace weft::wg::test;
using namespace std::chrono_literals;

namespace {

uint64_t total_drops(const Device& d) {
  auto s = d.stats();
  return std::accumulate(s.drops.begin(), s.drops.end(), uint64_t{0});
}

}  // namespace

BOOST_AUTO_TEST_SUITE(device_input)

BOOST_AUTO_TEST_CASE(drops_and_counts_malformed_input_of_every_size) {
  Pair net;
  net.handshake();
  std::size_t delivered = net.b.inbox.size();
  uint64_t before = total_drops(net.b.device);
  uint64_t sent = 0;
  for (uint8_t type = 0; type <= 5; ++type) {
    for (std::size_t size = 0; size <= 200; ++size) {
      std::vector<uint8_t> bytes(size, 0x41);
      if (size > 0) bytes[0] = type;
      for (std::size_t i = 1; i < 4 && i < size; ++i) bytes[i] = 0;
      Output o = net.b.device.receive_datagram(net.now(), net.a.ep, ByteView{bytes.data(), size},
                                               MutableBytes{net.buf, sizeof net.buf});
      BOOST_TEST(static_cast<int>(o.action) == static_cast<int>(Action::kDrop));
      ++sent;
    }
  }
  BOOST_TEST(total_drops(net.b.device) - before == sent);
  BOOST_TEST(net.b.device.stats().drops_of(DropReason::kMalformed) > 0u);
  BOOST_TEST(net.b.inbox.size() == delivered);
  // The session survived the garbage.
  net.send(net.a, ipv4_packet(1, 2, 10));
  BOOST_TEST(net.b.inbox.size() == delivered + 1);
}

BOOST_AUTO_TEST_CASE(drops_data_with_reserved_bytes_set) {
  Pair net;
  net.handshake();
  net.send(net.a, ipv4_packet(1, 2, 10));
  Datagram d = net.log.back();
  BOOST_REQUIRE(d.type() == kMessageTransportData);
  d.bytes[1] = 1;
  Output o = net.deliver(d);
  BOOST_TEST(static_cast<int>(o.drop) == static_cast<int>(DropReason::kMalformed));
}

BOOST_AUTO_TEST_CASE(drops_decrypted_garbage_that_is_not_ip) {
  Pair net;
  net.handshake();
  // Bytes that are not an IP packet are rejected on the sending side...
  std::vector<uint8_t> junk(40, 0);
  junk[0] = 0x00;
  Output o = net.a.device.send_packet(net.now(), ByteView{junk.data(), junk.size()},
                                      MutableBytes{net.buf, sizeof net.buf});
  BOOST_TEST(static_cast<int>(o.drop) == static_cast<int>(DropReason::kMalformed));
  // ...as is a header claiming more bytes than the packet has (the receiver would otherwise
  // take padding for data)...
  auto longer = ipv4_packet(1, 2, 10);
  longer[2] = 0x05;
  o = net.a.device.send_packet(net.now(), ByteView{longer.data(), longer.size()},
                               MutableBytes{net.buf, sizeof net.buf});
  BOOST_TEST(static_cast<int>(o.drop) == static_cast<int>(DropReason::kMalformed));
  // ...and an IPv4 header with an impossible total length is rejected after decryption.
  auto bad = ipv4_packet(1, 2, 10);
  bad[2] = 0;
  bad[3] = 10;  // shorter than an IPv4 header
  std::size_t delivered = net.b.inbox.size();
  net.send(net.a, bad);
  BOOST_TEST(net.b.inbox.size() == delivered);
  BOOST_TEST(net.b.device.stats().drops_of(DropReason::kMalformed) == 1u);
}

BOOST_AUTO_TEST_CASE(reports_small_output_buffers_instead_of_overflowing) {
  Pair net;
  net.handshake();
  auto pkt = ipv4_packet(1, 2, 100);
  uint8_t small[64];
  Output o = net.a.device.send_packet(net.now(), ByteView{pkt.data(), pkt.size()},
                                      MutableBytes{small, sizeof small});
  BOOST_TEST(static_cast<int>(o.drop) == static_cast<int>(DropReason::kBufferTooSmall));
  net.send(net.a, pkt);
  Datagram d = net.log.back();
  Output r = net.b.device.receive_datagram(net.now(), d.from, ByteView{d.bytes.data(), d.bytes.size()},
                                           MutableBytes{small, sizeof small});
  BOOST_TEST(static_cast<int>(r.drop) == static_cast<int>(DropReason::kBufferTooSmall));
}

BOOST_AUTO_TEST_CASE(routes_and_checks_ipv6) {
  Pair net;
  std::array<uint8_t, 16> a6{0xfd, 0x7a, 0x11, 0x5c, 0xa1, 0xe0};
  std::array<uint8_t, 16> b6 = a6;
  a6[15] = 1;
  b6[15] = 2;
  net.a.device.set_allowed_ips(net.a.peer, {AllowedIp::v6(b6, 128)});
  net.b.device.set_allowed_ips(net.b.peer, {AllowedIp::v6(a6, 128)});
  std::vector<uint8_t> pkt(40 + 8, 0x33);
  std::fill(pkt.begin(), pkt.begin() + 40, 0);
  pkt[0] = 0x60;
  pkt[5] = 8;
  pkt[6] = 17;
  std::copy(a6.begin(), a6.end(), pkt.begin() + 8);
  std::copy(b6.begin(), b6.end(), pkt.begin() + 24);
  net.send(net.a, pkt);
  BOOST_REQUIRE(net.b.inbox.size() == 1u);
  BOOST_TEST(net.b.inbox[0] == pkt);
  BOOST_TEST(net.a.device.allowed_ips(net.a.peer).size() == 1u);
}

BOOST_AUTO_TEST_CASE(survives_a_randomness_source_that_always_repeats) {
  struct Stuck : Random {
    void fill(uint8_t* out, std::size_t n) override { std::fill(out, out + n, uint8_t{0}); }
  } stuck;
  DeviceConfig config;
  config.private_key = make_private(5);
  Device d(config, stuck);
  PeerConfig pc;
  pc.public_key.bytes = weft::crypto::x25519_public(make_private(6).bytes);
  pc.endpoint = Path::v4(192, 0, 2, 9, 1);
  PeerId p = d.add_peer(pc);
  d.initiate_handshake(Now{}, p);
  uint8_t buf[256];
  Output o = d.poll_transmit(Now{}, MutableBytes{buf, sizeof buf});
  BOOST_TEST(static_cast<int>(o.drop) == static_cast<int>(DropReason::kBadHandshake));
  BOOST_TEST(static_cast<int>(d.poll_transmit(Now{}, MutableBytes{buf, sizeof buf}).action) ==
             static_cast<int>(Action::kNone));
}

BOOST_AUTO_TEST_CASE(refuses_duplicate_and_self_peers) {
  Pair net;
  PeerConfig again;
  again.public_key = net.b.device.public_key();
  BOOST_TEST(net.a.device.add_peer(again) == kNoPeer);
  PeerConfig self;
  self.public_key = net.a.device.public_key();
  BOOST_TEST(net.a.device.add_peer(self) == kNoPeer);
  BOOST_TEST(net.a.device.find_peer(net.b.device.public_key()) == net.a.peer);
  BOOST_TEST(net.a.device.peers().size() == 1u);
}

BOOST_AUTO_TEST_CASE(new_private_key_drops_sessions) {
  Pair net;
  net.handshake();
  net.a.device.set_private_key(make_private(99));
  BOOST_TEST(!net.a.device.peer_stats(net.a.peer).has_session);
  // B does not know the new key: A's next handshake is refused by mac1.
  net.send(net.a, ipv4_packet(1, 2, 10));
  BOOST_TEST(net.b.device.stats().drops_of(DropReason::kBadMac1) == 0u);
  BOOST_TEST(net.b.device.stats().drops_of(DropReason::kUnknownPeer) == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
