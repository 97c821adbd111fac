// The Linux data path of a node: a TUN device and one UDP socket driving a DataCore (the
// WireGuard core, or the node engine around it) on the node loop, in batches (recvmmsg/sendmmsg),
// with a demultiplexer in front of the core so STUN and discovery datagrams on the same socket
// reach their own handlers. Used by `weft tunnel` and `weft up` (docs/dataplane.md, "Driver").
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/path.h"
#include "dataplane/batch_buffers.h"
#include "dataplane/crypto_pool.h"
#include "dataplane/data_core.h"
#include "dataplane/demux.h"
#include "dataplane/loop.h"
#include "dataplane/offload_counters.h"
#include "dataplane/receive_thread.h"
#include "dataplane/tun_segmenter.h"
#include "dataplane/tun_writer.h"
#include "runtime/tun_device.h"
#include "runtime/udp_socket.h"
#include "runtime/unique_fd.h"
#include "util/result.h"

namespace weft::dataplane {

/// Counters of the driver itself (the core counts protocol drops).
struct DataPathCounters {
  uint64_t udp_batches = 0;         // recvmmsg calls that returned datagrams
  uint64_t udp_datagrams_in = 0;    // datagrams (a UDP_GRO slot counts each it held)
  uint64_t udp_datagrams_out = 0;
  uint64_t udp_send_dropped = 0;    // datagrams the socket refused (full buffer, unreachable)
  uint64_t tun_packets_in = 0;      // IP packets (a super-packet counts its segments)
  uint64_t tun_packets_out = 0;     // IP packets (a coalesced write counts its members)
  uint64_t tun_write_dropped = 0;
  /// Datagrams received per demultiplexer class (kUnknown ones go to the WireGuard core, which
  /// counts them as malformed).
  std::array<uint64_t, kDatagramClassCount> by_class{};
  /// Handshake messages dropped because the handshake queue was full (a flood).
  uint64_t handshake_queue_full = 0;
  /// Datagrams handed in by receive_relayed().
  uint64_t relayed_datagrams_in = 0;
  /// Datagrams the core addressed to a relayed path: the core (the node engine) sends those
  /// over its relay connections itself, so any that reach the driver are dropped here.
  uint64_t relayed_sends_dropped = 0;
  /// Batches whose AEAD the crypto workers shared (both directions; threads >= 2).
  uint64_t crypto_parallel_batches = 0;
  /// The offload steps: super-packets split and malformed ones dropped, GRO writes, coalesced
  /// UDP receives (docs/dataplane.md, "Offload path").
  OffloadCounters offload;
};

/// Receives the datagrams of one class from the shared socket: the driver of a STUN or
/// discovery core. Called on the loop's thread.
class DatagramHandler {
 public:
  virtual ~DatagramHandler() = default;
  virtual void on_datagram(core::Now now, const core::SocketAddress& from,
                           core::ByteView datagram) = 0;
};

class DataPath {
 public:
  /// threads: 1 = everything on the loop, one thread (a TUN batch's seals just before its
  /// sendmmsg, as with workers; a datagram's open inline); N >= 2 = UDP receive
  /// in a ReceiveThread, and the AEAD of each batch (seals of TUN packets on the loop, opens of
  /// datagrams on the receive thread) shared with N - 1 crypto workers, the core called only
  /// to prepare and complete each packet, in order (docs/dataplane.md, "Workers"). `core`
  /// (e.g. a DataCoreOf<wg::Device>) and `tun` outlive the path.
  ///
  /// Offloads: a TUN the caller opened in vnet-hdr mode (runtime::TunOptions::offloads,
  /// granted: tun.vnet_hdr()) has its super-packets split before the core seals them and the
  /// decrypted packets of a batch GRO-coalesced into its writes. `udp_offloads` asks the socket
  /// for UDP_SEGMENT sends (a peer's datagrams of a batch leave as one message) and UDP_GRO
  /// receives at start(); what the kernel refuses stays in the plain batches (logged once).
  DataPath(Loop& loop, DataCore& core, runtime::TunDevice& tun, runtime::UdpSocket udp,
           int threads, bool udp_offloads = false);
  /// Stops (joins the receive thread) if running.
  ~DataPath();
  DataPath(const DataPath&) = delete;
  DataPath& operator=(const DataPath&) = delete;

