// The weft control channel handshake (lib/control/channel.h): node <-> server round trips, the
// server's authenticity, the version check and refused hellos.
#define BOOST_TEST_MODULE control_channel
#include <boost/test/unit_test.hpp>

#include "control/channel.h"
#include "harness.h"

using namespace weft::control;
using namespace weft::control::test;
using weft::core::ByteView;

BOOST_AUTO_TEST_SUITE(channel)

BOOST_AUTO_TEST_CASE(node_and_server_exchange_messages_both_ways) {
  Pair p;
  BOOST_REQUIRE_EQUAL(p.connect(), Refusal::kNone);
  BOOST_TEST((p.accepted.node == public_of(p.node_key)));
  BOOST_TEST(p.accepted.node_version == kProtocolVersion);
  for (int i = 0; i < 3; ++i) {
    const Bytes up = {'u', 'p', static_cast<uint8_t>(i)};
    const Bytes down(1000, static_cast<uint8_t>(i));
    Bytes plain(2000);
    Bytes f1 = seal(p.node, up);
    Outcome o1 = p.server.open(view(f1), span(plain));
    BOOST_REQUIRE_EQUAL(o1.refusal, Refusal::kNone);
    BOOST_TEST(Bytes(plain.begin(), plain.begin() + o1.size) == up);
    Bytes f2 = seal(p.server, down);
    Outcome o2 = p.node.open(view(f2), span(plain));
    BOOST_REQUIRE_EQUAL(o2.refusal, Refusal::kNone);
    BOOST_TEST(Bytes(plain.begin(), plain.begin() + o2.size) == down);
  }
}

BOOST_AUTO_TEST_CASE(both_sides_share_the_handshake_hash) {
  Pair p;
  NodeHandshake n(p.node_key, public_of(p.server_key));
  ServerHandshake s(p.server_key);
  Bytes hello = p.hello_of(n), reply(kServerHelloSize);
  BOOST_REQUIRE(s.accept(view(hello), p.rng, span(reply), p.server).outcome.ok());
  BOOST_REQUIRE(n.finish(view(reply), p.node).ok());
  BOOST_TEST(n.handshake_hash() == s.handshake_hash());
}

BOOST_AUTO_TEST_CASE(same_seed_gives_same_hello) {
  Pair a, b;
  NodeHandshake na(a.node_key, public_of(a.server_key));
  NodeHandshake nb(b.node_key, public_of(b.server_key));
  BOOST_TEST(a.hello_of(na) == b.hello_of(nb));
}

BOOST_AUTO_TEST_CASE(a_hello_from_bytes_drawn_before_is_the_hello_drawing_them) {
  // A client draws the ephemeral's bytes when it connects and writes the hello later: the
  // same 32 bytes give the same frame, and a server accepts it.
  Pair a, b;
  NodeHandshake na(a.node_key, public_of(a.server_key));
  NodeHandshake nb(b.node_key, public_of(b.server_key));
  const Bytes drawing = a.hello_of(na);
  weft::crypto::Key32 seed{};
  b.rng.fill(seed.data(), seed.size());
  Bytes drawn_before(kNodeHelloSize);
  BOOST_REQUIRE(nb.start(seed, span(drawn_before)).ok());
  BOOST_TEST(drawn_before == drawing);
  ServerHandshake s(b.server_key);
  Bytes reply(kServerHelloSize);
  BOOST_TEST(s.accept(view(drawn_before), b.rng, span(reply), b.server).outcome.ok());
  BOOST_TEST(nb.finish(view(reply), b.node).ok());
}

BOOST_AUTO_TEST_CASE(hello_carries_the_version_in_clear) {
  Pair p;
  NodeHandshake n(p.node_key, public_of(p.server_key));
  const Bytes hello = p.hello_of(n);
  BOOST_TEST(hello[0] == 0);
  BOOST_TEST(hello[3] == kNodeHelloSize - kLengthPrefixSize);
  BOOST_TEST(hello[4] == (kProtocolVersion >> 8));
  BOOST_TEST(hello[5] == (kProtocolVersion & 0xff));
  BOOST_TEST(prologue_for(kProtocolVersion) == "weft control v1");
}

BOOST_AUTO_TEST_CASE(rejects_a_server_with_another_key) {
  Pair p;
  weft::core::MachinePublicKey wrong = public_of(p.node_key);  // any key but the server's
  BOOST_TEST(p.connect(wrong) == Refusal::kDecryptFailed);
  BOOST_TEST(!p.server.started());
  BOOST_TEST(!p.node.started());
}

