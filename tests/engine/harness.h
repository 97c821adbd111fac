// Test harness for node engines: the unchanged coordinator core (tests/coord/coordinator_harness.h)
// and engines joined by two in-memory wires with one fake clock — the control streams, which can
// be cut, and a UDP wire between the engines' paths. Engines are driven with core/drive.h, as
// the Linux data path and ns-3 drive cores.
#pragma once

#include <boost/test/unit_test.hpp>

#include <array>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <functional>
#include <map>

#include "coord/coordinator_harness.h"
#include "core/drive.h"
#include "engine/engine.h"
#include "relay/server.h"

namespace weft::engine::test {

using coord::test::random_private;

/// One datagram on the UDP wire.
struct Datagram {
  core::Path from;
  core::Path to;
  std::vector<uint8_t> bytes;
};

struct Tailnet;

/// One node: its engine, its address on the UDP wire, what it delivered, dropped and emitted.
struct Node {
  std::string name;
  core::Path path;
  EngineConfig config;
  std::unique_ptr<Engine> engine;
  std::optional<coord::ConnectionId> conn;
  std::vector<Event> events;
  std::vector<uint8_t> cache;  // the last kCacheWrite
  std::vector<std::vector<uint8_t>> delivered;  // IP packets for the TUN
  std::vector<Output> drops;
  bool up = true;  // false: datagrams to it are lost (the process is down)
  /// The server's bytes reach the engine one at a time (each message handled on its own, as
  /// when a stream drops between two of them).
  bool trickle = false;
  /// Relay connections: the engine's link -> the in-memory relay's connection.
  std::map<uint32_t, relay::ConnId> relay_conns;

  /// The node's own IPv4 address from its netmap.
  util::IpAddress v4() const {
    const auto* map = engine->netmap();
    BOOST_REQUIRE(map != nullptr && !map->self.addresses.empty());
    return map->self.addresses.front();
  }
  std::size_t filter_denied() const { return engine->stats().filter_denied; }
  bool has_peer(const Node& other) const {
    const auto* map = engine->netmap();
    if (map == nullptr) return false;
    for (const auto& entry : map->peers)
      if (entry.second.node_key == other.engine->node_public_key()) return true;
    return false;
  }
};

/// The drive.h sink of one node: datagrams onto the wire, packets into `delivered`.
struct NodeSink {
  Tailnet& net;
  Node& node;
  std::vector<uint8_t> buf = std::vector<uint8_t>(4096);
  core::MutableBytes buffer() { return core::MutableBytes{buf.data(), buf.size()}; }
  void execute(const Output& o, core::MutableBytes b);
};

struct Tailnet {
  explicit Tailnet(std::string policy) : world(std::move(policy)) {}

  /// A node with a fresh machine and node key, registering with `auth_key`, at 10.0.0.<octet>.
  Node& add(const std::string& name, const std::string& auth_key, uint8_t octet) {
    auto n = std::make_unique<Node>();
    n->name = name;
    n->path = core::Path::v4(10, 0, 0, octet, 41641);
    auto& c = n->config.client;
    c.machine_key = random_private<core::MachinePrivateKey>(rng);
    c.server_key = world.server_public();
    c.node_key = random_private<core::NodePrivateKey>(rng);
    c.auth_key = auth_key;
    c.hostinfo.hostname = name;
    c.hostinfo.os = "linux";
    nodes.push_back(std::move(n));
    start(*nodes.back());
    return *nodes.back();
  }

  /// Creates the node's engine from its config (a restart keeps machine and node key).
  void start(Node& n) {
    auto e = Engine::create(n.config, rng);
    BOOST_REQUIRE_MESSAGE(e.ok(), (e.ok() ? "" : e.error().detail));
    n.engine = std::move(e).value();
    n.up = true;
    BOOST_REQUIRE(n.engine->set_endpoints({n.path.udp}, world.now).ok());
  }

  /// The node's process ends: its control connection and its datagrams are gone.
  void crash(Node& n) {
    if (n.conn) world.coordinator->connection_closed(*n.conn, world.now);
    n.conn.reset();
    n.engine.reset();
    n.up = false;
    n.events.clear();
  }