  /// Routes datagrams of `kind` (kStun or kDisco) to `handler` (null: back to the WireGuard
  /// core, which drops them as malformed). Set before start(); the handler outlives the path.
  void set_handler(DatagramClass kind, DatagramHandler* handler);
  /// Called once if the TUN device fails (e.g. the interface was deleted underneath us); the
  /// path has stopped reading it by then.
  void on_fatal(std::function<void(const Error&)> callback) { on_fatal_ = std::move(callback); }
  /// One line per call about the path's own state (offloads granted, refused, turned off).
  /// Set before start(); null = silent.
  void on_log(std::function<void(std::string_view)> log) { log_ = std::move(log); }
  /// Called on the loop thread at the end of every event of the path (datagrams, TUN packets,
  /// handshake turns, the core's timer, a wake-up from the receive thread,
  /// after_core_change()), after the core was drained and before the timer is re-armed, so a
  /// composition can drain what else the core raised (control transmits, events) and a
  /// deadline it moved is seen. The core lock is not held: make core calls through with_core().
  /// A with_core()/after_core_change() made from inside the hook does not run it again. With
  /// threads = 2 the receive thread wakes the loop after each batch while a hook is set. Set
  /// before start().
  void on_after_event(std::function<void(core::Now)> hook) { after_event_ = std::move(hook); }

  /// Starts watching TUN and UDP (and the receive thread), and sends what the core has queued.
  /// Errors: "runtime.eventfd", "runtime.epoll" (receive thread descriptors).
  Status start();
  /// Stops watching and joins the receive thread; counters are final afterwards. Idempotent.
  void stop();

  /// Runs `f()` with the core locked: every call the loop thread makes into the core (or into
  /// the object behind the DataCore: UAPI, netmaps, control bytes) goes through here, since the
  /// receive thread may be using it. Not from inside `f` again (the lock is not recursive).
  template <class F>
  auto with_core(F&& f) {
    std::lock_guard<std::mutex> lock(core_.mu);
    return f();
  }
  /// After changing the core outside the data path (UAPI set, netmap): sends what the core
  /// queued, runs the after-event hook and re-arms the timer.
  void after_core_change();

  /// A datagram that arrived another way than the socket (a relay connection of the node
  /// engine): handed to the core as receive_datagram(from), its output executed (a packet for
  /// the TUN written, a datagram queued). On the loop thread, not inside with_core(); end a
  /// batch of them with after_core_change().
  void receive_relayed(core::Now now, const core::Path& from, core::ByteView datagram);

  /// Sends one datagram on the shared socket (a handler's reply). Dropped and counted when the
  /// socket refuses it.
  void send(const core::SocketAddress& to, core::ByteView datagram);

  /// Moves to a new socket bound to `port` (0: any), keeping the mark. Errors as
  /// runtime::UdpSocket::bind_any; the old socket stays in use on error.
  Status rebind(uint16_t port);
  /// SO_MARK on the socket. Errors: "runtime.udp_mark".
  Status set_mark(uint32_t mark);
  uint16_t listen_port() const { return udp_.local_port(); }
  /// The UDP offloads in force (GSO goes off for good after a send the kernel refused).
  runtime::UdpOffloads udp_offloads() const { return udp_.offloads(); }
  /// One line for logs and status: "tun vnet-hdr on|off, udp gso on|off, gro on|off".
  std::string offload_summary() const;

  /// Final after stop(); the receive thread's share is merged in then.
  const DataPathCounters& counters() const { return counters_; }
  /// Handshake messages dropped so far because the handshake queue was full.
  uint64_t handshake_queue_full() {
    std::lock_guard<std::mutex> lock(core_.mu);
    return core_.handshakes.dropped();
  }

 private:
  struct Sink;
  struct LockedCore;

