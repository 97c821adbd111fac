// A device with many peers: the timer schedule stays equal to the minimum over all peers through
// random traffic, loss, timers and peer churn; routing and handshakes work for thousands of
// peers whose static-static DH is computed on demand.
#define BOOST_TEST_MODULE wg_device_peers
#include <boost/test/unit_test.hpp>

#include <deque>
#include <memory>

#include "harness.h"

using namespace weft::wg;
using namespace weft::wg::test;
using namespace std::chrono_literals;

namespace {

// The earliest deadline by asking every peer: what next_deadline() computed before it had a
// schedule of its own.
std::optional<Duration> brute_deadline(const Device& d) {
  std::optional<Duration> best;
  for (PeerId id : d.peers()) {
    auto t = d.next_deadline(id);
    if (t && (!best || *t < *best)) best = t;
  }
  return best;
}

// A hub 100.64.0.1 with spokes 100.64.0.10+i that answer, and idle peers 10.x.y.z whose
// endpoints lead nowhere, on a lossy in-memory wire with a fake clock.
class Hub {
 public:
  explicit Hub(int spokes) : hub(1, Path::v4(192, 0, 2, 1, 51820)), random(5) {
    wall0 = WallTime(std::chrono::seconds(1700000000));
    for (int i = 0; i < spokes; ++i) {
      auto s = std::make_unique<Node>(100 + i, Path::v4(192, 0, 2, static_cast<uint8_t>(10 + i),
                                                        51820));
      PeerConfig to_spoke;
      to_spoke.public_key = s->device.public_key();
      to_spoke.endpoint = s->ep;
      to_spoke.allowed_ips.push_back(AllowedIp::v4(100, 64, 0, static_cast<uint8_t>(10 + i), 32));
      s->peer = hub.device.add_peer(to_spoke);  // the hub's id for it; the spoke's hub is 0
      PeerConfig to_hub;
      to_hub.public_key = hub.device.public_key();
      to_hub.endpoint = hub.ep;
      to_hub.allowed_ips.push_back(AllowedIp::v4(100, 64, 0, 0, 24));
      s->device.add_peer(to_hub);
      spoke.push_back(std::move(s));
    }
  }

  Now now() const { return Now{t, wall0 + std::chrono::duration_cast<WallTime::duration>(t)}; }