  /// The server's network goes away (connections drop, dials fail) or comes back.
  void cut_server() {
    server_reachable = false;
    for (auto& n : nodes) {
      if (!n->conn) continue;
      if (n->engine) n->engine->control_disconnected(world.now);
      world.coordinator->connection_closed(*n->conn, world.now);
      n->conn.reset();
    }
  }
  void restore_server() { server_reachable = true; }

  /// An in-memory relay running the unchanged relay server core: engines' relay connections
  /// reach it while `up`; taking it down closes them and refuses dials.
  struct Relay {
    explicit Relay(core::Random& rng) : server(config(rng), rng) {}
    static relay::ServerConfig config(core::Random& rng) {
      relay::ServerConfig c;
      c.private_key = random_private<core::RelayPrivateKey>(rng);
      return c;
    }
    relay::Server server;
    bool up = true;
    relay::ConnId next = 1;
    std::map<relay::ConnId, std::pair<Node*, uint32_t>> conns;
  };

  /// Adds the relay and a relay map naming it (region 1 "test", 192.0.2.100) to the server:
  /// before any node is added.
  void add_relay() {
    relay_ = std::make_unique<Relay>(world.rng);
    control::RelayNode node;
    node.name = "test1";
    node.host = "192.0.2.100";
    node.ipv4 = util::IpAddress::parse("192.0.2.100");
    node.relay_port = 443;
    node.stun_port = 3478;
    world.config.relays = {control::RelayRegion{1, "test", "Test region", {node}}};
    world.restart();
  }
  Relay& relay() { return *relay_; }
  void relay_down() {
    relay_->up = false;
    for (auto& [conn, who] : relay_->conns) {
      relay_->server.closed(conn, world.now);
      Node* n = who.first;
      n->relay_conns.erase(who.second);
      if (n->engine) n->engine->relay_disconnected(who.second, world.now);
    }
    relay_->conns.clear();
  }
  void relay_up() { relay_->up = true; }

  /// Datagrams for which this returns false are lost on the UDP wire (a NAT, a firewall).
  std::function<bool(const Datagram&)> udp_passes;

  /// Moves control bytes and datagrams until nothing is left to do at this instant.
  void settle() {
    for (int round = 0; round < 1000; ++round) {
      bool moved = false;
      for (auto& n : nodes) {
        if (!n->engine) continue;
        moved = control_step(*n) || moved;
        moved = relay_step(*n) || moved;
        Event e;
        while (n->engine->poll_event(e)) {
          if (e.kind == EventKind::kCacheWrite) n->cache = e.cache;
          // The driver persists a rotated key: a restart comes back under it.
          if (e.kind == EventKind::kKeyRotated) n->config.client.node_key = e.node_key;
          n->events.push_back(std::move(e));
        }
      }
      coord::Transmit t;
      while (world.coordinator->poll_transmit(t)) {
        moved = true;
        for (auto& n : nodes) {
          if (!n->conn || *n->conn != t.connection) continue;
          if (n->trickle) {
            for (uint8_t b : t.bytes) n->engine->control_bytes({&b, 1}, world.now, world.rng);
          } else if (!t.bytes.empty()) {
            n->engine->control_bytes({t.bytes.data(), t.bytes.size()}, world.now, world.rng);
          }
          if (t.close) {
            n->engine->control_disconnected(world.now);
            world.coordinator->connection_closed(*n->conn, world.now);
            n->conn.reset();
          }
        }
      }
      while (!wire.empty()) {
        moved = true;
        Datagram d = std::move(wire.front());
        wire.pop_front();
        deliver(d);
      }
      moved = relay_server_step() || moved;
      if (!moved) return;
    }
    BOOST_FAIL("the wires did not settle");
  }

