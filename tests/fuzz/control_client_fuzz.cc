// Fuzz target: the control client (lib/controlclient) reading a server's stream. A client and an
// in-test server complete a real handshake, so the fuzzer's bytes arrive as sealed frames and
// reach the message decoder, the state checks and the netmap model. Nothing may crash, and
// everything the client sends must decode as a node message.
//
// Input: byte 0 picks the state the server leads the client into (registering, pending,
// streaming without a map, streaming with a map); then records of op (1 byte), length (2 bytes,
// big-endian) and that many bytes. op % 4: 0 = the bytes as one whole message (split into
// frames by the server's MessageSender), 1 = the bytes as one frame's plaintext (flag byte
// included), 2 = the bytes raw on the stream, 3 = advance the clock by `length` seconds and run
// the client's deadline.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "control/channel.h"
#include "control/message_codec.h"
#include "control/message_stream.h"
#include "control/transport.h"
#include "controlclient/client.h"
#include "core/random.h"
#include "crypto/crypto.h"
#include "support/test_keys.h"

using namespace weft;
using Bytes = std::vector<uint8_t>;

namespace {

template <class Key>
Key private_key(core::SeededRandom& rng) {
  return weft::test::random_private<Key>(rng);
}

core::ByteView view(const Bytes& b) { return core::ByteView{b.data(), b.size()}; }

// The server's end: the handshake, then the node's messages (which must decode).
struct Server {
  explicit Server(const core::MachinePrivateKey& key) : handshake(key) {}
  control::ServerHandshake handshake;
  control::Transport transport;
  control::MessageSender sender;
  control::MessageReceiver receiver;
  Bytes hello;
  bool open = false;

  void feed(core::ByteView in, core::Random& rng, Bytes& to_client) {
    if (!open) {
      hello.insert(hello.end(), in.data, in.data + in.size);
      Bytes reply(control::kServerHelloSize);
      const control::Accepted a = handshake.accept(
          view(hello), rng, core::MutableBytes{reply.data(), reply.size()}, transport);
      if (a.outcome.refusal == control::Refusal::kTruncated) return;
      if (!a.outcome.ok()) std::abort();  // the client's own hello must be accepted
      open = true;
      to_client.insert(to_client.end(), reply.begin(), reply.end());
      in = core::ByteView{hello.data() + a.outcome.consumed, hello.size() - a.outcome.consumed};
    }
    for (;;) {
      control::Received r = receiver.poll(in, transport);
      if (r.status == control::ReceiveStatus::kNeedMore) return;
      if (r.status == control::ReceiveStatus::kError) std::abort();
      if (!control::decode_node_message(r.message).ok()) std::abort();
    }
  }
};

struct Fixture {
  core::SeededRandom rng{0xc11e47};
  core::MachinePrivateKey server_key = private_key<core::MachinePrivateKey>(rng);
  core::Now now{std::chrono::seconds(1000), core::WallTime{}};
  Server server{server_key};
  std::unique_ptr<controlclient::Client> client;
  Bytes to_client;
  bool closed = false;

  Fixture() {
    controlclient::ClientConfig c;
    c.machine_key = private_key<core::MachinePrivateKey>(rng);
    c.server_key.bytes = crypto::x25519_public(server_key.bytes);
    c.node_key = private_key<core::NodePrivateKey>(rng);
    c.auth_key = "weftkey-fuzz";
    c.hostinfo.hostname = "fuzz";
    auto created = controlclient::Client::create(c);
    if (!created.ok()) std::abort();
    client = std::move(*created);
    if (!client->connected(now, rng).ok()) std::abort();
    pump();
  }

  // Moves bytes both ways until quiet; a close ends the connection for the rest of the run.
  void pump() {
    for (int round = 0; round < 64 && !closed; ++round) {
      controlclient::Transmit t;
      bool moved = false;
      while (client->poll_transmit(t)) {
        moved = true;
        if (!closed && !t.bytes.empty()) server.feed(view(t.bytes), rng, to_client);
        if (t.close) closed = true;
      }
      controlclient::Event e;
      while (client->poll_event(e)) {
      }
      if (!closed && !to_client.empty()) {
        const Bytes b = std::move(to_client);
        to_client.clear();
        client->bytes(view(b), now, rng);
        moved = true;
      }
      if (!moved) return;
    }
  }

  void deliver(const Bytes& b) {
    to_client.insert(to_client.end(), b.begin(), b.end());
    pump();
  }
  void send(const control::ServerMessage& m) {
    Bytes out;
    const Bytes bytes = control::encode(m);
    if (!server.sender.seal(view(bytes), server.transport, out).ok()) std::abort();
    deliver(out);
  }
};

control::Peer peer(uint64_t id) {
  control::Peer p;
  p.id = control::NodeId{id};
  p.name = "peer" + std::to_string(id);
  return p;
}

void lead_into(Fixture& f, uint8_t stage) {
  control::RegisterResponse r;
  r.node = control::NodeId{1};
  switch (stage % 4) {
    case 0: return;  // registering
    case 1:
      r.status = control::RegisterStatus::kPendingApproval;
      f.send(r);
      return;
    default: break;
  }
  r.status = control::RegisterStatus::kAuthorized;
  f.send(r);
  if (stage % 4 == 2) return;  // streaming, no map yet
  control::MapResponse m;
  m.seq = 1;
  m.self = peer(1);
  m.peers = {peer(2), peer(3)};
  f.send(m);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  Fixture f;
  lead_into(f, data[0]);
  std::size_t at = 1;
  while (at + 3 <= size && !f.closed) {
    const uint8_t op = data[at];
    std::size_t len = static_cast<std::size_t>(data[at + 1]) << 8 | data[at + 2];
    at += 3;
    if (op % 4 == 3) {
      f.now.mono += std::chrono::seconds(len);
      f.client->on_deadline(f.now, f.rng);
      f.pump();
      continue;
    }
    if (len > size - at) len = size - at;
    const Bytes chunk(data + at, data + at + len);
    at += len;
    switch (op % 4) {
      case 0: {
        Bytes out;
        if (!f.server.sender.seal(view(chunk), f.server.transport, out).ok()) std::abort();
        f.deliver(out);
        break;
      }
      case 1: {
        if (chunk.size() > control::kMaxPlaintext) break;
        Bytes frame(control::sealed_frame_size(chunk.size()));
        if (!f.server.transport.seal(view(chunk), core::MutableBytes{frame.data(), frame.size()})
                 .ok())
          std::abort();
        f.deliver(frame);
        break;
      }
      default: f.deliver(chunk); break;
    }
    // The model never holds the node itself as a peer.
    const controlclient::NetMap& map = f.client->netmap();
    if (map.complete && map.peers.count(map.self.id) != 0) std::abort();
  }
  return 0;
}
