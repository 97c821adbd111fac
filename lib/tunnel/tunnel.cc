// The Linux driver of the WireGuard core: epoll over TUN, UDP (recvmmsg/sendmmsg batches), the
// UAPI unix socket and a signalfd; the core's next_deadline() is the epoll timeout. With
// threads = 2 the UDP receive path runs in a ReceiveThread (docs/dataplane.md, "Driver").
#include "tunnel/tunnel.h"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <vector>

#include "runtime/netlink.h"
#include "runtime/path_watch.h"
#include "runtime/sys_error.h"
#include "runtime/system_random.h"
#include "runtime/tun_device.h"
#include "runtime/udp_socket.h"
#include "runtime/unix_listener.h"
#include "tunnel/device_config.h"
#include "tunnel/receive_thread.h"
#include "tunnel/uapi.h"
#include "wg/device.h"

namespace weft::tunnel {
namespace {

// Batch size of one recvmmsg/sendmmsg and of TUN reads per wakeup: large enough to amortise
// the syscalls, small enough that UDP and TUN take turns (fairness between directions).
constexpr std::size_t kBatch = 64;
// A TUN read or UDP datagram never exceeds 64 KiB; sized for it so a later `ip link set mtu`
// cannot truncate packets.
constexpr std::size_t kMaxPacket = 65535;
constexpr std::size_t kDatagramCapacity = wg::output_capacity_for(kMaxPacket);
// UDP socket buffers: the 7 MiB newer wireguard-go requests (conn/controlfns.go).
constexpr int kSocketBufferBytes = 7 << 20;
// Concurrent UAPI connections; more are refused so a local client cannot exhaust descriptors.
constexpr std::size_t kMaxUapiClients = 32;
// The drop-counter line is logged when the counters changed, at most this often, so a flood of
// junk cannot turn into a flood of log lines; SIGUSR1 logs it at once.
constexpr std::chrono::seconds kDropLogInterval{10};
// Bound on poll_transmit() calls per drain, in case a core bug keeps returning datagrams.
constexpr int kMaxPollsPerDrain = 4 * static_cast<int>(wg::kMaxStagedPackets) + 64;

class KernelRandom : public wg::Random {
 public:
  void fill(uint8_t* out, std::size_t n) override { runtime::fill_random(out, n); }
};

core::SocketAddress to_socket(const wg::Path& e) { return e.udp; }

wg::Path from_socket(const core::SocketAddress& a) { return core::Path::to_udp(a); }

struct UapiClient {
  runtime::UniqueFd fd;
  UapiRequestReader reader;
  std::string out;
  uint32_t events = EPOLLIN;  // the current epoll interest set
  bool eof = false;           // the client shut down its side; answer, then close
};

}  // namespace

struct Tunnel::Impl {
  TunnelSettings options;
  KernelRandom random;
  std::unique_ptr<wg::Device> device;
  // Every device call holds core.mu, also with one thread (uncontended, so nearly free).
  SharedCore core;
  std::unique_ptr<ReceiveThread> receiver;  // threads == 2 only
  runtime::UniqueFd wake;                   // eventfd the receive thread writes
  InterfaceSettings settings;
  std::optional<runtime::TunDevice> tun;
  std::optional<runtime::UdpSocket> udp;
  std::optional<runtime::UnixListener> uapi;
  std::optional<runtime::PathWatch> uapi_watch;  // the socket file's deletion stops us
  runtime::UniqueFd epoll;
  runtime::UniqueFd signals;
  sigset_t old_mask{};
  bool mask_changed = false;
  std::map<int, UapiClient> clients;
  std::chrono::steady_clock::time_point epoch = std::chrono::steady_clock::now();
  TunnelCounters counters;
  uint64_t logged_drops = 0;  // total_drops() when the drop line was last logged
  std::chrono::steady_clock::time_point last_drop_log = epoch;

