// The device's split data path (parallel crypto): send_packet/receive_datagram with a CryptoJob,
// TransportCrypto::run on the side, complete_receive in order. Its datagrams interoperate with
// the plain entry points, completion re-checks the keypair, replay and authentication failures
// leave the window alone, and a thread's key cache stays correct past its size.
#define BOOST_TEST_MODULE wg_crypto_job
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <vector>

#include "harness.h"

using namespace weft::wg;
using namespace weft::wg::test;

namespace {


// Encrypts `packet` on `n` through the split path, sealing with `crypto`.
std::vector<uint8_t> seal_split(Pair& net, Node& n, const std::vector<uint8_t>& packet,
                                TransportCrypto& crypto) {
  std::vector<uint8_t> buf(output_capacity_for(packet.size()));
  CryptoJob job;
  Output o = n.device.send_packet(net.now(), ByteView{packet.data(), packet.size()},
                                  MutableBytes{buf.data(), buf.size()}, job);
  BOOST_REQUIRE(o.action == Action::kSendDatagram);
  BOOST_REQUIRE(job.kind == CryptoJob::Kind::kSeal);
  crypto.run(job, buf.data(), nullptr);
  BOOST_TEST((job.kind == CryptoJob::Kind::kNone));
  BOOST_TEST((std::all_of(job.key.begin(), job.key.end(), [](uint8_t b) { return b == 0; })));
  buf.resize(o.size);
  return buf;
}

// Prepares a received datagram on `n` (no AEAD yet).
Output prepare(Pair& net, Node& n, const std::vector<uint8_t>& dg, CryptoJob& job,
               std::vector<uint8_t>& out) {
  out.assign(output_capacity_for(dg.size()), 0);
  return n.device.receive_datagram(net.now(), net.other(n).ep, ByteView{dg.data(), dg.size()},
                                   MutableBytes{out.data(), out.size()}, job);
}

Output complete(Pair& net, Node& n, CryptoJob& job, std::vector<uint8_t>& out) {
  return n.device.complete_receive(net.now(), net.other(n).ep, job,
                                   MutableBytes{out.data(), out.size()});
}

}  // namespace

BOOST_AUTO_TEST_SUITE(crypto_job)

BOOST_AUTO_TEST_CASE(split_sealing_is_opened_by_the_plain_path) {
  Pair net;
  net.handshake();
  TransportCrypto crypto;
  auto packet = ipv4_packet(1, 2, 1000, 0x5a);
  std::vector<uint8_t> dg = seal_split(net, net.a, packet, crypto);
  std::vector<uint8_t> out(output_capacity_for(dg.size()));
  Output o = net.b.device.receive_datagram(net.now(), net.a.ep, ByteView{dg.data(), dg.size()},
                                           MutableBytes{out.data(), out.size()});
  BOOST_REQUIRE(o.action == Action::kDeliverToTunnel);
  BOOST_TEST(std::vector<uint8_t>(out.begin(), out.begin() + long(o.size)) == packet);
}

BOOST_AUTO_TEST_CASE(seals_a_packet_that_already_lies_where_its_body_goes) {
  // A driver splits super-packets straight into its datagram buffers, 16 bytes in: both entry
  // points must seal the packet there (an odd size, so padding follows it) without a copy
  // going wrong, and the peer must get it back.
  Pair net;
  net.handshake();
  TransportCrypto crypto;
  for (bool split : {false, true}) {
    auto packet = ipv4_packet(1, 2, 999, split ? 0x3c : 0x4d);
    std::vector<uint8_t> dg(output_capacity_for(packet.size()));
    std::copy(packet.begin(), packet.end(), dg.begin() + long(kTransportHeaderSize));
    ByteView in_place{dg.data() + kTransportHeaderSize, packet.size()};
    CryptoJob job;
    Output s = split ? net.a.device.send_packet(net.now(), in_place,
                                                MutableBytes{dg.data(), dg.size()}, job)
                     : net.a.device.send_packet(net.now(), in_place,
                                                MutableBytes{dg.data(), dg.size()});
    BOOST_REQUIRE(s.action == Action::kSendDatagram);
    if (split) {
      // The plaintext stays readable where it was until the seal.
      BOOST_TEST(std::equal(packet.begin(), packet.end(), dg.begin() + long(kTransportHeaderSize)));
      crypto.run(job, dg.data(), nullptr);
    }
    std::vector<uint8_t> out(output_capacity_for(s.size));
    Output o = net.b.device.receive_datagram(net.now(), net.a.ep, ByteView{dg.data(), s.size},
                                             MutableBytes{out.data(), out.size()});
    BOOST_REQUIRE(o.action == Action::kDeliverToTunnel);
    BOOST_TEST(std::vector<uint8_t>(out.begin(), out.begin() + long(o.size)) == packet);
  }
}

