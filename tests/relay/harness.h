// An in-memory relay: one relay::Server, clients (relay::Client cores or raw byte writers) on
// connections with ids, a fake clock. The third driver of the relay cores, for the unit tests.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "core/random.h"
#include "core/time.h"
#include "relay/auth.h"
#include "relay/client.h"
#include "relay/frame.h"
#include "relay/server.h"
#include "support/test_keys.h"

BOOST_TEST_DONT_PRINT_LOG_VALUE(weft::core::NodePublicKey)
BOOST_TEST_DONT_PRINT_LOG_VALUE(weft::core::RelayPublicKey)
BOOST_TEST_DONT_PRINT_LOG_VALUE(weft::relay::PeerGoneReason)
BOOST_TEST_DONT_PRINT_LOG_VALUE(weft::relay::ClientState)

namespace weft::relay::test {

inline core::NodePublicKey node_public(const core::NodePrivateKey& k) {
  return weft::test::public_of<core::NodePublicKey>(k);
}

struct Relay {
  explicit Relay(ServerConfig config = {}, uint64_t seed = 1) : rng(seed), server(prepare(config), rng) {}

  ServerConfig& prepare(ServerConfig& config) {
    if (config.private_key.is_zero()) {
      config.private_key = weft::test::random_private<core::RelayPrivateKey>(rng);
    }
    return config;
  }

  core::Now now() const { return core::Now{mono, {}}; }
  void advance(core::Duration d) {
    mono += d;
    server.update_timers(now());
    for (auto& [id, c] : clients) c->update_timers(now());
    pump();
  }
  /// Runs timers up to `d` later, stepping through every deadline.
  void run_for(core::Duration d) {
    const core::Duration end = mono + d;
    for (;;) {
      std::optional<core::Duration> next = server.next_deadline();
      for (auto& [id, c] : clients) {
        auto cd = c->next_deadline();
        if (cd && (!next || *cd < *next)) next = cd;
      }
      if (!next || *next > end) break;
      if (*next > mono) mono = *next;
      server.update_timers(now());
      for (auto& [id, c] : clients) c->update_timers(now());
      pump();
    }
    mono = end;
    pump();
  }

  /// Connects a client core on `id` and runs the handshake as far as it goes.
  void connect(ConnId id, Client& c) {
    clients[id] = &c;
    server.accept(id, now());
    c.connected(now());
    pump();
  }
  /// A raw connection: the test writes bytes and reads what the server answers.
  void open_raw(ConnId id) {
    raw[id];
    server.accept(id, now());
    pump();
  }
  void write_raw(ConnId id, const std::vector<uint8_t>& bytes) {
    server.receive(id, core::ByteView{bytes.data(), bytes.size()}, now());
    pump();
  }

  /// Moves bytes both ways until nothing moves; answers verification from `verify`.
  void pump() {
    for (int round = 0; round < 10000; ++round) {
      bool moved = false;
      for (auto& [id, c] : clients) {
        if (closed.count(id)) continue;
        std::size_t n;
        while ((n = c->poll_output(core::MutableBytes{buf.data(), buf.size()})) > 0) {
          server.receive(id, core::ByteView{buf.data(), n}, now());
          moved = true;
        }
      }
      ServerEvent e;
      while (server.poll_event(e)) {
        events.push_back(e);
        if (e.kind == ServerEventKind::kVerify && verify) {
          pending_verify.push_back(e.conn);
        }
      }
      for (ConnId id : pending_verify) {
        server.verified(id, verify(server_key_of(id)), now());
        moved = true;
      }
      pending_verify.clear();
      ConnId id;
      while (server.poll_writable(id)) {
        if (stalled.count(id)) continue;
        for (;;) {
          ConnOutput o = server.poll_output(id, core::MutableBytes{buf.data(), buf.size()});
          if (o.size > 0) {
            moved = true;
            deliver(id, o.size);
          }
          if (o.close) {
            close(id);
            break;
          }
          if (o.size == 0) break;
        }
      }
      if (!moved) return;
    }
  }

  /// Lets a stalled connection's reader read again, and delivers what waited.
  void unstall(ConnId id) {
    stalled.erase(id);
    for (;;) {
      ConnOutput o = server.poll_output(id, core::MutableBytes{buf.data(), buf.size()});
      if (o.size > 0) deliver(id, o.size);
      if (o.close) close(id);
      if (o.size == 0 || o.close) break;
    }
    pump();
  }

  void deliver(ConnId id, std::size_t n) {
    if (closed.count(id)) return;
    auto it = clients.find(id);
    if (it != clients.end()) {
      it->second->receive(core::ByteView{buf.data(), n}, now());
    } else {
      raw[id].insert(raw[id].end(), buf.data(), buf.data() + n);
    }
  }

