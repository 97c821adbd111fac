// Both cores against each other: the coordinator and real control clients over an in-memory
// wire with a fake clock — registration, the map stream, deltas, reconnection after a server
// restart, rotation, removal and version mismatch, as a node agent will see them.
#define BOOST_TEST_MODULE protocol
#include <boost/test/unit_test.hpp>

#include <map>
#include <memory>
#include <vector>

#include "controlclient/client.h"
#include "coord/coordinator_harness.h"

using namespace weft;
using namespace weft::coord;
using namespace weft::coord::test;

namespace weft::controlclient {
// Lets BOOST_TEST print states by name.
inline std::ostream& operator<<(std::ostream& os, ClientState s) { return os << to_string(s); }
}  // namespace weft::controlclient

namespace {

const char* kPolicy = R"({
  "tagOwners": {"tag:web": ["alice@example.com"]},
  "acls": [{"action": "accept", "src": ["autogroup:member"], "dst": ["tag:web:443"]}]
})";

// A client and the connection the wire gives it.
struct Node {
  std::unique_ptr<controlclient::Client> client;
  std::optional<ConnectionId> conn;
  std::vector<controlclient::Event> events;
};

struct Net {
  explicit Net(const char* policy = kPolicy) : world(policy) {}

  Node& add(const std::string& auth_key, const std::string& hostname) {
    controlclient::ClientConfig c;
    c.machine_key = random_private<core::MachinePrivateKey>(world.rng);
    c.server_key = world.server_public();
    c.node_key = random_private<core::NodePrivateKey>(world.rng);
    c.auth_key = auth_key;
    c.hostinfo.hostname = hostname;
    c.hostinfo.os = "linux";
    auto client = controlclient::Client::create(c);
    BOOST_REQUIRE(client.ok());
    nodes.push_back(std::make_unique<Node>());
    nodes.back()->client = std::move(client).value();
    return *nodes.back();
  }

  // Moves bytes both ways and runs timers until nothing is left to do at this instant.
  void settle() {
    for (int round = 0; round < 100; ++round) {
      bool moved = false;
      for (auto& n : nodes) {
        auto& c = *n->client;
        if (!n->conn && c.wants_connection(world.now)) {
          n->conn = ConnectionId{world.next_conn++};
          world.coordinator->connection_opened(*n->conn, world.now);
          BOOST_REQUIRE(c.connected(world.now, world.rng).ok());
          moved = true;
        }
        controlclient::Transmit t;
        while (c.poll_transmit(t)) {
          moved = true;
          if (!n->conn) continue;
          if (!t.bytes.empty())
            world.coordinator->connection_bytes(*n->conn, {t.bytes.data(), t.bytes.size()},
                                                world.now, world.rng);
          if (t.close) {
            world.coordinator->connection_closed(*n->conn, world.now);
            n->conn.reset();
          }
        }
        controlclient::Event e;
        while (c.poll_event(e)) n->events.push_back(e);
      }
      Transmit t;
      while (world.coordinator->poll_transmit(t)) {
        moved = true;
        for (auto& n : nodes) {
          if (!n->conn || *n->conn != t.connection) continue;
          if (!t.bytes.empty())
            n->client->bytes({t.bytes.data(), t.bytes.size()}, world.now, world.rng);
          if (t.close) {
            n->client->disconnected(world.now);
            world.coordinator->connection_closed(*n->conn, world.now);
            n->conn.reset();
          }
        }
      }
      if (!moved) return;
    }
    BOOST_FAIL("the wire did not settle");
  }

  // Advances the fake clock in steps, running every due deadline on both sides.
  void run_for(core::Duration d, core::Duration step = std::chrono::milliseconds(100)) {
    const core::Duration end = world.now.mono + d;
    while (world.now.mono < end) {
      world.now.mono += step;
      world.now.wall += std::chrono::duration_cast<core::WallTime::duration>(step);
      if (auto at = world.coordinator->next_deadline(); at && *at <= world.now.mono)
        world.coordinator->on_deadline(world.now, world.rng);
      for (auto& n : nodes)
        if (auto at = n->client->next_deadline(); at && *at <= world.now.mono)
          n->client->on_deadline(world.now, world.rng);
      settle();
    }
  }

  // The server restarts from its store: every connection drops.
  void restart_server() {
    for (auto& n : nodes)
      if (n->conn) {
        n->client->disconnected(world.now);
        n->conn.reset();
      }
    world.restart();
  }

