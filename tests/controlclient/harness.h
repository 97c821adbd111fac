// Test harness for lib/controlclient: a scripted fake server (ServerHandshake + Transport +
// MessageSender/Receiver + the codec, no coordinator) joined to a Client by an in-memory link
// with a fake clock, as tests/control/harness.h does for the channel alone.
#pragma once

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <variant>
#include <vector>

#include "control/channel.h"
#include "control/harness.h"
#include "control/message_codec.h"
#include "control/message_stream.h"
#include "control/messages.h"
#include "control/transport.h"
#include "controlclient/client.h"
#include "core/key.h"
#include "core/random.h"
#include "crypto/crypto.h"

namespace weft::controlclient::test {

using Bytes = std::vector<uint8_t>;
using namespace std::chrono_literals;

using control::test::random_private;

template <class Public, class Private>
Public public_of(const Private& k) {
  Public p;
  p.bytes = crypto::x25519_public(k.bytes);
  return p;
}

inline core::ByteView view(const Bytes& b) { return core::ByteView{b.data(), b.size()}; }

/// The server's end of one connection, answering only what a test tells it to.
struct FakeServer {
  struct Connection {
    explicit Connection(const core::MachinePrivateKey& key) : handshake(key) {}
    control::ServerHandshake handshake;
    control::Transport transport;
    control::MessageSender sender;
    control::MessageReceiver receiver;
    Bytes hello;
    bool open = false;
    core::MachinePublicKey machine;
  };

  explicit FakeServer(const core::MachinePrivateKey& k) : key(k) {}

  core::MachinePrivateKey key;
  std::unique_ptr<Connection> conn;
  std::vector<control::NodeMessage> received;  // every message of every connection, in order
  int connections = 0;
  int refused = 0;  // handshakes or frames the server refused
  /// False drops the client's hello (a server that never answers).
  bool answer_hello = true;

  void accept() {
    conn = std::make_unique<Connection>(key);
    ++connections;
  }

  /// Bytes from the client; the handshake reply (if any) is appended to `to_client`.
  void feed(core::ByteView in, core::Random& rng, Bytes& to_client) {
    if (!conn) return;
    if (!conn->open) {
      conn->hello.insert(conn->hello.end(), in.data, in.data + in.size);
      if (!answer_hello) return;
      Bytes reply(control::kServerHelloSize);
      const control::Accepted a =
          conn->handshake.accept(view(conn->hello), rng,
                                 core::MutableBytes{reply.data(), reply.size()}, conn->transport);
      if (a.outcome.refusal == control::Refusal::kTruncated) return;
      if (!a.outcome.ok()) {
        ++refused;
        return;
      }
      conn->open = true;
      conn->machine = a.node;
      to_client.insert(to_client.end(), reply.begin(), reply.begin() + a.outcome.size);
      in = core::ByteView{conn->hello.data() + a.outcome.consumed,
                          conn->hello.size() - a.outcome.consumed};
    }
    for (;;) {
      control::Received r = conn->receiver.poll(in, conn->transport);
      if (r.status == control::ReceiveStatus::kNeedMore) return;
      if (r.status == control::ReceiveStatus::kError) {
        ++refused;
        return;
      }
      auto m = control::decode_node_message(r.message);
      BOOST_REQUIRE_MESSAGE(m.ok(), "the client sent a message that does not decode");
      received.push_back(std::move(*m));
    }
  }

  /// The frames of one message from the server.
  Bytes seal(core::ByteView message) {
    Bytes out;
    BOOST_REQUIRE(conn && conn->open);
    BOOST_REQUIRE(conn->sender.seal(message, conn->transport, out).ok());
    return out;
  }
  Bytes seal(const control::ServerMessage& m) {
    const Bytes bytes = control::encode(m);
    return seal(view(bytes));
  }
};

/// A client and a fake server on an in-memory link, with a fake clock.
struct Harness {
  explicit Harness(uint64_t seed = 0xc11e47) : rng(seed), server(server_key) {
    config.machine_key = machine_key;
    config.server_key = public_of<core::MachinePublicKey>(server_key);
    config.node_key = node_key;
    config.disco_key = public_of<core::DiscoPublicKey>(random_private<core::DiscoPrivateKey>(rng));
    config.auth_key = "weftkey-test";
    config.hostinfo.hostname = "laptop";
    config.hostinfo.os = "linux";
    config.hostinfo.client_version = "weft test";
    now.mono = 1000s;
    now.wall = core::WallTime{} + std::chrono::hours(24 * 365 * 56);
  }