  bool on_udp_readable();
  bool on_tun_readable();
  void on_wake();
  void on_timer();
  /// Hands up to kHandshakesPerTurn queued handshake messages to the core, telling it whether
  /// it is under load; posts another turn while messages remain.
  void on_handshake_turn();
  void schedule_handshakes();
  void dispatch(core::Now now, const core::SocketAddress& from, core::ByteView datagram);
  void execute(const wg::Output& o, core::MutableBytes buf);
  /// The buffer for the next queued datagram, for an input of `input_size` bytes (kMaxPacket
  /// when unknown: a drain of the core).
  core::MutableBytes next_send_buffer(std::size_t input_size);
  /// A buffer for a received datagram's output: a decrypted packet stays there for the TUN
  /// writer's batch until flush_deliveries().
  core::MutableBytes next_receive_buffer(std::size_t datagram_size);
  bool is_receive_buffer(const uint8_t* p) const;
  /// Sends what is queued, then writes the held TUN packets (coalesced) and frees the
  /// receive buffers.
  void flush_deliveries();
  /// Queues one IP packet read from the TUN as a datagram whose seal waits for the batch.
  void send_tun_packet(core::Now now, core::ByteView packet);
  /// The packets of one TUN read (segmenter_.packet(i)); a super-packet split into the send
  /// buffers when they can hold it.
  std::size_t segment_tun_read(uint8_t* read, std::size_t size);
  /// Asks the socket for the UDP offloads when wanted, and logs what it got.
  void enable_udp_offloads();
  /// execute() for a prepare_send() result: a datagram that was queued keeps its seal pending
  /// until flush_sends(); any other result's job is dropped.
  void execute_prepared(const wg::Output& o, core::MutableBytes buf);
  /// Seals every queued datagram whose seal is pending, on the workers and this thread.
  void seal_pending();
  void flush_sends();
  void send_items(const runtime::SendItem* items, std::size_t n);
  /// Drains the core and re-arms the timer: the end of every event.
  void finish_event(core::Now now);
  void run_after_event(core::Now now);
  void rearm();
  void fold_receiver_counters();
  void fold_writer_counters();

  Loop& loop_;
  runtime::TunDevice& tun_;
  runtime::UdpSocket udp_;
  int threads_;
  SharedCore core_;
  std::array<DatagramHandler*, kDatagramClassCount> handlers_{};
  std::function<void(const Error&)> on_fatal_;
  std::function<void(core::Now)> after_event_;
  std::function<void(std::string_view)> log_;
  bool udp_offloads_wanted_ = false;
  bool gso_refusal_logged_ = true;  // false while GSO is on (then its refusal is logged)
  bool in_after_event_ = false;
  std::unique_ptr<CryptoPool> pool_;         // no workers with threads = 1
  std::unique_ptr<ReceiveThread> receiver_;  // threads >= 2 only
  runtime::UniqueFd wake_;                    // eventfd the receive thread writes
  std::optional<ReadWatch> udp_watch_;
  std::optional<ReadWatch> tun_watch_;
  std::optional<ReadWatch> wake_watch_;
  DeadlineTimer timer_;
  uint32_t mark_ = 0;
  bool running_ = false;
  bool handshake_turn_posted_ = false;
  // Bumped by stop(): a posted handshake turn of an earlier run is ignored.
  uint64_t generation_ = 0;
  DataPathCounters counters_;

  // Receive slots for UDP, one packet buffer for TUN, and a pool of datagram buffers that the
  // core writes into directly; queued sends point into that pool until flushed.
  std::vector<std::vector<uint8_t>> recv_bufs_;
  std::vector<runtime::RecvSlot> recv_slots_;
  std::vector<uint8_t> tun_buf_;
  TunSegmenter segmenter_;
  // Decrypted packets of the loop thread (threads = 1, relayed datagrams) on their way to the
  // TUN: kBatch receive buffers, used in turn until flush_deliveries().
  TunWriter writer_;
  BatchBuffers rx_bufs_;
  std::size_t rx_used_ = 0;
  std::vector<runtime::RecvSlot> gro_views_;  // one UDP_GRO slot's datagrams
  BatchBuffers send_bufs_;
  std::vector<runtime::SendItem> send_queue_;
  // Where segment_tun_read() splits a super-packet: in the free send buffers.
  std::vector<offload::Segment> split_targets_;
  // Seals pending for datagrams in send_queue_: run by flush_sends().
  wg::TransportCrypto crypto_;
  std::vector<wg::CryptoJob> seal_jobs_;
  std::vector<uint8_t*> seal_bufs_;
  std::size_t seals_pending_ = 0;
};

}  // namespace weft::dataplane
