// Relay packets per second on one core (issue 10, "Benchmark"; docs/connectivity.md, "Relay
// protocol"): the relay::Server core alone forwarding SendPacket frames between two registered
// in-memory clients, and the whole path with relay::Client cores at both ends, for 1280- and
// 64-byte packets. Single thread, fake time, CPU-time clock; prints numbers, never fails on timing.
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <functional>
#include <limits>
#include <vector>

#include "core/random.h"
#include "core/time.h"
#include "crypto/crypto.h"
#include "relay/client.h"
#include "relay/frame.h"
#include "relay/server.h"

namespace {

namespace core = weft::core;
namespace relay = weft::relay;

volatile uint64_t g_sink;  // keeps results observable so the work is not optimised away

// Thread CPU time: the build machines are shared, and CPU time keeps the figures comparable.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// CPU seconds spent in `batch` (which moves `per_batch` packets), run for at least min_seconds;
// returns packets per CPU second.
double packets_per_second(const std::function<void()>& batch, uint64_t per_batch, double min_seconds) {
  for (int i = 0; i < 10; ++i) batch();
  uint64_t packets = 0;
  const double start = thread_cpu_seconds();
  double elapsed = 0;
  while (elapsed < min_seconds) {
    for (int i = 0; i < 16; ++i) batch();
    packets += 16 * per_batch;
    elapsed = thread_cpu_seconds() - start;
  }
  return static_cast<double>(packets) / elapsed;
}

template <class Key>
Key private_key(core::Random& rng) {
  weft::crypto::Key32 seed{};
  rng.fill(seed.data(), seed.size());
  Key k;
  k.bytes = weft::crypto::x25519_private_from_random(seed);
  return k;
}

// A relay server core with two clients a (conn 1) and b (conn 2) registered through the real
// handshake, joined by direct calls. Rate limits are lifted: the figure is the core's cost, not
// its policy.
struct Bench {
  static constexpr relay::ConnId kA = 1;
  static constexpr relay::ConnId kB = 2;

  core::SeededRandom server_rng{1}, rng_a{2}, rng_b{3};
  relay::Server server;
  relay::Client a, b;
  core::Now now{std::chrono::seconds(1000), {}};
  std::vector<uint8_t> buf = std::vector<uint8_t>(256 * 1024);
  std::vector<uint8_t> packet_buf = std::vector<uint8_t>(relay::kMaxPacketSize);

  static relay::ServerConfig server_config(core::Random& rng) {
    relay::ServerConfig c;
    c.private_key = private_key<core::RelayPrivateKey>(rng);
    c.rate_bytes_per_second = std::numeric_limits<uint32_t>::max();
    c.burst_bytes = uint64_t{1} << 50;
    c.flood_cutoff_bytes = uint64_t{1} << 50;
    return c;
  }
  static relay::ClientConfig client_config(core::Random& rng) {
    relay::ClientConfig c;
    c.node_key = private_key<core::NodePrivateKey>(rng);
    return c;
  }

  Bench() : server(server_config(server_rng), server_rng), a(client_config(rng_a), rng_a),
            b(client_config(rng_b), rng_b) {
    server.accept(kA, now);
    server.accept(kB, now);
    a.connected(now);
    b.connected(now);
    for (int round = 0; round < 10; ++round) pump();
    if (a.state() != relay::ClientState::kReady || b.state() != relay::ClientState::kReady) {
      std::fprintf(stderr, "relay_core_bench: the clients did not register\n");
    }
  }

  // Client output into the server, server output into the clients, until nothing moves.
  void pump() {
    std::size_t n;
    while ((n = a.poll_output({buf.data(), buf.size()})) > 0) server.receive(kA, {buf.data(), n}, now);
    while ((n = b.poll_output({buf.data(), buf.size()})) > 0) server.receive(kB, {buf.data(), n}, now);
    drain_server(true);
  }

