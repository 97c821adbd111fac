// Test harness for lib/wg: deterministic randomness, IP packet builders, and two Devices wired
// back to back over an in-memory "UDP" wire with a fake clock and a per-datagram loss filter.
#pragma once

#include <cstring>
#include <deque>
#include <functional>
#include <vector>

#include "core/random.h"
#include "wg/device.h"
#include "wg/messages.h"

namespace weft::wg::test {

inline PrivateKey make_private(uint64_t seed) {
  core::SeededRandom r(seed);
  PrivateKey k;
  r.fill(k.bytes.data(), k.bytes.size());
  k.bytes[0] &= 248;
  k.bytes[31] = static_cast<uint8_t>((k.bytes[31] & 127) | 64);
  return k;
}

/// An IPv4 packet (header + payload of `payload` bytes) from src to dst (last octets of
/// 100.64.0.x).
inline std::vector<uint8_t> ipv4_packet(uint8_t src, uint8_t dst, std::size_t payload,
                                        uint8_t fill = 0xab) {
  std::vector<uint8_t> p(20 + payload, fill);
  for (std::size_t i = 0; i < 20; ++i) p[i] = 0;
  p[0] = 0x45;
  p[2] = static_cast<uint8_t>(p.size() >> 8);
  p[3] = static_cast<uint8_t>(p.size());
  p[8] = 64;
  p[9] = 17;
  p[12] = 100, p[13] = 64, p[14] = 0, p[15] = src;
  p[16] = 100, p[17] = 64, p[18] = 0, p[19] = dst;
  return p;
}

struct Datagram {
  Path from;
  Path to;
  std::vector<uint8_t> bytes;
  uint8_t type() const { return bytes.empty() ? 0 : bytes[0]; }
};

struct Node {
  Node(uint64_t seed, Path endpoint)
      : rng(seed), device(config(seed), rng), ep(endpoint) {}
  static DeviceConfig config(uint64_t seed) {
    DeviceConfig c;
    c.private_key = make_private(seed * 7 + 1);
    return c;
  }
  core::SeededRandom rng;
  Device device;
  Path ep;
  PeerId peer = kNoPeer;                    // the other node
  std::vector<std::vector<uint8_t>> inbox;  // delivered to the tunnel
  std::vector<Output> results;              // every receive_datagram result
};

/// Two nodes: A = 100.64.0.1 at 192.0.2.1:51820, B = 100.64.0.2 at 192.0.2.2:51820.
class Pair {
 public:
  Pair() : a(1, Path::v4(192, 0, 2, 1, 51820)), b(2, Path::v4(192, 0, 2, 2, 51820)) {
    wall0 = WallTime(std::chrono::seconds(1700000000));
    a.peer = a.device.add_peer(peer_config(b, 2));
    b.peer = b.device.add_peer(peer_config(a, 1));
  }
  PeerConfig peer_config(Node& other, uint8_t ip) {
    PeerConfig c;
    c.public_key = other.device.public_key();
    c.endpoint = other.ep;
    c.allowed_ips.push_back(AllowedIp::v4(100, 64, 0, ip, 32));
    return c;
  }

  Now now() const { return Now{t, wall0 + std::chrono::duration_cast<WallTime::duration>(t)}; }
  Node& other(Node& n) { return &n == &a ? b : a; }

  /// Sends a tunnel packet from `n` and runs the network until quiet.
  Output send(Node& n, const std::vector<uint8_t>& packet) {
    Output o = n.device.send_packet(now(), ByteView{packet.data(), packet.size()},
                                    MutableBytes{buf, sizeof buf});
    if (o.action == Action::kSendDatagram) emit(n, o);
    pump();
    return o;
  }

  /// Delivers one datagram to the node owning `d.to` (no filter) and returns its result.
  Output deliver(const Datagram& d) {
    Node& n = d.to == a.ep ? a : b;
    Output o = n.device.receive_datagram(now(), d.from, ByteView{d.bytes.data(), d.bytes.size()},
                                         MutableBytes{buf, sizeof buf});
    n.results.push_back(o);
    if (o.action == Action::kSendDatagram) emit(n, o);
    if (o.action == Action::kDeliverToTunnel) n.inbox.emplace_back(buf, buf + o.size);
    flush(n);
    return o;
  }

  void flush(Node& n) {
    for (int guard = 0; guard < 1000; ++guard) {
      Output o = n.device.poll_transmit(now(), MutableBytes{buf, sizeof buf});
      if (o.action == Action::kNone) return;
      if (o.action == Action::kSendDatagram) emit(n, o);
    }
  }

  void pump() {
    flush(a);
    flush(b);
    while (!wire.empty()) {
      Datagram d = std::move(wire.front());
      wire.pop_front();
      if (loss && loss(d)) {
        lost.push_back(d);
        continue;
      }
      deliver(d);
    }
  }

  /// Moves the clock to `target`, firing every deadline on the way in order.
  void advance_to(Duration target) {
    for (int guard = 0; guard < 100000; ++guard) {
      auto da = a.device.next_deadline();
      auto db = b.device.next_deadline();
      std::optional<Duration> next = da;
      if (db && (!next || *db < *next)) next = db;
      if (!next || *next > target) break;
      if (*next > t) t = *next;
      a.device.update_timers(now());
      b.device.update_timers(now());
      pump();
    }
    t = target;
    a.device.update_timers(now());
    b.device.update_timers(now());
    pump();
  }
  void advance(Duration d) { advance_to(t + d); }

  /// Runs a handshake by sending one packet A -> B.
  void handshake() { send(a, ipv4_packet(1, 2, 64)); }

  int sent_of_type(uint8_t type) const {
    int n = 0;
    for (const auto& d : log) n += d.type() == type;
    return n;
  }

  Node a;
  Node b;
  Duration t{0};
  WallTime wall0;
  std::deque<Datagram> wire;
  std::vector<Datagram> log;   // everything ever sent
  std::vector<Datagram> lost;  // what the loss filter ate
  std::function<bool(const Datagram&)> loss;
  uint8_t buf[2048];

 private:
  void emit(Node& n, const Output& o) {
    Datagram d{n.ep, o.endpoint, std::vector<uint8_t>(buf, buf + o.size)};
    log.push_back(d);
    wire.push_back(std::move(d));
  }
};

}  // namespace weft::wg::test
