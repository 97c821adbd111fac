// The receive thread of the data path with threads >= 2 (docs/dataplane.md, "Driver",
// "Workers"): recvmmsg on its own scratch; per datagram a prepare and a complete under
// SharedCore::mu, the opens between them on the crypto pool; TUN writes outside the lock.
#include "dataplane/receive_thread.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>

#include "core/drive.h"
#include "dataplane/limits.h"
#include "dataplane/udp_gro.h"
#include "runtime/sys_error.h"

namespace weft::dataplane {
namespace {

// The core as drain_transmits sees it, for a caller that already holds SharedCore::mu.
struct HeldCore {
  DataCore& core;
  wg::Output poll_transmit(core::Now now, core::MutableBytes out) {
    return core.poll_transmit(now, out);
  }
};

}  // namespace

ReceiveThread::ReceiveThread(SharedCore& core, runtime::TunDevice& tun, int wake_fd,
                             const runtime::MonotonicClock& clock, CryptoPool& pool)
    : core_(core),
      tun_(tun),
      wake_fd_(wake_fd),
      clock_(clock),
      pool_(pool),
      recv_bufs_(kBatch, std::vector<uint8_t>(kMaxPacket)),
      slots_(kBatch),
      views_(kMaxRoundDatagrams),
      writer_(tun, kBatch),
      out_bufs_(kBatch),
      out_views_(kBatch),
      outs_(kBatch),
      jobs_(kBatch),
      classes_(kBatch) {}

ReceiveThread::~ReceiveThread() { stop(); }

Status ReceiveThread::start(int udp_fd) {
  stop();
  udp_fd_ = udp_fd;
  epoll_ = runtime::UniqueFd(::epoll_create1(EPOLL_CLOEXEC));
  if (!epoll_.valid()) return runtime::errno_error("epoll", "epoll_create1");
  stop_fd_ = runtime::UniqueFd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!stop_fd_.valid()) return runtime::errno_error("eventfd", "eventfd");
  for (int fd : {udp_fd_, stop_fd_.get()}) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) < 0) {
      return runtime::errno_error("epoll", "EPOLL_CTL_ADD");
    }
  }
  thread_ = std::thread([this] { loop(); });
  return Ok{};
}

void ReceiveThread::stop() {
  if (!thread_.joinable()) return;
  uint64_t one = 1;
  // An eventfd write of 1 cannot fail short of overflow; the thread exits on the next wakeup.
  (void)!::write(stop_fd_.get(), &one, sizeof(one));
  thread_.join();
  TunWriteCounters w = writer_.take_counters();
  counters_.tun_packets_out += w.packets_out;
  counters_.tun_write_dropped += w.write_dropped;
  counters_.offload.tun_gro_writes += w.gro_writes;
  counters_.offload.tun_gro_packets += w.gro_packets;
}

void ReceiveThread::loop() {
  epoll_event events[2];
  while (true) {
    int n = ::epoll_wait(epoll_.get(), events, 2, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // only EBADF/EINVAL, i.e. a bug; the main thread still answers signals
    }
    for (int i = 0; i < n; ++i) {
      if (events[i].data.fd == stop_fd_.get()) return;
      on_readable();
    }
  }
}

void ReceiveThread::hand_off(std::vector<SharedCore::Datagram>& queue, const uint8_t* data,
                             std::size_t size, const core::SocketAddress& peer,
                             DatagramClass kind) {
  if (queue.size() >= kMaxHandOff) {
    ++counters_.hand_off_dropped;
    return;
  }
  queue.push_back(SharedCore::Datagram{std::vector<uint8_t>(data, data + size), peer, kind});
}

void ReceiveThread::on_readable() {
  for (int round = 0; round < kUdpRoundsPerWake; ++round) {
    for (std::size_t i = 0; i < kBatch; ++i) {
      slots_[i] = runtime::RecvSlot::over(recv_bufs_[i].data(), recv_bufs_[i].size());
    }
    auto got = runtime::receive_batch(udp_fd_, scratch_, slots_.data(), kBatch);
    if (!got.ok() || *got == 0) return;  // would block, or a transient ICMP error
    std::size_t count = *got;
    ++counters_.udp_batches;
    core::Now t = clock_.now();
    // UDP_GRO slots split into their datagrams (views, no copy); handed on in the order
    // received, a chunk at a time when the views run short.
    std::size_t n = 0;
    for (std::size_t i = 0; i < count; ++i) {
      if (views_.size() - n < kMaxGroSegments) {
        process(n, t);
        n = 0;
      }
      n += split_datagrams(slots_[i], views_.data() + n, kMaxGroSegments, counters_.offload);
    }
    process(n, t);
    if (count < kBatch) return;
  }
}