BOOST_AUTO_TEST_CASE(split_opening_delivers_what_the_plain_path_sealed) {
  Pair net;
  net.handshake();
  auto packet = ipv4_packet(1, 2, 300, 0x11);
  std::vector<uint8_t> dg(output_capacity_for(packet.size()));
  Output s = net.a.device.send_packet(net.now(), ByteView{packet.data(), packet.size()},
                                      MutableBytes{dg.data(), dg.size()});
  BOOST_REQUIRE(s.action == Action::kSendDatagram);
  dg.resize(s.size);
  uint64_t rx_before = net.b.device.peer_stats(net.b.peer).rx_bytes;

  CryptoJob job;
  std::vector<uint8_t> out;
  Output p = prepare(net, net.b, dg, job, out);
  BOOST_TEST((p.action == Action::kNone));
  BOOST_REQUIRE(job.kind == CryptoJob::Kind::kOpen);
  // Nothing is counted before completion.
  BOOST_TEST(net.b.device.peer_stats(net.b.peer).rx_bytes == rx_before);
  TransportCrypto crypto;
  crypto.run(job, dg.data(), out.data());
  BOOST_TEST(job.opened);
  Output o = complete(net, net.b, job, out);
  BOOST_REQUIRE(o.action == Action::kDeliverToTunnel);
  BOOST_TEST(o.peer == net.b.peer);
  BOOST_TEST(std::vector<uint8_t>(out.begin(), out.begin() + long(o.size)) == packet);
  BOOST_TEST(net.b.device.peer_stats(net.b.peer).rx_bytes == rx_before + dg.size());
  BOOST_TEST((job.kind == CryptoJob::Kind::kNone));
}

BOOST_AUTO_TEST_CASE(counters_are_reserved_in_call_order_whatever_order_sealing_runs) {
  Pair net;
  net.handshake();
  TransportCrypto crypto;
  constexpr int kCount = 6;
  std::vector<std::vector<uint8_t>> bufs(kCount, std::vector<uint8_t>(2048));
  std::vector<CryptoJob> jobs(kCount);
  std::vector<Output> outs(kCount);
  for (int i = 0; i < kCount; ++i) {
    auto packet = ipv4_packet(1, 2, 100, static_cast<uint8_t>(i));
    outs[i] = net.a.device.send_packet(net.now(), ByteView{packet.data(), packet.size()},
                                       MutableBytes{bufs[i].data(), bufs[i].size()}, jobs[i]);
    BOOST_REQUIRE(jobs[i].kind == CryptoJob::Kind::kSeal);
  }
  for (int i = kCount - 1; i >= 0; --i) crypto.run(jobs[i], bufs[i].data(), nullptr);
  uint64_t first = 0;
  for (int i = 0; i < kCount; ++i) {
    auto hdr = parse_transport_header(bufs[i].data(), outs[i].size);
    BOOST_REQUIRE(hdr.ok());
    if (i == 0) first = hdr->counter;
    BOOST_TEST(hdr->counter == first + uint64_t(i));
    std::vector<uint8_t> out(2048);
    Output o = net.b.device.receive_datagram(net.now(), net.a.ep,
                                             ByteView{bufs[i].data(), outs[i].size},
                                             MutableBytes{out.data(), out.size()});
    BOOST_TEST((o.action == Action::kDeliverToTunnel));
    BOOST_TEST(out[20] == static_cast<uint8_t>(i));
  }
}

BOOST_AUTO_TEST_CASE(opens_in_any_order_and_completes_in_order) {
  Pair net;
  net.handshake();
  TransportCrypto sealer;
  constexpr int kCount = 5;
  std::vector<std::vector<uint8_t>> dgs;
  for (int i = 0; i < kCount; ++i)
    dgs.push_back(seal_split(net, net.a, ipv4_packet(1, 2, 64, uint8_t(0x40 + i)), sealer));
  std::vector<CryptoJob> jobs(kCount);
  std::vector<std::vector<uint8_t>> outs(kCount);
  for (int i = 0; i < kCount; ++i) {
    prepare(net, net.b, dgs[i], jobs[i], outs[i]);
    BOOST_REQUIRE(jobs[i].kind == CryptoJob::Kind::kOpen);
  }
  TransportCrypto opener;
  for (int i : {3, 0, 4, 2, 1}) opener.run(jobs[i], dgs[i].data(), outs[i].data());
  for (int i = 0; i < kCount; ++i) {
    Output o = complete(net, net.b, jobs[i], outs[i]);
    BOOST_REQUIRE(o.action == Action::kDeliverToTunnel);
    BOOST_TEST(outs[i][20] == uint8_t(0x40 + i));
  }
}

