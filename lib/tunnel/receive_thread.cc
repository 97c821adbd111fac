// The receive thread of `weft tunnel --threads 2` (docs/dataplane.md, "Driver"): recvmmsg on its
// own scratch, one core call per datagram under SharedCore::mu, TUN writes outside the lock.
#include "tunnel/receive_thread.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime/sys_error.h"
#include "tunnel/device_config.h"
#include "core/path.h"

namespace weft::tunnel {
namespace {

// Same batch and buffer sizes as the single-thread loop (tunnel.cc).
constexpr std::size_t kBatch = runtime::UdpSocket::kMaxBatch;
constexpr std::size_t kMaxPacket = 65535;
constexpr std::size_t kOutCapacity = wg::output_capacity_for(kMaxPacket);
// Bound on poll_transmit() calls per batch, in case a core bug keeps returning datagrams.
constexpr int kMaxPolls = 4 * static_cast<int>(wg::kMaxStagedPackets) + 64;
// Bound on datagrams waiting for the main thread (a flood of valid handshakes must not grow
// memory without limit); beyond it they are dropped as a full socket buffer would drop them.
constexpr std::size_t kMaxPending = 4096;

// Returns false when the datagram was dropped.
bool queue_pending(SharedCore& core, const uint8_t* data, std::size_t size,
                   const wg::Path& to) {
  if (!to.is_udp()) return true;  // the core never asks to send to an unset endpoint
  if (core.pending.size() >= kMaxPending) return false;
  core.pending.push_back(SharedCore::Pending{std::vector<uint8_t>(data, data + size),
                                             to.udp});
  return true;
}

}  // namespace

ReceiveThread::ReceiveThread(SharedCore& core, runtime::TunDevice& tun, int wake_fd,
                             std::chrono::steady_clock::time_point epoch)
    : core_(core),
      tun_(tun),
      wake_fd_(wake_fd),
      epoch_(epoch),
      recv_bufs_(kBatch, std::vector<uint8_t>(kMaxPacket)),
      out_bufs_(kBatch, std::vector<uint8_t>(kOutCapacity)),
      outs_(kBatch),
      msgs_(kBatch),
      iovs_(kBatch),
      addrs_(kBatch) {}

ReceiveThread::~ReceiveThread() { stop(); }

wg::Now ReceiveThread::now() const {
  wg::Now n;
  n.mono = std::chrono::duration_cast<wg::Duration>(std::chrono::steady_clock::now() - epoch_);
  n.wall = std::chrono::system_clock::now();
  return n;
}

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

void ReceiveThread::on_readable() {
  for (int round = 0; round < 4; ++round) {
    for (std::size_t i = 0; i < kBatch; ++i) {
      iovs_[i] = iovec{recv_bufs_[i].data(), recv_bufs_[i].size()};
      msgs_[i] = mmsghdr{};
      msgs_[i].msg_hdr.msg_name = &addrs_[i];
      msgs_[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
      msgs_[i].msg_hdr.msg_iov = &iovs_[i];
      msgs_[i].msg_hdr.msg_iovlen = 1;
    }
    int got;
    do {
      got = ::recvmmsg(udp_fd_, msgs_.data(), static_cast<unsigned>(kBatch), MSG_DONTWAIT,
                       nullptr);
    } while (got < 0 && errno == EINTR);
    if (got <= 0) return;  // would block, or a transient ICMP error reported on the socket
    auto count = static_cast<std::size_t>(got);
    ++counters_.udp_batches;
    counters_.udp_datagrams_in += count;
    wg::Now t = now();
    // One lock per datagram, not per batch, so the send path can interleave.
    for (std::size_t i = 0; i < count; ++i) {
      wg::Path from = core::Path::to_udp(runtime::from_sockaddr(addrs_[i]));
      wg::ByteView in{recv_bufs_[i].data(), msgs_[i].msg_len};
      wg::MutableBytes out{out_bufs_[i].data(), out_bufs_[i].size()};
      std::lock_guard<std::mutex> lock(core_.mu);
      outs_[i] = core_.device->receive_datagram(t, from, in, out);
    }
    for (std::size_t i = 0; i < count; ++i) {
      if (outs_[i].action != wg::Action::kDeliverToTunnel) continue;
      if (tun_.write(out_bufs_[i].data(), outs_[i].size).ok()) {
        ++counters_.tun_packets_out;
      } else {
        ++counters_.tun_write_dropped;  // full queue or a packet the kernel refuses
      }
    }
    bool wake = false;
    {
      std::lock_guard<std::mutex> lock(core_.mu);
      for (std::size_t i = 0; i < count; ++i) {
        if (outs_[i].action == wg::Action::kSendDatagram &&
            !queue_pending(core_, out_bufs_[i].data(), outs_[i].size, outs_[i].endpoint)) {
          ++counters_.pending_dropped;
        }
      }
      wg::MutableBytes scratch{out_bufs_[0].data(), out_bufs_[0].size()};
      for (int p = 0; p < kMaxPolls; ++p) {
        wg::Output o = core_.device->poll_transmit(t, scratch);
        if (o.action == wg::Action::kNone) break;
        if (o.action == wg::Action::kSendDatagram &&
            !queue_pending(core_, scratch.data, o.size, o.endpoint)) {
          ++counters_.pending_dropped;
        }
      }
      auto deadline = core_.device->next_deadline();
      wake = !core_.pending.empty() ||
             (deadline && (!core_.armed_deadline || *deadline < *core_.armed_deadline));
      // The main thread recomputes its timeout when woken; until then, do not wake it again.
      if (deadline && (!core_.armed_deadline || *deadline < *core_.armed_deadline)) {
        core_.armed_deadline = deadline;
      }
    }
    if (wake) {
      uint64_t one = 1;
      (void)!::write(wake_fd_, &one, sizeof(one));
    }
    if (count < kBatch) return;
  }
}

}  // namespace weft::tunnel
