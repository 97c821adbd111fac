// Fuzz target: a WireGuard device with a live session fed arbitrary input. The first byte picks
// the path: raw datagram into receive_datagram (all message types, any size), an inner packet
// sent through the peer's session (decrypt, inner IP parsing, source check), or the send path.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "../wg/harness.h"

using namespace weft::wg;
using namespace weft::wg::test;

namespace {

Pair& pair() {
  static std::unique_ptr<Pair> p = [] {
    auto net = std::make_unique<Pair>();
    net->handshake();
    if (!net->a.device.peer_stats(net->a.peer).has_session) std::abort();
    return net;
  }();
  return *p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size == 0 || size > 4096) return 0;
  Pair& net = pair();
  const uint8_t mode = data[0] % 3;
  ByteView rest{data + 1, size - 1};
  // Separate buffers: device.h forbids an output buffer that overlaps the call's input.
  static uint8_t out[8192];
  static uint8_t plain[8192];
  if (mode == 0) {
    Output o = net.b.device.receive_datagram(net.now(), net.a.ep, rest, MutableBytes{out, sizeof out});
    if (o.action == Action::kDeliverToTunnel && o.size > rest.size) std::abort();
  } else if (mode == 1) {
    // Whatever A encrypts, B must either deliver exactly (the packet, cut to the length its IP
    // header declares) or drop.
    Output o = net.a.device.send_packet(net.now(), rest, MutableBytes{out, sizeof out});
    if (o.action == Action::kSendDatagram) {
      Output r = net.b.device.receive_datagram(net.now(), net.a.ep, ByteView{out, o.size},
                                               MutableBytes{plain, sizeof plain});
      if (r.action != Action::kDeliverToTunnel && r.action != Action::kDrop) std::abort();
      if (r.action == Action::kDeliverToTunnel &&
          (r.size == 0 || r.size > rest.size || std::memcmp(plain, rest.data, r.size) != 0)) {
        std::abort();
      }
    }
    while (net.a.device.poll_transmit(net.now(), MutableBytes{out, sizeof out}).action != Action::kNone) {
    }
  } else {
    Output o = net.b.device.send_packet(net.now(), rest, MutableBytes{out, sizeof out});
    if (o.action == Action::kSendDatagram && o.size > rest.size + 64) std::abort();
  }
  return 0;
}
