// Fuzz target: the relay cores' readers of untrusted streams (lib/relay). The first byte picks
// the reader: 0 the server before authentication, 1 the server after a genuine client on the
// fuzzed connection authenticated, 2 a client before the handshake, 3 a client after it. The
// second byte splits the rest into reads of that many bytes (0: one read). Nothing may crash;
// another client of the same server is never disturbed; queues stay within their bounds.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "core/random.h"
#include "relay/client.h"
#include "relay/server.h"
#include "support/test_keys.h"

using namespace weft;
using namespace weft::relay;

namespace {

// Fixed keys, so seeds written for one build (tests/fuzz/corpus/relay_frame_fuzz) stay valid.
struct Keys {
  core::SeededRandom rng{0x5e1a7};
  core::RelayPrivateKey relay = test::random_private<core::RelayPrivateKey>(rng);
  core::NodePrivateKey a = test::random_private<core::NodePrivateKey>(rng);  // the bystander
  core::NodePrivateKey b = test::random_private<core::NodePrivateKey>(rng);  // the fuzzed one
};

const Keys& keys() {
  static const Keys k;
  return k;
}

std::vector<uint8_t> buffer(256 * 1024);

/// Moves bytes between a client core on `conn` and the server until both are quiet.
void shuttle(Server& server, ConnId conn, Client& client, core::Now now) {
  for (int round = 0; round < 64; ++round) {
    bool moved = false;
    std::size_t n;
    while ((n = client.poll_output(core::MutableBytes{buffer.data(), buffer.size()})) > 0) {
      server.receive(conn, core::ByteView{buffer.data(), n}, now);
      moved = true;
    }
    ServerEvent e;
    while (server.poll_event(e)) {
    }
    ConnId id;
    while (server.poll_writable(id)) {
      for (;;) {
        ConnOutput o = server.poll_output(id, core::MutableBytes{buffer.data(), buffer.size()});
        if (id == conn && o.size > 0) {
          client.receive(core::ByteView{buffer.data(), o.size}, now);
          moved = true;
        }
        if (o.size == 0 || o.close) break;
      }
    }
    if (!moved) return;
  }
}

template <class Feed>
void feed_in_reads(const uint8_t* data, std::size_t size, std::size_t chunk, Feed&& feed) {
  if (chunk == 0) chunk = size;
  for (std::size_t at = 0; at < size; at += chunk) {
    feed(core::ByteView{data + at, std::min(chunk, size - at)});
  }
}

void fuzz_server(const uint8_t* data, std::size_t size, std::size_t chunk, bool authenticated) {
  core::SeededRandom rng(1);
  ServerConfig config;
  config.private_key = keys().relay;
  config.max_queue_bytes = 64 * 1024;
  Server server(config, rng);
  core::Now now{std::chrono::seconds(100), {}};
  ClientConfig ca;
  ca.node_key = keys().a;
  Client a(ca, rng);
  server.accept(2, now);
  a.connected(now);
  shuttle(server, 2, a, now);
  server.accept(1, now);
  if (authenticated) {
    ClientConfig cb;
    cb.node_key = keys().b;
    Client b(cb, rng);
    b.connected(now);
    shuttle(server, 1, b, now);
    if (b.state() != ClientState::kReady) std::abort();
  }
  feed_in_reads(data, size, chunk, [&](core::ByteView v) {
    now.mono += std::chrono::milliseconds(10);
    server.receive(1, v, now);
    if (server.queued(1) > config.max_queue_bytes + kControlHeadroom) std::abort();
  });
  server.update_timers(now);
  shuttle(server, 2, a, now);
  // The bystander is never cut off by what another connection sent.
  if (a.state() != ClientState::kReady) std::abort();
  if (server.stats().cuts[static_cast<std::size_t>(CutReason::kReplaced)] != 0) std::abort();
  core::NodePublicKey src;
  while (a.poll_packet(src, core::MutableBytes{buffer.data(), buffer.size()}) > 0) {
  }
}

void fuzz_client(const uint8_t* data, std::size_t size, std::size_t chunk, bool handshaken) {
  core::SeededRandom rng(2);
  ClientConfig cb;
  cb.node_key = keys().b;
  Client b(cb, rng);
  core::Now now{std::chrono::seconds(100), {}};
  b.connected(now);
  if (handshaken) {
    ServerConfig config;
    config.private_key = keys().relay;
    Server server(config, rng);
    server.accept(1, now);
    shuttle(server, 1, b, now);
    if (b.state() != ClientState::kReady) std::abort();
  }
  feed_in_reads(data, size, chunk, [&](core::ByteView v) {
    now.mono += std::chrono::milliseconds(10);
    b.receive(v, now);
    b.send_packet(now, core::NodePublicKey{}, v);
  });
  b.update_timers(now);
  while (b.poll_output(core::MutableBytes{buffer.data(), buffer.size()}) > 0) {
  }
  core::NodePublicKey src;
  while (b.poll_packet(src, core::MutableBytes{buffer.data(), buffer.size()}) > 0) {
  }
  ClientEvent e;
  while (b.poll_event(e)) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const uint8_t mode = data[0] % 4;
  const std::size_t chunk = data[1];
  data += 2;
  size -= 2;
  if (mode < 2) {
    fuzz_server(data, size, chunk, mode == 1);
  } else {
    fuzz_client(data, size, chunk, mode == 3);
  }
  return 0;
}