  // Pulls every connection's output; delivers it to the client cores when `deliver`.
  uint64_t drain_server(bool deliver) {
    uint64_t bytes = 0;
    relay::ConnId id;
    while (server.poll_writable(id)) {
      for (;;) {
        relay::ConnOutput o = server.poll_output(id, {buf.data(), buf.size()});
        bytes += o.size;
        if (o.size > 0 && deliver) (id == kA ? a : b).receive({buf.data(), o.size}, now);
        if (o.size == 0 || o.close) break;
      }
    }
    return bytes;
  }
};

struct Row {
  const char* what;
  std::size_t size;
  double pps;
};

// The server core alone: `batch` SendPacket frames from a to b in one read (as a TCP read of a
// busy sender gives them), forwarded and pulled as RecvPacket bytes for b, which are discarded.
double server_only(std::size_t size, std::size_t batch) {
  Bench bench;
  std::vector<uint8_t> frames;
  const core::NodePublicKey dst = bench.b.node_key();
  for (std::size_t i = 0; i < batch; ++i) {
    const std::size_t at = frames.size();
    frames.resize(at + relay::kFrameHeaderSize + relay::kKeyLen + size, 0x5a);
    relay::put_header(frames.data() + at, relay::FrameType::kSendPacket, relay::kKeyLen + size);
    std::copy(dst.bytes.begin(), dst.bytes.end(), frames.begin() + static_cast<long>(at + relay::kFrameHeaderSize));
  }
  const uint64_t before = bench.server.stats().packets_forwarded;
  const double pps = packets_per_second(
      [&] {
        bench.server.receive(Bench::kA, {frames.data(), frames.size()}, bench.now);
        g_sink = g_sink + bench.drain_server(false);
      },
      batch, 1.0);
  const auto& s = bench.server.stats();
  uint64_t dropped = 0;
  for (uint64_t d : s.drops) dropped += d;
  if (s.packets_forwarded == before || dropped > 0) {
    std::fprintf(stderr, "relay_core_bench: forwarded %llu, dropped %llu\n",
                 static_cast<unsigned long long>(s.packets_forwarded - before),
                 static_cast<unsigned long long>(dropped));
  }
  return pps;
}

// The whole path in one thread: a's client core frames `batch` packets, the server forwards
// them, b's client core parses them and hands each one out with poll_packet.
double client_to_client(std::size_t size, std::size_t batch) {
  Bench bench;
  std::vector<uint8_t> packet(size, 0xa5);
  const core::NodePublicKey dst = bench.b.node_key();
  uint64_t received = 0;
  const double pps = packets_per_second(
      [&] {
        for (std::size_t i = 0; i < batch; ++i) bench.a.send_packet(bench.now, dst, {packet.data(), packet.size()});
        bench.pump();
        core::NodePublicKey src;
        std::size_t n;
        while ((n = bench.b.poll_packet(src, {bench.packet_buf.data(), bench.packet_buf.size()})) > 0) {
          ++received;
          g_sink = g_sink + n;
        }
      },
      batch, 1.0);
  if (received == 0) std::fprintf(stderr, "relay_core_bench: nothing reached b\n");
  return pps;
}

}  // namespace

int main() {
  constexpr std::size_t kBatch = 64;
  std::vector<Row> rows;
  for (std::size_t size : {std::size_t{1280}, std::size_t{64}}) {
    rows.push_back({"server core alone", size, server_only(size, kBatch)});
    rows.push_back({"client -> server -> client", size, client_to_client(size, kBatch)});
  }
  std::printf("relay packets per second on one core (CPU time, %zu packets per read, rate limits lifted)\n",
              kBatch);
  std::printf("%-28s %7s %14s %10s %12s\n", "path", "bytes", "packets/s", "Gbit/s", "ns/packet");
  for (const Row& r : rows) {
    std::printf("%-28s %7zu %14.0f %10.2f %12.1f\n", r.what, r.size, r.pps,
                r.pps * static_cast<double>(r.size) * 8 / 1e9, 1e9 / r.pps);
  }
  return 0;
}