  /// Advances the fake clock in steps, running every due deadline, then settles.
  void run_for(core::Duration d, core::Duration step = std::chrono::milliseconds(100)) {
    const core::Duration end = world.now.mono + d;
    while (world.now.mono < end) {
      world.now.mono += step;
      world.now.wall += std::chrono::duration_cast<core::WallTime::duration>(step);
      if (auto at = world.coordinator->next_deadline(); at && *at <= world.now.mono)
        world.coordinator->on_deadline(world.now, world.rng);
      if (relay_) {
        if (auto at = relay_->server.next_deadline(); at && *at <= world.now.mono)
          relay_->server.update_timers(world.now);
      }
      for (auto& n : nodes) {
        if (!n->engine) continue;
        NodeSink sink{*this, *n};
        core::on_deadline(*n->engine, world.now, sink);
      }
      settle();
    }
  }

  /// The node sends an IP packet into its tunnel (as read from its TUN device).
  void send(Node& n, const std::vector<uint8_t>& packet) {
    NodeSink sink{*this, n};
    core::handle_input(*n.engine, world.now, sink, [&](core::MutableBytes b) {
      return send_on(*n.engine, {packet.data(), packet.size()}, b);
    });
    settle();
  }

  /// With split_crypto, data goes through the engine's CryptoJob entry points and the AEAD
  /// runs here between them, as the Linux data path's workers run it (docs/dataplane.md,
  /// "Workers"); split_seals/split_opens count the jobs run. With split_in_place too, each
  /// packet is first put where the datagram's body goes (the data path's in-place split).
  bool split_crypto = false;
  bool split_in_place = false;
  wg::TransportCrypto crypto;
  std::size_t split_seals = 0;
  std::size_t split_opens = 0;

  Output send_on(Engine& e, core::ByteView packet, core::MutableBytes b) {
    if (!split_crypto) return e.send_packet(world.now, packet, b);
    wg::CryptoJob job;
    if (split_in_place) {
      BOOST_REQUIRE(b.size >= wg::kTransportHeaderSize + packet.size);
      std::copy(packet.data, packet.data + packet.size, b.data + wg::kTransportHeaderSize);
      packet = core::ByteView{b.data + wg::kTransportHeaderSize, packet.size};
    }
    Output o = e.send_packet(world.now, packet, b, job);
    if (job.kind == wg::CryptoJob::Kind::kSeal) {
      crypto.run(job, b.data, nullptr);
      ++split_seals;
    }
    return o;
  }

  Output receive_on(Engine& e, const core::Path& from, core::ByteView datagram,
                    core::MutableBytes b) {
    if (!split_crypto) return e.receive_datagram(world.now, from, datagram, b);
    wg::CryptoJob job;
    Output o = e.receive_datagram(world.now, from, datagram, b, job);
    if (job.kind != wg::CryptoJob::Kind::kOpen) return o;
    std::vector<uint8_t> copy(datagram.data, datagram.data + datagram.size);
    crypto.run(job, copy.data(), b.data);
    ++split_opens;
    return e.complete_receive(world.now, from, job, b);
  }

  coord::test::World world;
  core::SeededRandom rng{11};  // the engines' (declared before them: it outlives them)
  std::vector<std::unique_ptr<Node>> nodes;
  std::deque<Datagram> wire;
  std::unique_ptr<Relay> relay_;
  bool server_reachable = true;
  std::size_t failed_dials = 0;

 private:
  // Opens a connection when the engine wants one (a failed dial while the server is cut) and
  // hands its transmits to the coordinator. True when something moved.
  bool control_step(Node& n) {
    bool moved = false;
    Engine& e = *n.engine;
    if (!n.conn && e.wants_control_connection(world.now)) {
      moved = true;
      BOOST_REQUIRE(e.control_connected(world.now, world.rng).ok());
      if (!server_reachable) {
        ++failed_dials;
        controlclient::Transmit drop;
        while (e.poll_control_transmit(drop)) {
        }
        e.control_disconnected(world.now);
        return true;
      }
      n.conn = coord::ConnectionId{world.next_conn++};
      world.coordinator->connection_opened(*n.conn, world.now);
    }
    controlclient::Transmit t;
    while (e.poll_control_transmit(t)) {
      moved = true;
      if (!n.conn) continue;
      if (!t.bytes.empty())
        world.coordinator->connection_bytes(*n.conn, {t.bytes.data(), t.bytes.size()},
                                            world.now, world.rng);
      if (t.close) {
        world.coordinator->connection_closed(*n.conn, world.now);
        n.conn.reset();
      }
    }
    return moved;
  }