  // Receive slots for UDP, one packet buffer for TUN, and a pool of datagram buffers that
  // the core writes into directly; queued sends point into that pool until flushed.
  std::vector<std::vector<uint8_t>> recv_bufs;
  std::vector<runtime::RecvSlot> recv_slots;
  std::vector<uint8_t> tun_buf;
  std::vector<std::vector<uint8_t>> send_bufs;
  std::vector<runtime::SendItem> send_queue;

  void log(const std::string& line) const {
    if (options.log) options.log(line);
  }

  wg::Now now() const {
    wg::Now n;
    n.mono = std::chrono::duration_cast<wg::Duration>(std::chrono::steady_clock::now() - epoch);
    n.wall = std::chrono::system_clock::now();
    return n;
  }

  Status watch(int fd, uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    if (::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, fd, &ev) < 0) {
      return runtime::errno_error("epoll", "EPOLL_CTL_ADD");
    }
    return Ok{};
  }

  void unwatch(int fd) { ::epoll_ctl(epoll.get(), EPOLL_CTL_DEL, fd, nullptr); }

  wg::MutableBytes next_send_buffer() {
    if (send_queue.size() == send_bufs.size()) flush_sends();
    auto& b = send_bufs[send_queue.size()];
    return wg::MutableBytes{b.data(), b.size()};
  }

  // Acts on one core result whose bytes are in `buf` (the next free send buffer).
  void handle(const wg::Output& o, wg::MutableBytes buf) {
    switch (o.action) {
      case wg::Action::kSendDatagram:
        send_queue.push_back(runtime::SendItem{buf.data, o.size, to_socket(o.endpoint)});
        break;
      case wg::Action::kDeliverToTunnel: {
        auto w = tun->write(buf.data, o.size);
        if (w.ok()) {
          ++counters.tun_packets_out;
        } else {
          ++counters.tun_write_dropped;  // full queue or a packet the kernel refuses
        }
        break;
      }
      case wg::Action::kNone:
      case wg::Action::kDrop:
        break;
    }
  }

  void drain_transmits(wg::Now t) {
    for (int i = 0; i < kMaxPollsPerDrain; ++i) {
      wg::MutableBytes out = next_send_buffer();
      wg::Output o;
      {
        std::lock_guard<std::mutex> lock(core.mu);
        o = device->poll_transmit(t, out);
      }
      if (o.action == wg::Action::kNone) return;
      handle(o, out);
    }
  }

  void flush_sends() {
    send_items(send_queue.data(), send_queue.size());
    send_queue.clear();
  }

  void send_items(const runtime::SendItem* items, std::size_t n) {
    std::size_t at = 0;
    while (at < n) {
      auto r = udp->send_batch(items + at, n - at);
      if (r.ok()) {
        at += *r;
        counters.udp_datagrams_out += *r;
      } else if (runtime::is_would_block(r.error())) {
        // The socket buffer is full: drop the rest, as a congested link would.
        counters.udp_send_dropped += n - at;
        break;
      } else {
        ++counters.udp_send_dropped;  // only the first datagram failed (sendmmsg semantics)
        ++at;
      }
    }
  }

  // The receive thread queued datagrams for us (we own UDP sends: runtime::UdpSocket's
  // scratch is not shared) and/or moved a deadline earlier (the caller's loop re-arms).
  void on_wake() {
    uint64_t value = 0;
    (void)!::read(wake.get(), &value, sizeof(value));
    std::vector<SharedCore::Pending> pending;
    {
      std::lock_guard<std::mutex> lock(core.mu);
      pending.swap(core.pending);
    }
    if (pending.empty()) return;
    std::vector<runtime::SendItem> items;
    items.reserve(pending.size());
    for (const auto& p : pending) {
      items.push_back(runtime::SendItem{p.bytes.data(), p.bytes.size(), p.to});
    }
    send_items(items.data(), items.size());
  }

  Status start_receiver() {
    if (options.threads < 2) return Ok{};
    receiver = std::make_unique<ReceiveThread>(core, *tun, wake.get(), epoch);
    return receiver->start(udp->fd());
  }

