// The STUN server's Linux driver (docs/connectivity.md, "STUN"): one UDP socket beside a relay,
// read in recvmmsg batches on the relay's Asio loop, each datagram handed to the sans-IO
// stun::Server and the answers sent back in one sendmmsg. `weft derp --stun-port` and
// `weft serve` start it.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "core/path.h"
#include "dataplane/loop.h"
#include "runtime/udp_socket.h"
#include "stun/server.h"
#include "util/result.h"

namespace weft::relayserver {

struct StunListenerStats {
  uint64_t datagrams_in = 0;
  uint64_t answers_sent = 0;
  uint64_t send_failures = 0;  ///< answers the kernel refused (dropped: STUN clients retry)
  stun::ServerStats server;    ///< requests, responses and drops by reason
};

class StunListener {
 public:
  /// Binds `local` (a wildcard address binds every address of its family; port 0 lets the
  /// kernel choose) and starts answering on `loop`. Errors: "runtime.udp_socket",
  /// "runtime.udp_bind" (the port is taken).
  static Result<std::unique_ptr<StunListener>> open(dataplane::Loop& loop,
                                                    const core::SocketAddress& local);
  /// The same on every address of both families (dual-stack where the host has IPv6).
  static Result<std::unique_ptr<StunListener>> open_any(dataplane::Loop& loop, uint16_t port);

  ~StunListener();
  StunListener(const StunListener&) = delete;
  StunListener& operator=(const StunListener&) = delete;

  uint16_t port() const { return socket_.local_port(); }
  const StunListenerStats& stats() const { return stats_; }
  /// Stops answering (the socket stays open until destruction). Idempotent.
  void stop();

 private:
  static constexpr std::size_t kBatch = runtime::UdpSocket::kMaxBatch;
  // A Binding request is 20..~100 bytes; anything longer is not one (and is dropped as
  // malformed, its length disagreeing with the header's after truncation).
  static constexpr std::size_t kMaxDatagram = 1500;
  static constexpr int kRoundsPerWake = 8;

  StunListener(dataplane::Loop& loop, runtime::UdpSocket socket);
  bool on_readable();

  dataplane::Loop& loop_;
  runtime::UdpSocket socket_;
  stun::Server server_;
  StunListenerStats stats_;
  std::vector<std::array<uint8_t, kMaxDatagram>> recv_bufs_;
  std::vector<runtime::RecvSlot> recv_slots_;
  std::vector<std::array<uint8_t, stun::kMaxEncodedSize>> send_bufs_;
  std::vector<runtime::SendItem> send_items_;
  std::optional<dataplane::ReadWatch> watch_;
};

}  // namespace weft::relayserver