  core::SeededRandom rng;
  core::MachinePrivateKey server_key = random_private<core::MachinePrivateKey>(rng);
  core::MachinePrivateKey machine_key = random_private<core::MachinePrivateKey>(rng);
  core::NodePrivateKey node_key = random_private<core::NodePrivateKey>(rng);
  FakeServer server;
  ClientConfig config;
  std::unique_ptr<Client> client;
  core::Now now{};
  std::vector<Event> events;
  Bytes to_client;
  bool link_up = false;
  int closes = 0;  // connections the client asked to close

  Client& start() {
    auto c = Client::create(config);
    BOOST_REQUIRE(c.ok());
    client = std::move(*c);
    return *client;
  }

  void advance(core::Duration d) {
    now.mono += d;
    now.wall += std::chrono::duration_cast<core::WallTime::duration>(d);
  }

  /// Opens a connection (the client must want one) and runs the exchange until it is quiet.
  void connect() {
    BOOST_REQUIRE(client->wants_connection(now));
    server.accept();
    link_up = true;
    BOOST_REQUIRE(client->connected(now, rng).ok());
    pump();
  }

  /// Moves bytes both ways and collects events until nothing moves.
  void pump() {
    for (int round = 0; round < 1000; ++round) {
      bool moved = false;
      Transmit t;
      while (client->poll_transmit(t)) {
        moved = true;
        if (link_up && !t.bytes.empty()) server.feed(view(t.bytes), rng, to_client);
        if (t.close) {
          ++closes;
          drop_link();
        }
      }
      Event e;
      while (client->poll_event(e)) events.push_back(std::move(e));
      if (link_up && !to_client.empty()) {
        const Bytes b = std::move(to_client);
        to_client.clear();
        client->bytes(view(b), now, rng);
        moved = true;
      }
      if (!moved) return;
    }
    BOOST_FAIL("the exchange did not settle");
  }

  /// The server sends a message.
  void send(const control::ServerMessage& m) {
    const Bytes b = server.seal(m);
    to_client.insert(to_client.end(), b.begin(), b.end());
    pump();
  }
  /// The server sends raw bytes (frames it built itself).
  void send_raw(const Bytes& b) {
    to_client.insert(to_client.end(), b.begin(), b.end());
    pump();
  }

  /// The server (or the network) ends the connection.
  void server_closes() {
    drop_link();
    client->disconnected(now);
    pump();
  }

  /// Advances the clock to the client's deadline and runs it.
  void run_deadline() {
    auto d = client->next_deadline();
    BOOST_REQUIRE(d.has_value());
    if (*d > now.mono) advance(*d - now.mono);
    client->on_deadline(now, rng);
    pump();
  }

  template <class T>
  std::vector<T> received() const {
    std::vector<T> out;
    for (const auto& m : server.received)
      if (auto* p = std::get_if<T>(&m)) out.push_back(*p);
    return out;
  }
  template <class T>
  std::optional<T> last_received() const {
    auto all = received<T>();
    if (all.empty()) return std::nullopt;
    return all.back();
  }

  std::vector<Event> take_events() {
    std::vector<Event> out = std::move(events);
    events.clear();
    return out;
  }

  /// The one event since the last take, which must be of `kind`.
  Event only_event(EventKind kind) {
    std::vector<Event> all = take_events();
    BOOST_REQUIRE_EQUAL(all.size(), 1u);
    BOOST_REQUIRE(all[0].kind == kind);
    return std::move(all[0]);
  }

 private:
  void drop_link() {
    link_up = false;
    server.conn.reset();
    to_client.clear();
  }
};

}  // namespace weft::controlclient::test
