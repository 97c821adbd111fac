// Test harness for the coordinator core: an in-memory store, a fake clock, and raw test nodes
// that speak the control protocol byte for byte (handshake, sealed messages), all joined by an
// in-memory wire that delivers the coordinator's transmits to the node owning the connection.
#pragma once

#include <boost/test/unit_test.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "control/channel.h"
#include "control/message_codec.h"
#include "control/message_stream.h"
#include "controlclient/netmap.h"
#include "coord/coordinator.h"
#include "coord/registry.h"
#include "core/key.h"
#include "core/random.h"
#include "crypto/crypto.h"
#include "support/memory_state_store.h"
#include "support/test_keys.h"

namespace weft::coord::test {

using weft::test::MemoryStore;
using weft::test::public_of;
using weft::test::random_private;

/// One connection's channel state on the node side.
struct NodeChannel {
  NodeChannel(const core::MachinePrivateKey& machine, const core::MachinePublicKey& server,
              uint16_t version = control::kProtocolVersion)
      : handshake(machine, server, version) {}
  control::NodeHandshake handshake;
  control::Transport transport;
  control::MessageSender sender;
  control::MessageReceiver receiver;
  bool handshaken = false;
  std::vector<uint8_t> pending;  // server bytes before the handshake finished
};

/// A node speaking the protocol by hand.
struct TestNode {
  TestNode(core::Random& rng, ConnectionId conn)
      : machine(random_private<core::MachinePrivateKey>(rng)),
        node_key(public_of<core::NodePublicKey>(random_private<core::NodePrivateKey>(rng))),
        conn(conn) {}

  core::MachinePrivateKey machine;
  core::NodePublicKey node_key;
  ConnectionId conn;
  std::unique_ptr<NodeChannel> channel;
  bool closed = true;
  std::vector<control::ServerMessage> inbox;

