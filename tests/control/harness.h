// Test harness for lib/control: a node and a server with seeded keys and randomness, joined by
// an in-memory handshake (tests/wg/harness.h's Pair, for the control channel).
#pragma once

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <ostream>
#include <vector>

#include "control/channel.h"
#include "control/transport.h"
#include "core/key.h"
#include "core/random.h"
#include "crypto/crypto.h"
#include "support/test_keys.h"

namespace weft::control {

// Lets BOOST_TEST print refusals by name.
inline std::ostream& operator<<(std::ostream& os, Refusal r) { return os << to_string(r); }

namespace test {

using Bytes = std::vector<uint8_t>;

using weft::test::random_private;

inline core::MachinePublicKey public_of(const core::MachinePrivateKey& k) {
  core::MachinePublicKey p;
  p.bytes = crypto::x25519_public(k.bytes);
  return p;
}

inline core::ByteView view(const Bytes& b) { return core::ByteView{b.data(), b.size()}; }
inline core::MutableBytes span(Bytes& b) { return core::MutableBytes{b.data(), b.size()}; }

/// A node's and a server's keys and randomness; connect() runs the handshake between them.
struct Pair {
  explicit Pair(uint64_t seed = 0x5eed) : rng(seed) {}

  core::SeededRandom rng;
  core::MachinePrivateKey node_key = random_private<core::MachinePrivateKey>(rng);
  core::MachinePrivateKey server_key = random_private<core::MachinePrivateKey>(rng);
  Transport node;
  Transport server;
  Accepted accepted;

  /// The node's hello for `server_pub`, in `version`; the server answers in its own version.
  /// Returns the first refusal (kNone when both transports are started).
  Refusal connect(const core::MachinePublicKey& server_pub, uint16_t node_version = kProtocolVersion,
                  uint16_t server_version = kProtocolVersion) {
    NodeHandshake n(node_key, server_pub, node_version);
    ServerHandshake s(server_key, server_version);
    Bytes hello(kNodeHelloSize), reply(kServerHelloSize);
    const Outcome started = n.start(rng, span(hello));
    if (!started.ok()) return started.refusal;
    accepted = s.accept(view(hello), rng, span(reply), server);
    if (!accepted.outcome.ok()) return accepted.outcome.refusal;
    BOOST_TEST(accepted.outcome.consumed == hello.size());
    return n.finish(view(reply), node).refusal;
  }
  Refusal connect() { return connect(public_of(server_key)); }

  /// The first frame of `node`, drawn from this pair's randomness.
  Bytes hello_of(NodeHandshake& node) {
    Bytes hello(kNodeHelloSize);
    BOOST_REQUIRE(node.start(rng, span(hello)).ok());
    return hello;
  }
};

/// Seals `plain` from `from` into one frame.
inline Bytes seal(Transport& from, const Bytes& plain) {
  Bytes frame(sealed_frame_size(plain.size()));
  const Outcome o = from.seal(view(plain), span(frame));
  BOOST_REQUIRE(o.ok());
  BOOST_REQUIRE_EQUAL(o.size, frame.size());
  return frame;
}

}  // namespace test
}  // namespace weft::control
