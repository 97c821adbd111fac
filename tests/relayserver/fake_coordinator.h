// A stand-in for the coordination server's answers to a relay's verification questions: the
// server side of the control handshake, then a VerifyNodeResponse per VerifyNodeRequest from a
// set of allowed node keys. In memory (receive) or behind a ControlListener (as its sink).
#pragma once

#include <map>
#include <memory>
#include <set>
#include <vector>

#include "control/channel.h"
#include "control/message_codec.h"
#include "control/message_stream.h"
#include "core/random.h"
#include "serve/control_listener.h"
#include "support/test_keys.h"

namespace weft::relayserver::test {

class FakeCoordinator final : public serve::ConnectionSink {
 public:
  FakeCoordinator()
      : key(weft::test::random_private<core::MachinePrivateKey>(rng)),
        public_key(weft::test::public_of<core::MachinePublicKey>(key)) {}

  struct Conn {
    explicit Conn(const core::MachinePrivateKey& k) : handshake(k) {}
    control::ServerHandshake handshake;
    control::Transport transport;
    control::MessageSender sender;
    control::MessageReceiver receiver;
    std::vector<uint8_t> hello;
    bool open = false;
  };

  std::unique_ptr<Conn> connection() { return std::make_unique<Conn>(key); }

  /// The relay's bytes on `c`; returns the answer bytes (empty when the handshake fails).
  std::vector<uint8_t> receive(Conn& c, core::ByteView bytes) {
    std::vector<uint8_t> out;
    core::ByteView in = bytes;
    if (!c.open) {
      c.hello.insert(c.hello.end(), bytes.data, bytes.data + bytes.size);
      out.resize(control::kServerHelloSize);
      auto a = c.handshake.accept(core::ByteView{c.hello.data(), c.hello.size()}, rng,
                                  core::MutableBytes{out.data(), out.size()}, c.transport);
      if (a.outcome.refusal == control::Refusal::kTruncated) return {};
      if (!a.outcome.ok()) return {};
      out.resize(a.outcome.size);
      c.open = true;
      in = core::ByteView{c.hello.data() + a.outcome.consumed, c.hello.size() - a.outcome.consumed};
    }
    for (;;) {
      control::Received r = c.receiver.poll(in, c.transport);
      if (r.status != control::ReceiveStatus::kMessage) break;
      auto m = control::decode_node_message(r.message);
      if (!m.ok()) break;
      if (auto* q = std::get_if<control::VerifyNodeRequest>(&*m)) {
        ++questions;
        auto bytes = control::encode(control::ServerMessage{
            control::VerifyNodeResponse{q->node_key, allowed.count(q->node_key) > 0}});
        c.sender.seal(core::ByteView{bytes.data(), bytes.size()}, c.transport, out);
      }
    }
    return out;
  }

  // ConnectionSink: behind a ControlListener (its control route).
  void opened(uint64_t id) override { conns[id] = connection(); }
  void bytes(uint64_t id, core::ByteView data) override {
    auto answer = receive(*conns[id], data);
    if (!answer.empty()) listener->send(id, std::move(answer));
  }
  void closed(uint64_t id) override { conns.erase(id); }

  core::SeededRandom rng{99};
  core::MachinePrivateKey key;
  core::MachinePublicKey public_key;
  std::set<core::NodePublicKey> allowed;
  int questions = 0;
  serve::ControlListener* listener = nullptr;
  std::map<uint64_t, std::unique_ptr<Conn>> conns;
};

}  // namespace weft::relayserver::test