  std::vector<uint8_t> hello(core::Random& rng) {
    std::vector<uint8_t> h(control::kNodeHelloSize);
    BOOST_REQUIRE(channel->handshake.start(rng, core::MutableBytes{h.data(), h.size()}).ok());
    return h;
  }
  std::vector<uint8_t> seal(const control::NodeMessage& m) {
    std::vector<uint8_t> bytes = control::encode(m), out;
    BOOST_REQUIRE(
        channel->sender.seal(core::ByteView{bytes.data(), bytes.size()}, channel->transport, out)
            .ok());
    return out;
  }
  void deliver(const std::vector<uint8_t>& bytes) {
    NodeChannel& c = *channel;
    if (!c.handshaken) {
      c.pending.insert(c.pending.end(), bytes.begin(), bytes.end());
      auto o = c.handshake.finish(core::ByteView{c.pending.data(), c.pending.size()}, c.transport);
      if (o.refusal == control::Refusal::kTruncated) return;
      BOOST_REQUIRE(o.ok());
      c.handshaken = true;
      std::vector<uint8_t> rest(c.pending.begin() + static_cast<std::ptrdiff_t>(o.consumed),
                                c.pending.end());
      c.pending.clear();
      if (!rest.empty()) deliver(rest);
      return;
    }
    core::ByteView in{bytes.data(), bytes.size()};
    for (;;) {
      control::Received r = c.receiver.poll(in, c.transport);
      if (r.status == control::ReceiveStatus::kNeedMore) break;
      BOOST_REQUIRE(r.status == control::ReceiveStatus::kMessage);
      auto m = control::decode_server_message(r.message);
      BOOST_REQUIRE(m.ok());
      inbox.push_back(std::move(m).value());
    }
  }
  template <class T>
  std::vector<T> received() const {
    std::vector<T> out;
    for (const auto& m : inbox)
      if (auto* x = std::get_if<T>(&m)) out.push_back(*x);
    return out;
  }
};

/// A coordinator, its store, a fake clock and test nodes.
struct World {
  explicit World(std::string policy = {}, bool require_approval = false, uint64_t seed = 7)
      : rng(seed), server_key(random_private<core::MachinePrivateKey>(rng)) {
    config.server_key = server_key;
    rng.fill(config.auth_key_secret.data(), config.auth_key_secret.size());
    config.initial_policy = std::move(policy);
    registry_config.require_approval = require_approval;
    now.wall = core::WallTime(std::chrono::hours(24 * 365 * 56));
    start();
  }
  void start() {
    auto c = Coordinator::create(config, registry_config, store.state(), store, now, rng);
    BOOST_REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error().detail));
    coordinator = std::move(c).value();
  }
  void restart() {
    for (auto& n : nodes) n->closed = true;
    coordinator.reset();
    start();
  }
  core::MachinePublicKey server_public() const {
    return public_of<core::MachinePublicKey>(server_key);
  }

  TestNode& node() {
    nodes.push_back(std::make_unique<TestNode>(rng, ConnectionId{next_conn++}));
    return *nodes.back();
  }
  /// Opens a connection and runs the handshake.
  TestNode& connect(TestNode& n) {
    n.conn = ConnectionId{next_conn++};
    n.closed = false;
    n.channel = std::make_unique<NodeChannel>(n.machine, server_public());
    coordinator->connection_opened(n.conn, now);
    auto h = n.hello(rng);
    coordinator->connection_bytes(n.conn, core::ByteView{h.data(), h.size()}, now, rng);
    pump();
    BOOST_REQUIRE(n.channel->handshaken);
    return n;
  }
  void send(TestNode& n, const control::NodeMessage& m) {
    auto bytes = n.seal(m);
    coordinator->connection_bytes(n.conn, core::ByteView{bytes.data(), bytes.size()}, now, rng);
    pump();
  }
  void disconnect(TestNode& n) {
    n.closed = true;
    coordinator->connection_closed(n.conn, now);
    pump();
  }
  /// Delivers every transmit; a close is reported back as the driver would.
  void pump() {
    Transmit t;
    while (coordinator->poll_transmit(t)) {
      for (auto& n : nodes) {
        if (n->conn != t.connection || n->closed) continue;
        if (!t.bytes.empty()) n->deliver(t.bytes);
        if (t.close) {
          n->closed = true;
          coordinator->connection_closed(n->conn, now);
        }
      }
    }
  }
  void advance(core::Duration d) {
    now.mono += d;
    now.wall += std::chrono::duration_cast<core::WallTime::duration>(d);
    while (auto at = coordinator->next_deadline()) {
      if (*at > now.mono) break;
      coordinator->on_deadline(now, rng);
      pump();
    }
  }

  std::string key(const std::string& user, std::vector<std::string> tags = {},
                  bool reusable = true, bool ephemeral = false) {
    if (coordinator->registry().find_user(user) == nullptr)
      BOOST_REQUIRE(coordinator->create_user(user, Role::kMember, now).ok());
    AuthKeyRequest r;
    r.reusable = reusable;
    r.ephemeral = ephemeral;
    r.tags = std::move(tags);
    auto k = coordinator->create_auth_key(user, r, now, rng);
    BOOST_REQUIRE_MESSAGE(k.ok(), (k.ok() ? "" : k.error().detail));
    return k->text;
  }
  control::RegisterRequest register_request(TestNode& n, const std::string& auth_key,
                                            const std::string& hostname) {
    control::RegisterRequest r;
    r.node_key = n.node_key;
    r.auth_key = auth_key;
    r.hostinfo.hostname = hostname;
    r.hostinfo.os = "linux";
    return r;
  }
  /// Connects, registers and opens the map stream.
  TestNode& join(const std::string& auth_key, const std::string& hostname) {
    TestNode& n = node();
    connect(n);
    send(n, register_request(n, auth_key, hostname));
    auto resp = n.received<control::RegisterResponse>();
    BOOST_REQUIRE(!resp.empty());
    if (resp.back().status == control::RegisterStatus::kAuthorized) {
      control::MapRequest m;
      m.node_key = n.node_key;
      send(n, m);
    }
    return n;
  }

  core::SeededRandom rng;
  core::MachinePrivateKey server_key;
  CoordinatorConfig config;
  RegistryConfig registry_config;
  core::Now now{};
  MemoryStore store;
  std::unique_ptr<Coordinator> coordinator;
  std::vector<std::unique_ptr<TestNode>> nodes;
  uint64_t next_conn = 1;
};

/// The node id the server gave `n` in its last RegisterResponse.
inline uint64_t id_of(const TestNode& n) {
  auto r = n.received<control::RegisterResponse>();
  BOOST_REQUIRE(!r.empty());
  return r.back().node.value;
}

/// The peers a node holds after applying its full map and every delta in order.
inline std::map<uint64_t, control::Peer> model_of(const TestNode& n) {
  std::map<uint64_t, control::Peer> peers;
  uint64_t seq = 0;
  for (const auto& m : n.inbox) {
    if (auto* full = std::get_if<control::MapResponse>(&m)) {
      peers.clear();
      for (const auto& p : full->peers) peers[p.id.value] = p;
      seq = full->seq;
    } else if (auto* d = std::get_if<control::MapDelta>(&m)) {
      BOOST_TEST(d->seq == seq + 1);
      seq = d->seq;
      for (const auto& p : d->upserted) peers[p.id.value] = p;
      for (const auto& r : d->removed) peers.erase(r.value);
    }
  }
  return peers;
}

/// The node's model after its full maps and every delta in order, as the control client builds
/// it.
inline controlclient::NetMap netmap_of(const TestNode& n) {
  controlclient::NetMap map;
  for (const auto& m : n.inbox) {
    if (auto* full = std::get_if<control::MapResponse>(&m)) {
      auto copy = *full;
      BOOST_REQUIRE(controlclient::replace_netmap(map, std::move(copy)).ok());
    } else if (auto* d = std::get_if<control::MapDelta>(&m)) {
      auto copy = *d;
      auto applied = controlclient::apply_delta(map, std::move(copy));
      BOOST_REQUIRE_MESSAGE(applied.ok(), (applied.ok() ? "" : applied.error().detail));
    }
  }
  return map;
}

}  // namespace weft::coord::test