  // Joins the receive thread and folds its counters into ours.
  void stop_receiver() {
    if (!receiver) return;
    receiver->stop();
    const ReceiveCounters& rc = receiver->counters();
    counters.udp_batches += rc.udp_batches;
    counters.udp_datagrams_in += rc.udp_datagrams_in;
    counters.tun_packets_out += rc.tun_packets_out;
    counters.tun_write_dropped += rc.tun_write_dropped;
    counters.udp_send_dropped += rc.pending_dropped;
    receiver.reset();
  }

  void on_udp_readable() {
    for (int round = 0; round < 4; ++round) {
      for (std::size_t i = 0; i < recv_slots.size(); ++i) {
        recv_slots[i] = runtime::RecvSlot::over(recv_bufs[i].data(), recv_bufs[i].size());
      }
      auto r = udp->receive_batch(recv_slots.data(), recv_slots.size());
      if (!r.ok()) break;  // would block, or a transient ICMP error reported on the socket
      ++counters.udp_batches;
      counters.udp_datagrams_in += *r;
      wg::Now t = now();
      for (std::size_t i = 0; i < *r; ++i) {
        const auto& s = recv_slots[i];
        wg::MutableBytes out = next_send_buffer();
        wg::Output o;
        {
          std::lock_guard<std::mutex> lock(core.mu);
          o = device->receive_datagram(t, from_socket(s.from), wg::ByteView{s.data, s.size}, out);
        }
        handle(o, out);
      }
      drain_transmits(t);
      flush_sends();
      if (*r < recv_slots.size()) break;
    }
  }

  Status on_tun_readable() {
    wg::Now t = now();
    for (std::size_t i = 0; i < kBatch; ++i) {
      auto r = tun->read(tun_buf.data(), tun_buf.size());
      if (!r.ok()) {
        if (runtime::is_would_block(r.error())) break;
        return r.error();
      }
      ++counters.tun_packets_in;
      wg::MutableBytes out = next_send_buffer();
      wg::Output o;
      {
        std::lock_guard<std::mutex> lock(core.mu);
        o = device->send_packet(t, wg::ByteView{tun_buf.data(), *r}, out);
      }
      handle(o, out);
    }
    drain_transmits(t);
    flush_sends();
    return Ok{};
  }

  void on_timer() {
    wg::Now t = now();
    {
      std::lock_guard<std::mutex> lock(core.mu);
      auto deadline = device->next_deadline();
      if (!deadline || *deadline > t.mono) return;
      device->update_timers(t);
    }
    drain_transmits(t);
    flush_sends();
  }

  // The core's drop counters leave the process only through this log line (docs/dataplane.md,
  // "Drop counters"); UAPI get stays exactly what wg(8) knows.
  void log_drops() {
    wg::DeviceStats st = stats();
    logged_drops = total_drops(st);
    last_drop_log = std::chrono::steady_clock::now();
    log(format_drops(st));
  }

  void maybe_log_drops() {
    if (total_drops(stats()) == logged_drops) return;
    if (std::chrono::steady_clock::now() - last_drop_log < kDropLogInterval) return;
    log_drops();
  }

  wg::DeviceStats stats() {
    std::lock_guard<std::mutex> lock(core.mu);
    return device->stats();
  }

  // Also records the deadline as armed, under the lock, so that the receive thread, which
  // compares against it under the same lock, wakes us when it moves a deadline earlier.
  int epoll_timeout_ms() {
    std::optional<wg::Duration> deadline;
    {
      std::lock_guard<std::mutex> lock(core.mu);
      deadline = device->next_deadline();
      core.armed_deadline = deadline;
    }
    if (!deadline) return -1;
    auto left = *deadline - now().mono;
    if (left <= wg::Duration::zero()) return 0;
    // Round up: waking a little late is harmless, waking early just spins once more.
    auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
    return ms > 60'000 ? 60'000 : static_cast<int>(ms);
  }

  // ---- UAPI ----