  void close(ConnId id) {
    if (!closed.insert(id).second) return;
    server.closed(id, now());
    auto it = clients.find(id);
    if (it != clients.end()) it->second->transport_closed(now());
  }

  core::NodePublicKey server_key_of(ConnId id) const {
    for (auto it = events.rbegin(); it != events.rend(); ++it) {
      if (it->conn == id && it->kind == ServerEventKind::kVerify) return it->node_key;
    }
    return {};
  }

  /// Frames the server sent to raw connection `id` (consumed).
  std::vector<std::pair<uint8_t, std::vector<uint8_t>>> raw_frames(ConnId id) {
    std::vector<std::pair<uint8_t, std::vector<uint8_t>>> frames;
    FrameReader reader;
    auto& bytes = raw[id];
    reader.feed(core::ByteView{bytes.data(), bytes.size()}, [&](const Frame& f) {
      frames.emplace_back(f.type, std::vector<uint8_t>(f.payload.data, f.payload.data + f.payload.size));
      return true;
    });
    bytes.clear();
    return frames;
  }

  core::SeededRandom rng;
  Server server;
  core::Duration mono{std::chrono::seconds(1000)};
  std::map<ConnId, Client*> clients;
  std::map<ConnId, std::vector<uint8_t>> raw;
  std::set<ConnId> closed;
  std::set<ConnId> stalled;  // connections whose reader does not read (output stays queued)
  std::vector<ServerEvent> events;
  std::vector<ConnId> pending_verify;
  std::function<bool(const core::NodePublicKey&)> verify;
  std::vector<uint8_t> buf = std::vector<uint8_t>(256 * 1024);
};

/// Answers the ServerKey waiting on raw connection `id` with a ClientInfo for `node`.
inline void raw_auth(Relay& relay, ConnId id, const core::NodePrivateKey& node,
                     std::vector<uint8_t>* sent = nullptr) {
  auto frames = relay.raw_frames(id);
  BOOST_TEST_REQUIRE(!frames.empty());
  auto sk = parse_server_key(core::ByteView{frames[0].second.data(), frames[0].second.size()});
  BOOST_TEST_REQUIRE(sk.ok());
  std::vector<uint8_t> out;
  BOOST_TEST_REQUIRE(append_client_info(out, node, sk->relay_key, sk->challenge, 0, relay.rng).ok());
  if (sent) *sent = out;
  relay.write_raw(id, out);
}

/// A whole frame of `type` with `payload`.
inline std::vector<uint8_t> make_frame(FrameType type, const std::vector<uint8_t>& payload) {
  std::vector<uint8_t> f(kFrameHeaderSize);
  put_header(f.data(), type, payload.size());
  f.insert(f.end(), payload.begin(), payload.end());
  return f;
}

/// A SendPacket frame to `dst`.
inline std::vector<uint8_t> send_frame(const core::NodePublicKey& dst, std::size_t n, uint8_t fill = 0) {
  std::vector<uint8_t> p(dst.bytes.begin(), dst.bytes.end());
  p.resize(kKeyLen + n, fill);
  return make_frame(FrameType::kSendPacket, p);
}

/// A client core with its own key and Random.
struct TestClient {
  explicit TestClient(uint64_t seed, ClientConfig config = {}) : rng(seed) {
    config.node_key = weft::test::random_private<core::NodePrivateKey>(rng);
    key = node_public(config.node_key);
    client.emplace(config, rng);
  }
  Client& operator*() { return *client; }
  Client* operator->() { return &*client; }

  /// Every event so far (drained from the core).
  std::vector<ClientEvent>& events() {
    ClientEvent e;
    while (client->poll_event(e)) seen.push_back(e);
    return seen;
  }
  std::optional<ClientEvent> last(ClientEventKind kind) {
    auto& all = events();
    for (auto it = all.rbegin(); it != all.rend(); ++it) {
      if (it->kind == kind) return *it;
    }
    return std::nullopt;
  }
  /// The next received packet, as (source, bytes).
  std::optional<std::pair<core::NodePublicKey, std::vector<uint8_t>>> packet() {
    std::vector<uint8_t> out(kMaxPacketSize);
    core::NodePublicKey src;
    std::size_t n = client->poll_packet(src, core::MutableBytes{out.data(), out.size()});
    if (n == 0) return std::nullopt;
    out.resize(n);
    return std::make_pair(src, out);
  }
  bool send(const core::NodePublicKey& dst, const std::vector<uint8_t>& bytes, core::Now now) {
    return client->send_packet(now, dst, core::ByteView{bytes.data(), bytes.size()});
  }

  core::SeededRandom rng;
  core::NodePublicKey key;
  std::optional<Client> client;
  std::vector<ClientEvent> seen;
};

}  // namespace weft::relay::test
