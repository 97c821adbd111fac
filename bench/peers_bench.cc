// Cost of the WireGuard core (lib/wg) as the number of configured peers grows: adding the peers,
// one data round trip between two of them, and the per-event timer work (next_deadline,
// update_timers). Single thread, fake time, CPU-time clock. Prints numbers; never fails on timing.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <vector>

#include "core/random.h"
#include "harness.h"  // tests/wg: keys and packets shared with the core's unit tests
#include "wg/device.h"

namespace {

namespace wg = weft::wg;
namespace core = weft::core;
using namespace std::chrono_literals;

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Side {
  explicit Side(uint64_t seed) : rng(seed), device(config(seed), rng) {}
  static wg::DeviceConfig config(uint64_t seed) {
    wg::DeviceConfig c;
    c.private_key = wg::test::make_private(seed);
    return c;
  }
  core::SeededRandom rng;
  wg::Device device;
  wg::PeerId peer = wg::kNoPeer;
  wg::Path ep;
};

// Two devices A and B that know each other; A also holds `extra` idle peers with one /32 each.
struct Bench {
  explicit Bench(std::size_t extra) : a(1), b(2) {
    a.ep = wg::Path::v4(192, 0, 2, 1, 51820);
    b.ep = wg::Path::v4(192, 0, 2, 2, 51820);
    a.peer = a.device.add_peer(peer_of(b, 2));
    b.peer = b.device.add_peer(peer_of(a, 1));
    core::SeededRandom keys(99);
    std::vector<wg::PeerConfig> idle(extra);
    for (std::size_t i = 0; i < extra; ++i) {
      keys.fill(idle[i].public_key.bytes.data(), idle[i].public_key.bytes.size());
      idle[i].endpoint = wg::Path::v4(198, 18, static_cast<uint8_t>(i >> 8),
                                      static_cast<uint8_t>(i), 51820);
      idle[i].allowed_ips.push_back(wg::AllowedIp::v4(
          10, static_cast<uint8_t>(i >> 16), static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i),
          32));
    }
    const double start = thread_cpu_seconds();
    for (const auto& p : idle) a.device.add_peer(p);
    add_seconds = thread_cpu_seconds() - start;
  }

  wg::PeerConfig peer_of(Side& other, uint8_t ip) {
    wg::PeerConfig c;
    c.public_key = other.device.public_key();
    c.endpoint = other.ep;
    c.allowed_ips.push_back(wg::AllowedIp::v4(100, 64, 0, ip, 32));
    return c;
  }

  wg::Now now() const { return wg::Now{t, wg::WallTime(std::chrono::seconds(1700000000)) + t}; }

  // What a driver does after each event: drain the core into the wire, ask for its deadline.
  void finish(Side& s) {
    while (true) {
      wg::Output o = s.device.poll_transmit(now(), wg::MutableBytes{buf, sizeof buf});
      if (wg::is_idle(o)) break;
      if (o.action == wg::Action::kSendDatagram) wire.emplace_back(buf, buf + o.size);
    }
    deadline_sink ^= static_cast<uint64_t>(s.device.next_deadline().value_or(0ns).count());
  }
  void deliver_all(Side& to) {
    while (!wire.empty()) {
      std::vector<uint8_t> d = std::move(wire.front());
      wire.erase(wire.begin());
      Side& from = &to == &a ? b : a;
      wg::Output o = to.device.receive_datagram(now(), from.ep, wg::ByteView{d.data(), d.size()},
                                                wg::MutableBytes{buf, sizeof buf});
      if (o.action == wg::Action::kSendDatagram) wire.emplace_back(buf, buf + o.size);
      finish(to);
      if (!wire.empty()) deliver_all(from);
    }
  }
  // One packet from `from` to `to`, delivered: a ping's one way.
  void one_way(Side& from, Side& to, const std::vector<uint8_t>& packet) {
    wg::Output o = from.device.send_packet(now(), wg::ByteView{packet.data(), packet.size()},
                                           wg::MutableBytes{buf, sizeof buf});
    if (o.action == wg::Action::kSendDatagram) wire.emplace_back(buf, buf + o.size);
    finish(from);
    deliver_all(to);
  }

  Side a;
  Side b;
  core::Duration t{1s};
  double add_seconds = 0;
  std::vector<std::vector<uint8_t>> wire;
  uint8_t buf[2048];
  uint64_t deadline_sink = 0;
};

// Mean CPU nanoseconds per call of `op` over at least `min_seconds`.
template <class F>
double ns_per_op(F&& op, double min_seconds) {
  uint64_t iters = 0;
  const double start = thread_cpu_seconds();
  double elapsed = 0;
  while (elapsed < min_seconds) {
    for (int i = 0; i < 64; ++i) op();
    iters += 64;
    elapsed = thread_cpu_seconds() - start;
  }
  return elapsed * 1e9 / static_cast<double>(iters);
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = argc > 1 ? std::atof(argv[1]) : 0.3;
  std::vector<std::size_t> counts = {1, 1000, 10000, 40000};
  std::printf("%8s %10s %10s %10s %12s %12s %10s\n", "peers", "add ms", "us/peer", "remove ms",
              "ping rt ns", "deadline ns", "timers ns");
  double base_rt = 0;
  for (std::size_t n : counts) {
    Bench bench(n - 1);
    auto ping = wg::test::ipv4_packet(1, 2, 64);
    auto pong = wg::test::ipv4_packet(2, 1, 64);
    bench.one_way(bench.a, bench.b, ping);  // handshake
    bench.one_way(bench.b, bench.a, pong);
    double rt = ns_per_op(
        [&] {
          bench.t += 1ms;
          bench.one_way(bench.a, bench.b, ping);
          bench.one_way(bench.b, bench.a, pong);
        },
        seconds);
    double deadline = ns_per_op([&] { bench.finish(bench.a); }, seconds);
    double timers = ns_per_op([&] { bench.a.device.update_timers(bench.now()); }, seconds);
    if (n == 1) base_rt = rt;
    const double start = thread_cpu_seconds();
    for (wg::PeerId id : bench.a.device.peers()) {
      if (id != bench.a.peer) bench.a.device.remove_peer(id);
    }
    double remove_seconds = thread_cpu_seconds() - start;
    std::printf("%8zu %10.1f %10.2f %10.1f %12.0f %12.0f %10.0f   rt x%.2f\n", n,
                bench.add_seconds * 1e3, n > 1 ? bench.add_seconds * 1e6 / double(n - 1) : 0.0,
                remove_seconds * 1e3, rt, deadline, timers, rt / base_rt);
  }
  std::printf("\nadd: adding the idle peers (one /32 each) to a device; remove: removing them\n"
              "all (as replace_peers does); ping rt: one 84-byte\n"
              "packet A->B and its answer B->A through both cores, each event followed by the\n"
              "driver's drain and next_deadline(); deadline: a drain + next_deadline() on A;\n"
              "timers: update_timers() on A with nothing due. CPU time of this thread.\n");
  return 0;
}
