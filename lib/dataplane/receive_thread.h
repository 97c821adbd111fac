// The receive path of the data path with threads = 2: a thread of its own for UDP recvmmsg ->
// demultiplexer -> DataCore::receive_datagram -> TUN writes (docs/dataplane.md, "Driver").
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/path.h"
#include "dataplane/batch_buffers.h"
#include "dataplane/crypto_pool.h"
#include "dataplane/data_core.h"
#include "dataplane/demux.h"
#include "dataplane/handshake_queue.h"
#include "dataplane/offload_counters.h"
#include "dataplane/tun_writer.h"
#include "runtime/clock.h"
#include "runtime/tun_device.h"
#include "runtime/udp_socket.h"
#include "runtime/unique_fd.h"
#include "util/result.h"

namespace weft::dataplane {

/// What both threads share. Every call into `core` and every access to the other fields is
/// made with `mu` held; no system call is made with it held.
struct SharedCore {
  std::mutex mu;
  DataCore* core = nullptr;
  /// The deadline the main thread's timer is armed for (nullopt: none). The receive thread
  /// wakes the main thread when the core's next_deadline() moved before it.
  std::optional<core::Duration> armed_deadline;
  /// A datagram crossing threads: to send (the main thread owns UDP sends), or received for a
  /// handler that lives on the main thread (STUN, discovery). Rare next to data, so copied.
  struct Datagram {
    std::vector<uint8_t> bytes;
    core::SocketAddress peer;
    DatagramClass kind = DatagramClass::kWireGuard;
  };
  std::vector<Datagram> to_send;
  std::vector<Datagram> received;
  /// Classes whose datagrams go to the main thread instead of the WireGuard core.
  bool handled[kDatagramClassCount] = {};
  /// WireGuard handshake messages, apart from data, for the main thread to hand to the core a
  /// few at a time; its fill is the core's load signal.
  HandshakeQueue handshakes;
  /// The main thread runs an after-event hook (DataPath::on_after_event): wake it after every
  /// batch the core saw, so that what a datagram made the core raise is drained on its thread.
  bool wake_after_batch = false;
  /// A wake-up is written and the main thread has not taken the queues since: a further one
  /// would find nothing new, so the receive thread does not write it.
  bool wake_pending = false;
};

/// Counters of the receive path (merged into the data path's when it stops).
struct ReceiveCounters {
  uint64_t udp_batches = 0;
  uint64_t udp_datagrams_in = 0;   // a UDP_GRO slot counts each datagram it held
  uint64_t tun_packets_out = 0;
  uint64_t tun_write_dropped = 0;
  uint64_t hand_off_dropped = 0;  // datagrams dropped because a hand-off queue was full
  std::array<uint64_t, kDatagramClassCount> by_class{};  // as DataPathCounters::by_class
  OffloadCounters offload;  // UDP_GRO splits, GRO writes
};

/// Receives on `udp_fd` with its own recvmmsg scratch (runtime::UdpSocket's scratch belongs to
/// the main thread, which sends); per batch, prepares each datagram under `core.mu`, opens the
/// data messages on `pool` (this thread and the workers, without the lock), completes them in
/// the order received under `core.mu`, writes to `tun` without the lock (GRO-coalesced per
/// batch when the TUN is in vnet-hdr mode; UDP_GRO slots split into their datagrams first),
/// queues handshake messages for the main thread, and writes `wake_fd` (an eventfd of the main
/// loop) when it queued anything for the main thread or moved the core's deadline earlier.
class ReceiveThread {
 public:
  /// `clock` is the main loop's: both threads hand the core the same monotonic clock.
  ReceiveThread(SharedCore& core, runtime::TunDevice& tun, int wake_fd,
                const runtime::MonotonicClock& clock, CryptoPool& pool);
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
  /// Prepares, opens, completes and writes (or hands off) datagrams views_[0, n), in chunks
  /// of kBatch.
  void process(std::size_t n, core::Now t);
  void process_chunk(const runtime::RecvSlot* in, std::size_t count, core::Now t);
  /// Queues a copy for the main thread (caller holds core_.mu); counts a full queue.
  void hand_off(std::vector<SharedCore::Datagram>& queue, const uint8_t* data, std::size_t size,
                const core::SocketAddress& peer, DatagramClass kind);

  SharedCore& core_;
  runtime::TunDevice& tun_;
  int wake_fd_;
  const runtime::MonotonicClock& clock_;
  CryptoPool& pool_;
  int udp_fd_ = -1;
  runtime::UniqueFd epoll_;
  runtime::UniqueFd stop_fd_;
  std::thread thread_;
  ReceiveCounters counters_;
  runtime::BatchScratch scratch_;  // runtime::UdpSocket's belongs to the main thread
  std::vector<std::vector<uint8_t>> recv_bufs_;
  std::vector<runtime::RecvSlot> slots_;
  std::vector<runtime::RecvSlot> views_;  // the datagrams of a round's slots
  TunWriter writer_;
  BatchBuffers out_bufs_;
  std::vector<core::MutableBytes> out_views_;  // the chunk's output buffer of each datagram
  std::vector<wg::Output> outs_;
  std::vector<wg::CryptoJob> jobs_;
  wg::TransportCrypto crypto_;
  std::vector<DatagramClass> classes_;
};

}  // namespace weft::dataplane