  World world;
  std::vector<std::unique_ptr<Node>> nodes;
};

std::vector<uint64_t> peer_ids(const Node& n) {
  std::vector<uint64_t> out;
  for (const auto& [id, p] : n.client->netmap().peers) out.push_back(id.value);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(clients_register_stream_and_follow_deltas) {
  Net net;
  Node& web = net.add(net.world.key("alice@example.com", {"tag:web"}), "web");
  Node& laptop = net.add(net.world.key("bob@example.com"), "laptop");
  net.settle();
  BOOST_TEST(web.client->state() == controlclient::ClientState::kStreaming);
  BOOST_TEST(laptop.client->state() == controlclient::ClientState::kStreaming);
  BOOST_TEST(peer_ids(laptop) == std::vector<uint64_t>{web.client->node_id()->value});
  BOOST_TEST(peer_ids(web) == std::vector<uint64_t>{laptop.client->node_id()->value});
  BOOST_TEST(!web.client->netmap().filter.empty());
  BOOST_TEST(laptop.client->netmap().filter.empty());  // nothing may reach the laptop

  Node& phone = net.add(net.world.key("carol@example.com"), "phone");
  net.settle();
  BOOST_TEST(peer_ids(web).size() == 2u);
  BOOST_TEST(peer_ids(laptop).size() == 1u);  // member devices do not see each other
  BOOST_TEST(peer_ids(phone).size() == 1u);
  BOOST_TEST(web.client->counters().seq_gaps == 0u);
}

BOOST_AUTO_TEST_CASE(clients_come_back_after_a_server_restart_with_their_addresses) {
  Net net;
  Node& web = net.add(net.world.key("alice@example.com", {"tag:web"}), "web");
  Node& laptop = net.add(net.world.key("bob@example.com"), "laptop");
  net.settle();
  const auto addresses = laptop.client->netmap().self.addresses;
  net.restart_server();
  net.run_for(std::chrono::seconds(5));
  BOOST_TEST(laptop.client->state() == controlclient::ClientState::kStreaming);
  BOOST_TEST(web.client->state() == controlclient::ClientState::kStreaming);
  BOOST_TEST(laptop.client->netmap().self.addresses == addresses);
  BOOST_TEST(peer_ids(laptop).size() == 1u);
  BOOST_TEST(net.world.coordinator->registry().devices().size() == 2u);
}

BOOST_AUTO_TEST_CASE(rotation_over_the_stream_reaches_peers) {
  Net net;
  Node& web = net.add(net.world.key("alice@example.com", {"tag:web"}), "web");
  Node& laptop = net.add(net.world.key("bob@example.com"), "laptop");
  net.settle();
  const auto old_key = laptop.client->node_public_key();
  BOOST_REQUIRE(
      net.world.coordinator->rotate(DeviceId{laptop.client->node_id()->value}, net.world.now).ok());
  net.settle();
  BOOST_TEST(laptop.client->counters().key_rotations == 1u);
  const auto new_key = laptop.client->node_public_key();
  BOOST_TEST((new_key != old_key));
  BOOST_TEST((web.client->netmap().peers.at(*laptop.client->node_id()).node_key == new_key));
}

BOOST_AUTO_TEST_CASE(removed_client_stops_and_leaves_its_peers) {
  Net net;
  Node& web = net.add(net.world.key("alice@example.com", {"tag:web"}), "web");
  Node& laptop = net.add(net.world.key("bob@example.com"), "laptop");
  net.settle();
  BOOST_REQUIRE(
      net.world.coordinator->remove(DeviceId{laptop.client->node_id()->value}, net.world.now).ok());
  net.settle();
  BOOST_TEST(laptop.client->state() == controlclient::ClientState::kStopped);
  BOOST_TEST(laptop.client->stop_code() == "control.removed");
  BOOST_TEST(peer_ids(web).empty());
}

BOOST_AUTO_TEST_CASE(keepalives_keep_idle_streams_open) {
  Net net;
  Node& web = net.add(net.world.key("alice@example.com", {"tag:web"}), "web");
  net.settle();
  net.run_for(std::chrono::minutes(10), std::chrono::seconds(1));
  BOOST_TEST(web.client->state() == controlclient::ClientState::kStreaming);
  BOOST_TEST(web.client->counters().connections == 1u);
  BOOST_TEST(web.client->counters().dead_connections == 0u);
}
