// The receive path of `weft tunnel --threads 2`: a thread of its own for UDP recvmmsg ->
// wg::Device::receive_datagram -> TUN writes (docs/dataplane.md, "Driver", "Threads").
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "runtime/tun_device.h"
#include "runtime/udp_socket.h"
#include "runtime/unique_fd.h"
#include "util/result.h"
#include "wg/device.h"

namespace weft::tunnel {

/// What both threads share. Every call into `device` and every access to the other fields is
/// made with `mu` held; no system call is made with it held.
struct SharedCore {
  std::mutex mu;
  wg::Device* device = nullptr;
  /// The deadline the main thread's epoll_wait timeout was computed from (nullopt: none). The
  /// receive thread wakes the main thread when the core's next_deadline() moved before it.
  std::optional<wg::Duration> armed_deadline;
  /// Datagrams the core asked the receive thread to send (handshake responses, cookie
  /// replies, released staged packets, keepalives); the main thread, which owns UDP sends,
  /// sends them. Rare next to data, so they are copied.
  struct Pending {
    std::vector<uint8_t> bytes;
    core::SocketAddress to;
  };
  std::vector<Pending> pending;
};

/// Counters of the receive path (merged into TunnelCounters when the tunnel stops).
struct ReceiveCounters {
  uint64_t udp_batches = 0;
  uint64_t udp_datagrams_in = 0;
  uint64_t tun_packets_out = 0;
  uint64_t tun_write_dropped = 0;
  uint64_t pending_dropped = 0;  // datagrams to send dropped because the hand-off queue was full
};

/// Receives on `udp_fd` with its own recvmmsg scratch (runtime::UdpSocket's scratch belongs to
/// the main thread, which sends), decrypts under `core.mu`, writes to `tun` without the lock,
/// and writes `wake_fd` (an eventfd of the main loop) when it queued datagrams in
/// core.pending or moved the core's next deadline earlier.
class ReceiveThread {
 public:
  /// `epoch` is the main loop's: both threads hand the core the same monotonic clock.
  ReceiveThread(SharedCore& core, runtime::TunDevice& tun, int wake_fd,
                std::chrono::steady_clock::time_point epoch);
  /// Joins the thread if it runs.
  ~ReceiveThread();
  ReceiveThread(const ReceiveThread&) = delete;
  ReceiveThread& operator=(const ReceiveThread&) = delete;

  /// Starts receiving on `udp_fd` (which must stay open until stop()). Errors: "runtime.epoll"
  /// or "runtime.eventfd" when the thread's own descriptors cannot be made.
  Status start(int udp_fd);
  /// Stops and joins the thread; the counters are final afterwards. Idempotent.
  void stop();
  /// Only meaningful after stop().
  const ReceiveCounters& counters() const { return counters_; }

 private:
  void loop();
  void on_readable();
  wg::Now now() const;

  SharedCore& core_;
  runtime::TunDevice& tun_;
  int wake_fd_;
  std::chrono::steady_clock::time_point epoch_;
  int udp_fd_ = -1;
  runtime::UniqueFd epoll_;
  runtime::UniqueFd stop_fd_;
  std::thread thread_;
  ReceiveCounters counters_;
  std::vector<std::vector<uint8_t>> recv_bufs_;
  std::vector<std::vector<uint8_t>> out_bufs_;
  std::vector<wg::Output> outs_;
  std::vector<mmsghdr> msgs_;
  std::vector<iovec> iovs_;
  std::vector<sockaddr_storage> addrs_;
};

}  // namespace weft::tunnel