  // The engine's relay requests and output, and the datagrams it received through the relay.
  bool relay_step(Node& n) {
    bool moved = false;
    Engine& e = *n.engine;
    RelayRequest req;
    while (e.poll_relay_request(req)) {
      moved = true;
      if (req.kind == RelayRequest::Kind::kClose) {
        auto it = n.relay_conns.find(req.link);
        if (it != n.relay_conns.end() && relay_) {
          relay_->server.closed(it->second, world.now);
          relay_->conns.erase(it->second);
        }
        if (it != n.relay_conns.end()) n.relay_conns.erase(it);
        continue;
      }
      if (!relay_ || !relay_->up) {
        e.relay_dial_failed(req.link, world.now);
        continue;
      }
      const relay::ConnId conn = relay_->next++;
      relay_->conns[conn] = {&n, req.link};
      n.relay_conns[req.link] = conn;
      relay_->server.accept(conn, world.now);
      e.relay_connected(req.link, world.now);
    }
    std::vector<uint8_t> buf(relay::kMaxFrameSize);
    uint32_t link = 0;
    std::size_t size = 0;
    while (e.poll_relay_transmit(link, {buf.data(), buf.size()}, size)) {
      moved = true;
      auto it = n.relay_conns.find(link);
      if (it == n.relay_conns.end() || !relay_) continue;
      relay_->server.receive(it->second, {buf.data(), size}, world.now);
    }
    core::Path from;
    for (;;) {
      const std::size_t got = e.poll_relay_datagram(from, {buf.data(), buf.size()});
      if (got == 0) break;
      moved = true;
      std::vector<uint8_t> datagram(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(got));
      NodeSink sink{*this, n};
      core::handle_input(e, world.now, sink, [&](core::MutableBytes b) {
        return receive_on(e, from, {datagram.data(), datagram.size()}, b);
      });
    }
    return moved;
  }

  // The relay's output to each connection, and its connections it closed.
  bool relay_server_step() {
    if (!relay_) return false;
    bool moved = false;
    relay::ServerEvent ev;
    while (relay_->server.poll_event(ev)) moved = true;
    std::vector<uint8_t> buf(relay::kMaxFrameSize);
    relay::ConnId conn = 0;
    while (relay_->server.poll_writable(conn)) {
      for (;;) {
        const relay::ConnOutput out = relay_->server.poll_output(conn, {buf.data(), buf.size()});
        auto it = relay_->conns.find(conn);
        if (out.size > 0 && it != relay_->conns.end() && it->second.first->engine) {
          moved = true;
          it->second.first->engine->relay_bytes(it->second.second, {buf.data(), out.size},
                                                world.now);
        }
        if (out.close && it != relay_->conns.end()) {
          moved = true;
          Node* n = it->second.first;
          const uint32_t link = it->second.second;
          relay_->conns.erase(it);
          n->relay_conns.erase(link);
          relay_->server.closed(conn, world.now);
          if (n->engine) n->engine->relay_disconnected(link, world.now);
        }
        if (out.size == 0) break;
      }
    }
    return moved;
  }