  void on_uapi_listener() {
    while (true) {
      auto c = uapi->accept();
      if (!c.ok()) return;
      if (clients.size() >= kMaxUapiClients) continue;  // closed by the UniqueFd
      int fd = c->get();
      if (!watch(fd, EPOLLIN).ok()) continue;
      clients[fd].fd = std::move(*c);
    }
  }

  void close_client(int fd) {
    unwatch(fd);
    clients.erase(fd);
  }

  std::string answer_set(const std::string& body) {
    auto req = parse_set_body(body);
    if (!req.ok()) {
      log("uapi: set refused: " + req.error().detail);
      return format_set_response(uapi_errno_for(req.error()));
    }
    wg::Now t = now();
    DriverChanges ch;
    {
      std::lock_guard<std::mutex> lock(core.mu);
      ch = apply_set(*device, t, *req, settings);
    }
    int err = 0;
    if (ch.listen_port) {
      auto s = runtime::UdpSocket::bind_any(*ch.listen_port);
      if (s.ok()) {
        // The receive thread reads the old descriptor until joined; stop it before closing.
        if (receiver) {
          receiver->stop();
        } else {
          unwatch(udp->fd());
        }
        udp = std::move(*s);
        (void)udp->set_buffer_sizes(kSocketBufferBytes);
        settings.listen_port = udp->local_port();
        if (settings.fwmark != 0) (void)udp->set_mark(settings.fwmark);
        if (receiver) {
          if (auto r = receiver->start(udp->fd()); !r.ok()) {
            log("uapi: cannot restart the receive thread: " + r.error().detail);
            err = EIO;
          }
        } else if (!watch(udp->fd(), EPOLLIN).ok()) {
          err = EIO;
        }
        log("uapi: now listening on UDP port " + std::to_string(settings.listen_port));
      } else {
        log("uapi: cannot rebind: " + s.error().detail);
        err = EADDRINUSE;
      }
    }
    if (ch.fwmark && !udp->set_mark(*ch.fwmark).ok()) err = EIO;
    drain_transmits(t);
    flush_sends();
    return format_set_response(err);
  }

