// Fuzz target: the control channel's parsers of untrusted bytes (lib/control): the server's
// reading of a node's first frame, the node's reading of the reply, and transport frames read
// from one stream. The first input byte picks the reader; nothing may crash, and whatever a
// transport opens must be what the other side sealed.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "control/channel.h"
#include "control/transport.h"
#include "core/random.h"

using namespace weft::control;
using weft::core::ByteView;
using weft::core::MutableBytes;

namespace {

weft::core::MachinePrivateKey private_key(weft::core::SeededRandom& rng) {
  weft::crypto::Key32 seed{};
  rng.fill(seed.data(), seed.size());
  weft::core::MachinePrivateKey k;
  k.bytes = weft::crypto::x25519_private_from_random(seed);
  return k;
}

// A node and a server with fixed keys, so seeds taken from one run stay valid in the next.
struct Fixture {
  weft::core::SeededRandom rng{0xc0de};
  weft::core::MachinePrivateKey node_key = private_key(rng);
  weft::core::MachinePrivateKey server_key = private_key(rng);
  weft::core::MachinePublicKey server_pub;
  Fixture() { server_pub.bytes = weft::crypto::x25519_public(server_key.bytes); }
};

// Reads frames from the stream until one is refused.
void open_stream(Transport& t, ByteView in) {
  std::vector<uint8_t> plain(kMaxPlaintext);
  while (in.size > 0) {
    const Outcome o = t.open(in, MutableBytes{plain.data(), plain.size()});
    if (!o.ok()) return;
    if (o.consumed == 0 || o.consumed > in.size || o.size > kMaxPlaintext) std::abort();
    in = ByteView{in.data + o.consumed, in.size - o.consumed};
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const ByteView in{data + 1, size - 1};
  Fixture f;
  std::vector<uint8_t> hello(kNodeHelloSize), reply(kServerHelloSize);
  NodeHandshake node(f.node_key, f.server_pub);
  if (!node.start(f.rng, MutableBytes{hello.data(), hello.size()}).ok()) std::abort();
  ServerHandshake server(f.server_key);
  Transport node_t, server_t;
  switch (data[0] % 3) {
    case 0: {
      const Accepted a = server.accept(in, f.rng, MutableBytes{reply.data(), reply.size()}, server_t);
      if (a.outcome.ok() && (a.outcome.consumed != kNodeHelloSize || !server_t.started()))
        std::abort();
      return 0;
    }
    case 1: {
      (void)node.finish(in, node_t);
      return 0;
    }
    default: {
      const Accepted a = server.accept(ByteView{hello.data(), hello.size()}, f.rng,
                                       MutableBytes{reply.data(), reply.size()}, server_t);
      if (!a.outcome.ok()) std::abort();
      if (!node.finish(ByteView{reply.data(), reply.size()}, node_t).ok()) std::abort();
      // The server's own frame of the input opens back to the input at the node.
      if (in.size <= kMaxPlaintext) {
        std::vector<uint8_t> frame(sealed_frame_size(in.size)), plain(in.size + 1);
        if (!server_t.seal(in, MutableBytes{frame.data(), frame.size()}).ok()) std::abort();
        const Outcome o = node_t.open(ByteView{frame.data(), frame.size()},
                                      MutableBytes{plain.data(), plain.size()});
        if (!o.ok() || o.size != in.size || (in.size && std::memcmp(plain.data(), in.data, in.size)))
          std::abort();
      }
      // The input as a stream of the node's frames.
      open_stream(server_t, in);
      return 0;
    }
  }
}