BOOST_AUTO_TEST_CASE(a_forgery_fails_at_completion_and_leaves_the_window_alone) {
  Pair net;
  net.handshake();
  TransportCrypto crypto;
  std::vector<uint8_t> dg = seal_split(net, net.a, ipv4_packet(1, 2, 64), crypto);
  std::vector<uint8_t> forged = dg;
  forged[40] ^= 1;
  CryptoJob job;
  std::vector<uint8_t> out;
  prepare(net, net.b, forged, job, out);
  crypto.run(job, forged.data(), out.data());
  BOOST_TEST(!job.opened);
  Output o = complete(net, net.b, job, out);
  BOOST_TEST((o.action == Action::kDrop));
  BOOST_TEST((o.drop == DropReason::kBadAead));
  // The genuine datagram with the same counter still passes, once.
  CryptoJob good;
  prepare(net, net.b, dg, good, out);
  crypto.run(good, dg.data(), out.data());
  BOOST_TEST((complete(net, net.b, good, out).action == Action::kDeliverToTunnel));
  CryptoJob again;
  prepare(net, net.b, dg, again, out);
  crypto.run(again, dg.data(), out.data());
  Output replay = complete(net, net.b, again, out);
  BOOST_TEST((replay.drop == DropReason::kReplay));
}

BOOST_AUTO_TEST_CASE(a_keypair_retired_before_completion_drops_the_packet) {
  Pair net;
  net.handshake();
  TransportCrypto crypto;
  std::vector<uint8_t> dg = seal_split(net, net.a, ipv4_packet(1, 2, 64), crypto);
  CryptoJob job;
  std::vector<uint8_t> out;
  prepare(net, net.b, dg, job, out);
  crypto.run(job, dg.data(), out.data());
  BOOST_TEST(job.opened);
  // The same key again: every session is dropped (their indices freed).
  net.b.device.set_private_key(Node::config(2).private_key);
  Output o = complete(net, net.b, job, out);
  BOOST_TEST((o.drop == DropReason::kNoSession));
  BOOST_TEST(net.b.device.stats().drops_of(DropReason::kNoSession) == 1u);
}

BOOST_AUTO_TEST_CASE(other_messages_need_no_job) {
  Pair net;
  // A handshake initiation through the split entry point is handled at once.
  net.send(net.a, ipv4_packet(1, 2, 64));
  BOOST_REQUIRE(!net.log.empty());
  const Datagram& init = net.log.front();
  BOOST_REQUIRE(init.type() == kMessageHandshakeInitiation);
  Pair other;
  CryptoJob job;
  std::vector<uint8_t> out;
  Output o = prepare(other, other.b, init.bytes, job, out);
  BOOST_TEST((job.kind == CryptoJob::Kind::kNone));
  BOOST_TEST((o.action != Action::kNone));  // answered or dropped, never left pending
  // A staged packet (no session yet) gives no seal job.
  Pair fresh;
  auto packet = ipv4_packet(1, 2, 64);
  std::vector<uint8_t> buf(2048);
  CryptoJob send_job;
  Output s = fresh.a.device.send_packet(fresh.now(), ByteView{packet.data(), packet.size()},
                                        MutableBytes{buf.data(), buf.size()}, send_job);
  BOOST_TEST((s.action == Action::kNone));
  BOOST_TEST((send_job.kind == CryptoJob::Kind::kNone));
}

BOOST_AUTO_TEST_CASE(a_thread_cache_stays_correct_past_its_size) {
  TransportCrypto crypto;
  std::vector<uint8_t> plain(64, 0x33);
  for (int round = 0; round < 2; ++round) {
    for (int k = 0; k < int(TransportCrypto::kSlots) * 2 + 1; ++k) {
      weft::crypto::Key32 key{};
      key.fill(static_cast<uint8_t>(k + 1));
      std::vector<uint8_t> dg(kTransportHeaderSize + plain.size() + kAeadTagSize);
      std::copy(plain.begin(), plain.end(), dg.begin() + kTransportHeaderSize);
      CryptoJob seal;
      seal.kind = CryptoJob::Kind::kSeal;
      seal.key = key;
      seal.counter = uint64_t(k);
      seal.length = plain.size();
      crypto.run(seal, dg.data(), nullptr);
      std::vector<uint8_t> expect(plain.size() + kAeadTagSize);
      weft::crypto::aead_seal(key, uint64_t(k), plain.data(), plain.size(), nullptr, 0,
                              expect.data());
      BOOST_TEST(std::equal(expect.begin(), expect.end(), dg.begin() + kTransportHeaderSize));
      CryptoJob open;
      open.kind = CryptoJob::Kind::kOpen;
      open.key = key;
      open.counter = uint64_t(k);
      open.length = plain.size() + kAeadTagSize;
      std::vector<uint8_t> out(plain.size());
      crypto.run(open, dg.data(), out.data());
      BOOST_TEST(open.opened);
      BOOST_TEST(out == plain);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