  void on_client(int fd, uint32_t events) {
    auto it = clients.find(fd);
    if (it == clients.end()) return;
    UapiClient& c = it->second;
    if (events & (EPOLLHUP | EPOLLERR)) c.eof = true;
    if ((events & EPOLLIN) && !c.eof) {
      char buf[4096];
      while (true) {
        ssize_t n = ::read(fd, buf, sizeof(buf));
        if (n > 0) {
          c.reader.feed(std::string_view(buf, static_cast<std::size_t>(n)));
          continue;
        }
        if (n == 0 || (errno != EAGAIN && errno != EINTR)) c.eof = true;
        if (n < 0 && errno == EINTR) continue;
        break;
      }
      std::string body;
      while (true) {
        auto st = c.reader.next(&body);
        if (st == UapiRequestReader::Status::kNeedMore) break;
        if (st == UapiRequestReader::Status::kInvalid) {
          close_client(fd);
          return;
        }
        ++counters.uapi_requests;
        if (st == UapiRequestReader::Status::kGet) {
          std::string got;
          {
            std::lock_guard<std::mutex> lock(core.mu);
            got = format_get_response(snapshot(*device, settings));
          }
          c.out += got;
        } else {
          c.out += answer_set(body);
        }
      }
    }
    while (!c.out.empty()) {
      ssize_t n = ::write(fd, c.out.data(), c.out.size());
      if (n > 0) {
        c.out.erase(0, static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) break;
      close_client(fd);  // the client went away
      return;
    }
    if (c.eof && c.out.empty()) {
      close_client(fd);
      return;
    }
    // After EOF the socket stays readable forever; watching EPOLLIN then would spin.
    uint32_t wanted = (c.eof ? 0u : uint32_t{EPOLLIN}) | (c.out.empty() ? 0u : uint32_t{EPOLLOUT});
    if (wanted != c.events) {
      epoll_event ev{};
      ev.events = wanted;
      ev.data.fd = fd;
      ::epoll_ctl(epoll.get(), EPOLL_CTL_MOD, fd, &ev);
      c.events = wanted;
    }
  }

  // ---- setup ----

  Status configure_interface(const TunnelConfig& config, uint32_t mtu) {
    auto nl = runtime::Netlink::open();
    if (!nl.ok()) return nl.error();
    int index = tun->ifindex();
    if (auto s = nl->set_mtu(index, mtu); !s.ok()) return s;
    for (const auto& a : config.interface.addresses) {
      if (auto s = nl->add_address(index, a.address, a.prefix_length); !s.ok()) return s;
    }
    if (auto s = nl->set_link_up(index); !s.ok()) return s;
    std::set<util::IpPrefix> routes;
    for (const auto& p : config.peers) routes.insert(p.allowed_ips.begin(), p.allowed_ips.end());
    for (const auto& r : routes) {
      if (r.bits() == 0) {
        // A default route through the tunnel would also capture the encrypted datagrams to the
        // peer; wg-quick solves that with fwmark policy routing, which weft tunnel leaves out.
        log("not installing default route " + r.to_string() +
            " (route it yourself, e.g. with policy routing)");
        continue;
      }
      if (auto s = nl->add_route(index, r); !s.ok()) return s;
    }
    return Ok{};
  }
};

Tunnel::Tunnel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Tunnel::~Tunnel() {
  if (impl_ && impl_->mask_changed) ::sigprocmask(SIG_SETMASK, &impl_->old_mask, nullptr);
}

Result<std::unique_ptr<Tunnel>> Tunnel::start(const TunnelConfig& config,
                                              const TunnelSettings& options) {
  auto impl = std::make_unique<Impl>();
  Impl& d = *impl;
  d.options = options;
  if (options.threads != 1 && options.threads != 2) {
    return Error{"config.invalid", "threads must be 1 or 2"};
  }
  uint32_t mtu = config.interface.mtu.value_or(static_cast<uint32_t>(wg::kDefaultMtu));
  auto dev_config = device_config_from(config, mtu);
  if (!dev_config.ok()) return dev_config.error();
  d.settings.private_key = *config.interface.private_key;
  d.settings.fwmark = config.interface.fwmark.value_or(0);

  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGUSR1);  // log the drop counters
  if (::sigprocmask(SIG_BLOCK, &mask, &d.old_mask) < 0) {
    return runtime::errno_error("signals", "sigprocmask");
  }
  d.mask_changed = true;
  std::unique_ptr<Tunnel> tunnel(new Tunnel(std::move(impl)));  // restores the mask on error