void ReceiveThread::process(std::size_t n, core::Now t) {
  counters_.udp_datagrams_in += n;
  for (std::size_t at = 0; at < n; at += kBatch) {
    process_chunk(views_.data() + at, n - at < kBatch ? n - at : kBatch, t);
  }
}

void ReceiveThread::process_chunk(const runtime::RecvSlot* in_slots, std::size_t count,
                                  core::Now t) {
  // One lock per datagram, not per batch, so the send path can interleave.
  for (std::size_t i = 0; i < count; ++i) {
    core::ByteView in{in_slots[i].data, in_slots[i].size};
    jobs_[i].kind = wg::CryptoJob::Kind::kNone;
    classes_[i] = classify(in);
    ++counters_.by_class[static_cast<std::size_t>(classes_[i])];
    core::MutableBytes out = out_views_[i] = out_bufs_.at(i, in.size);
    std::lock_guard<std::mutex> lock(core_.mu);
    if (core_.handled[static_cast<std::size_t>(classes_[i])]) {
      outs_[i] = wg::Output{};  // for a main-thread handler; queued below
      continue;
    }
    if (classes_[i] == DatagramClass::kWireGuard && is_handshake_message(in)) {
      core_.handshakes.push(t.mono, core::Path::to_udp(in_slots[i].from), in);  // a full queue counts the drop
      outs_[i] = wg::Output{};
      continue;
    }
    outs_[i] = core_.core->prepare_receive(t, core::Path::to_udp(in_slots[i].from), in, out,
                                           jobs_[i]);
  }
  // The opens, in parallel and without the lock; then each completed in the order received,
  // so a peer's packets reach the TUN in the order they came.
  pool_.run(
      count,
      [this, in_slots](std::size_t i, wg::TransportCrypto& crypto) {
        crypto.run(jobs_[i], in_slots[i].data, out_views_[i].data);
      },
      crypto_);
  for (std::size_t i = 0; i < count; ++i) {
    if (jobs_[i].kind != wg::CryptoJob::Kind::kOpen) continue;
    std::lock_guard<std::mutex> lock(core_.mu);
    outs_[i] = core_.core->complete_receive(t, core::Path::to_udp(in_slots[i].from), jobs_[i],
                                            out_views_[i]);
  }
  // The filter and the core's accounting saw every packet by now: GRO may rewrite headers.
  for (std::size_t i = 0; i < count; ++i) {
    if (outs_[i].action != wg::Action::kDeliverToTunnel) continue;
    writer_.add(out_views_[i].data, outs_[i].size);
  }
  writer_.flush();
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(core_.mu);
    for (std::size_t i = 0; i < count; ++i) {
      if (core_.handled[static_cast<std::size_t>(classes_[i])]) {
        hand_off(core_.received, in_slots[i].data, in_slots[i].size, in_slots[i].from,
                 classes_[i]);
      } else if (outs_[i].action == wg::Action::kSendDatagram && outs_[i].endpoint.is_udp()) {
        hand_off(core_.to_send, out_views_[i].data, outs_[i].size, outs_[i].endpoint.udp,
                 DatagramClass::kWireGuard);
      }
    }
    // Released staged packets, keepalives: through the shared helper, into the hand-off.
    struct HandOffSink {
      ReceiveThread& self;
      core::MutableBytes scratch;
      core::MutableBytes buffer() { return scratch; }
      void execute(const wg::Output& o, core::MutableBytes buf) {
        if (o.action != wg::Action::kSendDatagram || !o.endpoint.is_udp()) return;
        self.hand_off(self.core_.to_send, buf.data, o.size, o.endpoint.udp,
                      DatagramClass::kWireGuard);
      }
    } sink{*this, out_bufs_.at(0, kMaxPacket)};  // every output above is consumed by now
    HeldCore held{*core_.core};
    core::drain_transmits(held, t, sink);
    auto deadline = core_.core->next_deadline();
    bool earlier = deadline && (!core_.armed_deadline || *deadline < *core_.armed_deadline);
    wake = !core_.to_send.empty() || !core_.received.empty() || !core_.handshakes.empty() ||
           earlier || core_.wake_after_batch;
    // The main thread re-arms when woken; until then, do not wake it again for this.
    if (earlier) core_.armed_deadline = deadline;
    // One wake-up covers everything queued until the main thread takes the queues.
    wake = wake && !core_.wake_pending;
    if (wake) core_.wake_pending = true;
  }
  if (wake) {
    uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof(one));
  }
}

}  // namespace weft::dataplane