  void deliver(const Datagram& d) {
    if (udp_passes && !udp_passes(d)) return;
    for (auto& n : nodes) {
      if (n->path != d.to || !n->up || !n->engine) continue;
      NodeSink sink{*this, *n};
      core::handle_input(*n->engine, world.now, sink, [&](core::MutableBytes b) {
        return receive_on(*n->engine, d.from, {d.bytes.data(), d.bytes.size()}, b);
      });
    }
  }
};

inline void NodeSink::execute(const Output& o, core::MutableBytes b) {
  switch (o.action) {
    case wg::Action::kSendDatagram:
      net.wire.push_back(Datagram{node.path, o.endpoint, {b.data, b.data + o.size}});
      break;
    case wg::Action::kDeliverToTunnel:
      node.delivered.emplace_back(b.data, b.data + o.size);
      break;
    case wg::Action::kDrop:
      node.drops.push_back(o);
      break;
    case wg::Action::kNone:
      break;
  }
}

// ---------------------------------------------------------------- IP packets

/// An IPv4 UDP packet with a valid header checksum (the UDP checksum is optional in IPv4: 0).
inline std::vector<uint8_t> udp_packet(const util::IpAddress& src, const util::IpAddress& dst,
                                       uint16_t src_port, uint16_t dst_port,
                                       const std::string& payload) {
  const std::size_t total = 20 + 8 + payload.size();
  std::vector<uint8_t> p(total, 0);
  p[0] = 0x45;
  p[2] = static_cast<uint8_t>(total >> 8);
  p[3] = static_cast<uint8_t>(total);
  p[8] = 64;  // TTL
  p[9] = 17;  // UDP
  std::copy(src.bytes().begin(), src.bytes().begin() + 4, p.begin() + 12);
  std::copy(dst.bytes().begin(), dst.bytes().begin() + 4, p.begin() + 16);
  uint32_t sum = 0;
  for (std::size_t i = 0; i < 20; i += 2) sum += (uint32_t{p[i]} << 8) | p[i + 1];
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  const uint16_t check = static_cast<uint16_t>(~sum);
  p[10] = static_cast<uint8_t>(check >> 8);
  p[11] = static_cast<uint8_t>(check);
  p[20] = static_cast<uint8_t>(src_port >> 8);
  p[21] = static_cast<uint8_t>(src_port);
  p[22] = static_cast<uint8_t>(dst_port >> 8);
  p[23] = static_cast<uint8_t>(dst_port);
  const std::size_t udp_len = 8 + payload.size();
  p[24] = static_cast<uint8_t>(udp_len >> 8);
  p[25] = static_cast<uint8_t>(udp_len);
  std::copy(payload.begin(), payload.end(), p.begin() + 28);
  return p;
}

/// Packets `n` delivered whose UDP payload is `payload`.
inline std::size_t delivered_with(const Node& n, const std::string& payload) {
  std::size_t count = 0;
  for (const auto& p : n.delivered)
    if (p.size() == 28 + payload.size() &&
        std::string(p.begin() + 28, p.end()) == payload)
      ++count;
  return count;
}

/// The issues' three-node storyline: a may reach b, b may reach c, nothing else.
inline const char* const kTwoHopPolicy = R"({
  "tagOwners": {"tag:a": ["ops@example.com"], "tag:b": ["ops@example.com"],
                "tag:c": ["ops@example.com"]},
  "acls": [
    {"action": "accept", "src": ["tag:a"], "dst": ["tag:b:*"]},
    {"action": "accept", "src": ["tag:b"], "dst": ["tag:c:*"]}
  ]
})";

/// kTwoHopPolicy with a -> c allowed too (the operator's change in the outage stories).
inline const char* const kTwoHopPolicyWithAToC = R"({
  "tagOwners": {"tag:a": ["ops@example.com"], "tag:b": ["ops@example.com"],
                "tag:c": ["ops@example.com"]},
  "acls": [
    {"action": "accept", "src": ["tag:a"], "dst": ["tag:b:*", "tag:c:*"]},
    {"action": "accept", "src": ["tag:b"], "dst": ["tag:c:*"]}
  ]
})";

/// Nodes a, b and c under kTwoHopPolicy, registered and holding their maps.
struct TwoHops {
  TwoHops()
      : net(kTwoHopPolicy),
        a(net.add("a", net.world.key("ops@example.com", {"tag:a"}), 1)),
        b(net.add("b", net.world.key("ops@example.com", {"tag:b"}), 2)),
        c(net.add("c", net.world.key("ops@example.com", {"tag:c"}), 3)) {
    net.settle();
    net.run_for(std::chrono::seconds(1));
  }
  coord::DeviceId id_of(const Node& n) const {
    return coord::DeviceId{n.engine->client().node_id()->value};
  }

  Tailnet net;
  Node& a;
  Node& b;
  Node& c;
};

}  // namespace weft::engine::test