  /// An idle peer: a random key, an endpoint nobody answers at, one /32 in 10.0.0.0/8.
  PeerId add_idle(uint32_t n, Duration keepalive = 0s) {
    PeerConfig c;
    random.fill(c.public_key.bytes.data(), c.public_key.bytes.size());
    c.endpoint = Path::v4(198, 18, static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n), 51820);
    c.persistent_keepalive = keepalive;
    c.allowed_ips.push_back(AllowedIp::v4(10, static_cast<uint8_t>(n >> 16),
                                          static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n),
                                          32));
    return hub.device.add_peer(c);
  }

  void send(Node& from, const std::vector<uint8_t>& packet) {
    Output o = from.device.send_packet(now(), ByteView{packet.data(), packet.size()},
                                       MutableBytes{buf, sizeof buf});
    if (o.action == Action::kSendDatagram) emit(from, o);
    pump();
  }

  /// Fires every deadline up to `target` in order, as a driver's timer would.
  void advance_to(Duration target) {
    for (int guard = 0; guard < 100000; ++guard) {
      std::optional<Duration> next;
      for (Node* n : nodes()) {
        auto d = n->device.next_deadline();
        if (d && (!next || *d < *next)) next = d;
      }
      if (!next || *next > target) break;
      if (*next > t) t = *next;
      for (Node* n : nodes()) n->device.update_timers(now());
      pump();
    }
    t = target;
  }

  void pump() {
    for (Node* n : nodes()) flush(*n);
    while (!wire.empty()) {
      Datagram d = std::move(wire.front());
      wire.pop_front();
      Node* to = nullptr;
      for (Node* n : nodes()) {
        if (n->ep == d.to) to = n;
      }
      if (to == nullptr || random.next() % 10 == 0) continue;  // nowhere, or lost
      Output o = to->device.receive_datagram(now(), d.from, ByteView{d.bytes.data(), d.bytes.size()},
                                             MutableBytes{buf, sizeof buf});
      if (o.action == Action::kSendDatagram) emit(*to, o);
      flush(*to);
    }
  }

  std::vector<Node*> nodes() {
    std::vector<Node*> out{&hub};
    for (auto& s : spoke) out.push_back(s.get());
    return out;
  }

  Node hub;
  std::vector<std::unique_ptr<Node>> spoke;
  weft::core::SeededRandom random;
  Duration t{0};
  WallTime wall0;
  std::deque<Datagram> wire;
  std::vector<Datagram> sent;
  uint8_t buf[2048];

 private:
  void flush(Node& n) {
    for (int guard = 0; guard < 1000; ++guard) {
      Output o = n.device.poll_transmit(now(), MutableBytes{buf, sizeof buf});
      if (o.action == Action::kNone) return;
      if (o.action == Action::kSendDatagram) emit(n, o);
    }
  }
  void emit(Node& n, const Output& o) {
    Datagram d{n.ep, o.endpoint, std::vector<uint8_t>(buf, buf + o.size)};
    sent.push_back(d);
    wire.push_back(std::move(d));
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(device_peers)

BOOST_AUTO_TEST_CASE(schedule_equals_the_minimum_over_peers_through_random_operations) {
  Hub net(4);
  std::vector<PeerId> idle;
  uint32_t next_idle = 0;
  for (; next_idle < 60; ++next_idle) {
    idle.push_back(net.add_idle(next_idle, next_idle % 4 == 0 ? 25s : 0s));
  }
  weft::core::SeededRandom r(21);
  const Duration keepalives[] = {0s, 3s, 25s};
  int fired = 0;
  for (int step = 0; step < 3000; ++step) {
    std::size_t which = r.next() % net.spoke.size();
    Node& s = *net.spoke[which];
    uint8_t s_ip = static_cast<uint8_t>(10 + which);
    switch (r.next() % 7) {
      case 0:
        net.send(net.hub, ipv4_packet(1, s_ip, r.next() % 200));
        break;
      case 1:
        net.send(s, ipv4_packet(s_ip, 1, r.next() % 200));
        break;
      case 2: {
        auto before = net.hub.device.next_deadline();
        net.advance_to(net.t + std::chrono::milliseconds(r.next() % 8000));
        fired += before && *before <= net.t;
        break;
      }
      case 3: {
        PeerId id = r.next() % 2 ? s.peer : idle[r.next() % idle.size()];
        net.hub.device.set_persistent_keepalive(net.now(), id, keepalives[r.next() % 3]);
        net.pump();
        break;
      }
      case 4: {
        std::size_t i = r.next() % idle.size();
        net.hub.device.remove_peer(idle[i]);
        idle[i] = net.add_idle(next_idle++, r.next() % 3 == 0 ? 3s : 0s);
        break;
      }
      case 5: {
        // Traffic towards an idle peer: staged, an initiation into the void, retransmissions.
        uint32_t n = static_cast<uint32_t>(r.next() % next_idle);
        auto p = ipv4_packet(1, 2, 20);
        p[16] = 10, p[17] = static_cast<uint8_t>(n >> 16), p[18] = static_cast<uint8_t>(n >> 8),
        p[19] = static_cast<uint8_t>(n);
        net.send(net.hub, p);
        break;
      }
      default:
        net.hub.device.initiate_handshake(net.now(), s.peer);
        net.pump();
    }
    for (Node* n : net.nodes()) {
      BOOST_REQUIRE((n->device.next_deadline() == brute_deadline(n->device)));
    }
  }
  BOOST_TEST(fired > 100);  // the walk really exercised expiring timers
  int delivered = 0;
  for (auto& s : net.spoke) delivered += s->device.peer_stats(0).rx_bytes > 0;  // from the hub
  BOOST_TEST(delivered == static_cast<int>(net.spoke.size()));
}

BOOST_AUTO_TEST_CASE(routes_to_each_of_thousands_of_peers_and_handshakes_on_demand) {
  Hub net(1);
  const uint32_t kIdle = 5000;
  for (uint32_t n = 0; n < kIdle; ++n) BOOST_REQUIRE(net.add_idle(n) != kNoPeer);
  BOOST_TEST(!net.hub.device.next_deadline().has_value());
  // Every idle peer is reachable through its /32: a packet to it starts a handshake, whose
  // initiation (it needs the static-static DH) goes to that peer's endpoint.
  for (uint32_t n = 0; n < kIdle; n += 97) {
    auto p = ipv4_packet(1, 2, 20);
    p[16] = 10, p[17] = static_cast<uint8_t>(n >> 16), p[18] = static_cast<uint8_t>(n >> 8),
    p[19] = static_cast<uint8_t>(n);
    std::size_t before = net.sent.size();
    net.send(net.hub, p);
    BOOST_REQUIRE(net.sent.size() == before + 1);
    BOOST_TEST(net.sent.back().type() == kMessageHandshakeInitiation);
    BOOST_TEST((net.sent.back().to ==
                Path::v4(198, 18, static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n), 51820)));
  }
  BOOST_TEST(net.hub.device.stats().drops_of(DropReason::kBadHandshake) == 0u);
  // The spoke still works among them, and removing half the idle peers keeps its route.
  Node& s = *net.spoke[0];
  net.send(s, ipv4_packet(10, 1, 30));
  net.send(net.hub, ipv4_packet(1, 10, 30));
  for (PeerId id : net.hub.device.peers()) {
    if (id != s.peer && id % 2 == 0) net.hub.device.remove_peer(id);
  }
  BOOST_TEST(net.hub.device.peers().size() == 1u + kIdle / 2);
  std::size_t before = s.device.peer_stats(0).rx_bytes;
  for (int i = 0; i < 5 && s.device.peer_stats(0).rx_bytes == before; ++i) {
    net.send(net.hub, ipv4_packet(1, 10, 30));  // the wire may lose one
  }
  BOOST_TEST(s.device.peer_stats(0).rx_bytes > before);
  BOOST_TEST((net.hub.device.next_deadline() == brute_deadline(net.hub.device)));
}

BOOST_AUTO_TEST_CASE(handshakes_with_a_new_private_key_once_the_peer_knows_it) {
  Pair net;
  net.handshake();
  net.a.device.set_private_key(make_private(99));
  net.b.device.remove_peer(net.b.peer);
  net.b.peer = net.b.device.add_peer(net.peer_config(net.a, 1));
  net.send(net.a, ipv4_packet(1, 2, 10));
  BOOST_TEST(net.a.device.peer_stats(net.a.peer).has_session);
  BOOST_TEST(net.b.inbox.size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