  d.signals = runtime::UniqueFd(::signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC));
  if (!d.signals.valid()) return runtime::errno_error("signals", "signalfd");
  d.epoll = runtime::UniqueFd(::epoll_create1(EPOLL_CLOEXEC));
  if (!d.epoll.valid()) return runtime::errno_error("epoll", "epoll_create1");

  auto tun = runtime::TunDevice::create(options.interface_name);
  if (!tun.ok()) return tun.error();
  d.tun = std::move(*tun);
  if (auto s = d.configure_interface(config, mtu); !s.ok()) return s.error();

  auto udp = runtime::UdpSocket::bind_any(config.interface.listen_port.value_or(0));
  if (!udp.ok()) return udp.error();
  d.udp = std::move(*udp);
  d.settings.listen_port = d.udp->local_port();
  (void)d.udp->set_buffer_sizes(kSocketBufferBytes);  // best effort: defaults still work
  if (d.settings.fwmark != 0) {
    if (auto s = d.udp->set_mark(d.settings.fwmark); !s.ok()) return s.error();
  }

  auto uapi = runtime::UnixListener::listen(options.socket_dir + "/" + d.tun->name() + ".sock");
  if (!uapi.ok()) return uapi.error();
  d.uapi = std::move(*uapi);
  auto watch = runtime::PathWatch::create(d.uapi->path());
  if (!watch.ok()) return watch.error();
  d.uapi_watch = std::move(*watch);

  d.device = std::make_unique<wg::Device>(*dev_config, d.random);
  d.core.device = d.device.get();
  if (auto s = add_configured_peers(*d.device, d.now(), config, d.settings); !s.ok()) {
    return s.error();
  }

  d.recv_bufs.assign(kBatch, std::vector<uint8_t>(kMaxPacket));
  d.recv_slots.resize(kBatch);
  d.tun_buf.resize(kMaxPacket);
  d.send_bufs.assign(kBatch, std::vector<uint8_t>(kDatagramCapacity));
  d.send_queue.reserve(kBatch);

  if (options.threads == 2) {
    d.wake = runtime::UniqueFd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if (!d.wake.valid()) return runtime::errno_error("eventfd", "eventfd");
  }
  // With two threads the receive thread watches UDP and the main loop watches the eventfd.
  int udp_or_wake = options.threads == 2 ? d.wake.get() : d.udp->fd();
  for (int fd : {d.signals.get(), d.tun->fd(), udp_or_wake, d.uapi->fd(), d.uapi_watch->fd()}) {
    if (auto s = d.watch(fd, EPOLLIN); !s.ok()) return s.error();
  }
  d.log("interface " + d.tun->name() + " up (mtu " + std::to_string(mtu) + ", " +
        std::to_string(options.threads) + (options.threads == 1 ? " thread" : " threads") +
        "), UDP port " +
        std::to_string(d.settings.listen_port) + ", public key " +
        core::key_to_base64(d.device->public_key().bytes) + ", UAPI " + d.uapi->path());
  return tunnel;
}

Status Tunnel::run() {
  Impl& d = *impl_;
  if (auto s = d.start_receiver(); !s.ok()) return s;
  // Every return below joins the receive thread first.
  struct JoinReceiver {
    Impl& d;
    ~JoinReceiver() { d.stop_receiver(); }
  } join{d};
  // The configured peers' first keepalives/initiations were queued by start().
  d.drain_transmits(d.now());
  d.flush_sends();
  std::array<epoll_event, 32> events{};
  while (true) {
    int n = ::epoll_wait(d.epoll.get(), events.data(), static_cast<int>(events.size()),
                         d.epoll_timeout_ms());
    if (n < 0) {
      if (errno == EINTR) continue;
      return runtime::errno_error("epoll", "epoll_wait");
    }
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      uint32_t ev = events[i].events;
      if (fd == d.signals.get()) {
        signalfd_siginfo info{};
        if (::read(fd, &info, sizeof(info)) == sizeof(info)) {
          if (info.ssi_signo == SIGUSR1) {
            d.log_drops();
            continue;
          }
          d.log(std::string("received ") + (info.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM") +
                ", shutting down");
          d.log_drops();
          return Ok{};
        }
      } else if (fd == d.tun->fd()) {
        if (auto s = d.on_tun_readable(); !s.ok()) return s;
      } else if (d.wake.valid() && fd == d.wake.get()) {
        d.on_wake();
      } else if (!d.receiver && fd == d.udp->fd()) {
        d.on_udp_readable();
      } else if (fd == d.uapi->fd()) {
        d.on_uapi_listener();
      } else if (fd == d.uapi_watch->fd()) {
        if (d.uapi_watch->consume_removed()) {
          d.log("UAPI socket " + d.uapi->path() + " was deleted, shutting down");
          d.log_drops();
          return Ok{};
        }
      } else {
        d.on_client(fd, ev);
      }
    }
    d.on_timer();
    d.maybe_log_drops();
  }
}

const std::string& Tunnel::interface_name() const { return impl_->tun->name(); }
uint16_t Tunnel::listen_port() const { return impl_->settings.listen_port; }
const TunnelCounters& Tunnel::counters() const { return impl_->counters; }

}  // namespace weft::tunnel