BOOST_AUTO_TEST_CASE(node_refuses_a_reply_from_an_impostor_server) {
  Pair p;
  NodeHandshake n(p.node_key, public_of(p.server_key));
  Bytes hello = p.hello_of(n), reply(kServerHelloSize);
  // An impostor cannot read the hello, so it answers with a fresh handshake of its own.
  Pair impostor(0xbad);
  NodeHandshake other(impostor.node_key, public_of(impostor.server_key));
  ServerHandshake s(impostor.server_key);
  const Bytes other_hello = impostor.hello_of(other);
  BOOST_REQUIRE(s.accept(view(other_hello), impostor.rng, span(reply), impostor.server).outcome.ok());
  BOOST_TEST(n.finish(view(reply), p.node).refusal == Refusal::kDecryptFailed);
  BOOST_TEST(!p.node.started());
}

BOOST_AUTO_TEST_CASE(reports_version_mismatch_with_the_node_version) {
  Pair p;
  BOOST_TEST(p.connect(public_of(p.server_key), 2, 1) == Refusal::kVersionMismatch);
  BOOST_TEST(p.accepted.node_version == 2);
  BOOST_TEST(!p.server.started());
}

BOOST_AUTO_TEST_CASE(rejects_a_clear_version_altered_in_transit) {
  Pair p;
  NodeHandshake n(p.node_key, public_of(p.server_key), 2);
  ServerHandshake s(p.server_key, 1);
  Bytes hello = p.hello_of(n), reply(kServerHelloSize);
  hello[5] = 1;  // claims version 1, but the prologue was "weft control v2"
  Accepted a = s.accept(view(hello), p.rng, span(reply), p.server);
  BOOST_TEST(a.outcome.refusal == Refusal::kDecryptFailed);
  BOOST_TEST(!p.server.started());
}

BOOST_AUTO_TEST_CASE(waits_for_a_whole_hello_and_refuses_bad_sizes) {
  Pair p;
  NodeHandshake n(p.node_key, public_of(p.server_key));
  Bytes hello = p.hello_of(n), reply(kServerHelloSize);
  {
    ServerHandshake s(p.server_key);
    Accepted a = s.accept(ByteView{hello.data(), hello.size() - 1}, p.rng, span(reply), p.server);
    BOOST_TEST(a.outcome.refusal == Refusal::kTruncated);
  }
  {
    ServerHandshake s(p.server_key);
    Bytes longer = hello;
    longer[3] += 1;
    longer.push_back(0);
    Accepted a = s.accept(view(longer), p.rng, span(reply), p.server);
    BOOST_TEST(a.outcome.refusal == Refusal::kMalformed);
  }
  {
    ServerHandshake s(p.server_key);
    Bytes huge = {0, 1, 0, 0};  // 65536-byte body announced
    Accepted a = s.accept(view(huge), p.rng, span(reply), p.server);
    BOOST_TEST(a.outcome.refusal == Refusal::kOversized);
  }
  {
    ServerHandshake s(p.server_key);
    Bytes small(kServerHelloSize - 1);
    Accepted a = s.accept(view(hello), p.rng, span(small), p.server);
    BOOST_TEST(a.outcome.refusal == Refusal::kBufferTooSmall);
  }
}

BOOST_AUTO_TEST_CASE(rejects_a_tampered_hello) {
  Pair p;
  for (std::size_t i = kLengthPrefixSize + kVersionSize; i < kNodeHelloSize; i += 7) {
    NodeHandshake n(p.node_key, public_of(p.server_key));
    ServerHandshake s(p.server_key);
    Bytes hello = p.hello_of(n), reply(kServerHelloSize);
    hello[i] ^= 0x40;
    Accepted a = s.accept(view(hello), p.rng, span(reply), p.server);
    BOOST_TEST(!a.outcome.ok(), "byte " << i);
    BOOST_TEST(!p.server.started());
  }
}

BOOST_AUTO_TEST_CASE(accepts_only_once) {
  Pair p;
  NodeHandshake n(p.node_key, public_of(p.server_key));
  ServerHandshake s(p.server_key);
  Bytes hello = p.hello_of(n), reply(kServerHelloSize);
  BOOST_REQUIRE(s.accept(view(hello), p.rng, span(reply), p.server).outcome.ok());
  Transport again;
  BOOST_TEST(s.accept(view(hello), p.rng, span(reply), again).outcome.refusal ==
             Refusal::kWrongState);
  BOOST_TEST(n.start(p.rng, span(hello)).refusal == Refusal::kWrongState);
}

BOOST_AUTO_TEST_SUITE_END()
