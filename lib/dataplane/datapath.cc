// The data path on the node loop (see datapath.h): one wake-up per readable descriptor, then up
// to a batch per system call; every core call goes through core/drive.h and holds the core lock
// (uncontended with one thread, so nearly free).
#include "dataplane/datapath.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <boost/asio/post.hpp>

#include "core/drive.h"
#include "dataplane/limits.h"
#include "dataplane/udp_gro.h"
#include "runtime/sys_error.h"

namespace weft::dataplane {

// The core as core/drive.h sees it: every call under the lock, none of it across a syscall.
struct DataPath::LockedCore {
  SharedCore& shared;
  wg::Output poll_transmit(core::Now now, core::MutableBytes out) {
    std::lock_guard<std::mutex> lock(shared.mu);
    return shared.core->poll_transmit(now, out);
  }
  void update_timers(core::Now now) {
    std::lock_guard<std::mutex> lock(shared.mu);
    shared.core->update_timers(now);
  }
  std::optional<core::Duration> next_deadline() const {
    std::lock_guard<std::mutex> lock(shared.mu);
    return shared.core->next_deadline();
  }
};

// Outputs land in the send pool (datagrams) or go straight to the TUN device (packets).
struct DataPath::Sink {
  DataPath& path;
  core::MutableBytes buffer() { return path.next_send_buffer(kMaxPacket); }
  void execute(const wg::Output& o, core::MutableBytes buf) { path.execute(o, buf); }
};

DataPath::DataPath(Loop& loop, DataCore& core, runtime::TunDevice& tun,
                   runtime::UdpSocket udp, int threads, bool udp_offloads)
    : loop_(loop),
      tun_(tun),
      udp_(std::move(udp)),
      threads_(threads),
      udp_offloads_wanted_(udp_offloads),
      timer_(loop, [this] { on_timer(); }),
      // kMaxPacket = runtime::kGroBufferSize: a slot holds whatever UDP_GRO coalesces.
      recv_bufs_(kBatch, std::vector<uint8_t>(kMaxPacket)),
      recv_slots_(kBatch),
      tun_buf_(runtime::TunDevice::kTunMaxRead),
      writer_(tun, kBatch),
      rx_bufs_(kBatch),
      gro_views_(kMaxGroSegments),
      send_bufs_(kBatch),
      split_targets_(kBatch),
      seal_jobs_(kBatch),
      seal_bufs_(kBatch) {
  core_.core = &core;
  // No workers with one thread: the seals of a batch run on the loop, just before its send.
  pool_ = std::make_unique<CryptoPool>(static_cast<std::size_t>(threads_ >= 2 ? threads_ - 1 : 0));
  send_queue_.reserve(kBatch);
  (void)udp_.set_buffer_sizes(kSocketBufferBytes);  // best effort: defaults still work
}

void DataPath::enable_udp_offloads() {
  if (!udp_offloads_wanted_) return;
  // Both kinds of receive slot (this loop's and the receive thread's) have kGroBufferSize bytes
  // and are split with split_coalesced, so GRO may be asked for.
  static_assert(kMaxPacket >= runtime::kGroBufferSize, "UDP_GRO needs 64 KiB receive slots");
  runtime::UdpOffloads got = udp_.enable_offloads({.gso = true, .gro = true});
  gso_refusal_logged_ = !got.gso;
  if (log_ && (!got.gso || !got.gro)) {
    log_(std::string("UDP offloads partly refused by the kernel: GSO ") +
         (got.gso ? "on" : "off") + ", GRO " + (got.gro ? "on" : "off") +
         " (plain sendmmsg/recvmmsg for the rest)");
  }
}

std::string DataPath::offload_summary() const {
  runtime::UdpOffloads u = udp_.offloads();
  return std::string("tun vnet-hdr ") + (tun_.vnet_hdr() ? "on" : "off") + ", udp gso " +
         (u.gso ? "on" : "off") + ", gro " + (u.gro ? "on" : "off");
}

DataPath::~DataPath() { stop(); }

void DataPath::set_handler(DatagramClass kind, DatagramHandler* handler) {
  handlers_[static_cast<std::size_t>(kind)] = handler;
  std::lock_guard<std::mutex> lock(core_.mu);
  core_.handled[static_cast<std::size_t>(kind)] = handler != nullptr;
}

Status DataPath::start() {
  if (running_) return Ok{};
  enable_udp_offloads();
  tun_watch_.emplace(loop_, tun_.fd(), [this] { return on_tun_readable(); });
  if (threads_ >= 2) {
    wake_ = runtime::UniqueFd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if (!wake_.valid()) return runtime::errno_error("eventfd", "eventfd");
    {
      std::lock_guard<std::mutex> lock(core_.mu);
      core_.wake_after_batch = static_cast<bool>(after_event_);
      core_.wake_pending = false;  // a wake-up of an earlier run died with its eventfd
    }
    receiver_ = std::make_unique<ReceiveThread>(core_, tun_, wake_.get(), loop_.clock(), *pool_);
    if (auto s = receiver_->start(udp_.fd()); !s.ok()) return s;
    wake_watch_.emplace(loop_, wake_.get(), [this] {
      on_wake();
      return false;
    });
    wake_watch_->start();
  } else {
    udp_watch_.emplace(loop_, udp_.fd(), [this] { return on_udp_readable(); });
    udp_watch_->start();
  }
  tun_watch_->start();
  running_ = true;
  // The configured peers' first keepalives/initiations are queued already.
  finish_event(loop_.clock().now());
  return Ok{};
}

void DataPath::stop() {
  if (!running_) return;
  running_ = false;
  ++generation_;
  handshake_turn_posted_ = false;
  timer_.cancel();
  udp_watch_.reset();
  tun_watch_.reset();
  wake_watch_.reset();
  if (receiver_) {
    receiver_->stop();
    fold_receiver_counters();
    receiver_.reset();
  }
  flush_deliveries();
  fold_writer_counters();
  counters_.handshake_queue_full = handshake_queue_full();
  counters_.crypto_parallel_batches = pool_->parallel_batches();
}

void DataPath::fold_receiver_counters() {
  const ReceiveCounters& rc = receiver_->counters();
  counters_.udp_batches += rc.udp_batches;
  counters_.udp_datagrams_in += rc.udp_datagrams_in;
  counters_.tun_packets_out += rc.tun_packets_out;
  counters_.tun_write_dropped += rc.tun_write_dropped;
  counters_.udp_send_dropped += rc.hand_off_dropped;
  counters_.offload.merge(rc.offload);
  for (std::size_t i = 0; i < kDatagramClassCount; ++i) counters_.by_class[i] += rc.by_class[i];
}

void DataPath::fold_writer_counters() {
  TunWriteCounters w = writer_.take_counters();
  counters_.tun_packets_out += w.packets_out;
  counters_.tun_write_dropped += w.write_dropped;
  counters_.offload.tun_gro_writes += w.gro_writes;
  counters_.offload.tun_gro_packets += w.gro_packets;
}

core::MutableBytes DataPath::next_receive_buffer(std::size_t datagram_size) {
  if (rx_used_ == rx_bufs_.positions()) flush_deliveries();
  return rx_bufs_.at(rx_used_++, datagram_size);
}

bool DataPath::is_receive_buffer(const uint8_t* p) const { return rx_bufs_.holds(p); }

void DataPath::flush_deliveries() {
  // A datagram the core answered with may sit in a receive buffer: sent before they are reused.
  flush_sends();
  writer_.flush();
  rx_used_ = 0;
}

core::MutableBytes DataPath::next_send_buffer(std::size_t input_size) {
  // >=: answers the core wrote into receive buffers are queued too.
  if (send_queue_.size() >= send_bufs_.positions()) flush_sends();
  return send_bufs_.at(send_queue_.size(), input_size);
}

void DataPath::execute(const wg::Output& o, core::MutableBytes buf) {
  switch (o.action) {
    case wg::Action::kSendDatagram:
      if (!o.endpoint.is_udp()) {
        ++counters_.relayed_sends_dropped;
        break;
      }
      send_queue_.push_back(runtime::SendItem{buf.data, o.size, o.endpoint.udp});
      break;
    case wg::Action::kDeliverToTunnel:
      // Held for the batch's coalesced write when its buffer is kept until then.
      if (is_receive_buffer(buf.data)) {
        writer_.add(buf.data, o.size);
      } else {
        writer_.write_now(buf.data, o.size);
      }
      break;
    case wg::Action::kNone:
    case wg::Action::kDrop:
      break;
  }
}

void DataPath::execute_prepared(const wg::Output& o, core::MutableBytes buf) {
  wg::CryptoJob& job = seal_jobs_[seals_pending_];
  std::size_t queued = send_queue_.size();
  execute(o, buf);
  if (job.kind != wg::CryptoJob::Kind::kSeal) return;
  if (send_queue_.size() == queued) {
    // Not queued (a relayed path the driver does not serve): nothing to seal; wipe the key.
    job.kind = wg::CryptoJob::Kind::kNone;
    crypto::secure_zero(job.key.data(), job.key.size());
    return;
  }
  seal_bufs_[seals_pending_++] = buf.data;
}

void DataPath::seal_pending() {
  if (seals_pending_ == 0) return;
  pool_->run(
      seals_pending_,
      [this](std::size_t i, wg::TransportCrypto& crypto) {
        crypto.run(seal_jobs_[i], seal_bufs_[i], nullptr);
      },
      crypto_);
  seals_pending_ = 0;
}

void DataPath::flush_sends() {
  // Sealed here, just before they leave, in the order the core numbered them.
  seal_pending();
  send_items(send_queue_.data(), send_queue_.size());
  send_queue_.clear();
}

void DataPath::send_items(const runtime::SendItem* items, std::size_t n) {
  if (!gso_refusal_logged_ && !udp_.offloads().gso) {
    gso_refusal_logged_ = true;
    if (log_) log_("UDP GSO refused by the kernel on a send: datagrams go one by one from now on");
  }
  std::size_t at = 0;
  while (at < n) {
    auto r = udp_.send_batch(items + at, n - at);
    if (r.ok()) {
      at += *r;
      counters_.udp_datagrams_out += *r;
    } else if (runtime::is_would_block(r.error())) {
      // The socket buffer is full: drop the rest, as a congested link would.
      counters_.udp_send_dropped += n - at;
      break;
    } else {
      ++counters_.udp_send_dropped;  // only the first datagram failed (sendmmsg semantics)
      ++at;
    }
  }
}

void DataPath::send(const core::SocketAddress& to, core::ByteView datagram) {
  if (datagram.size > kDatagramCapacity) {
    ++counters_.udp_send_dropped;
    return;
  }
  core::MutableBytes buf = next_send_buffer(datagram.size);
  std::copy(datagram.data, datagram.data + datagram.size, buf.data);
  send_queue_.push_back(runtime::SendItem{buf.data, datagram.size, to});
  flush_sends();
}

void DataPath::receive_relayed(core::Now now, const core::Path& from, core::ByteView datagram) {
  ++counters_.relayed_datagrams_in;
  if (classify(datagram) == DatagramClass::kWireGuard && is_handshake_message(datagram)) {
    // The same queue as the socket's handshakes: a relay client flooding initiations (any node
    // key may use a relay that does not verify clients) meets the same bound and load signal.
    {
      std::lock_guard<std::mutex> lock(core_.mu);
      core_.handshakes.push(now.mono, from, datagram);  // a full queue counts the drop
    }
    schedule_handshakes();
    return;
  }
  core::MutableBytes out = next_receive_buffer(datagram.size);
  wg::Output o;
  {
    std::lock_guard<std::mutex> lock(core_.mu);
    o = core_.core->receive_datagram(now, from, datagram, out);
  }
  execute(o, out);
}

void DataPath::dispatch(core::Now now, const core::SocketAddress& from, core::ByteView datagram) {
  DatagramClass kind = classify(datagram);
  ++counters_.by_class[static_cast<std::size_t>(kind)];
  if (DatagramHandler* h = handlers_[static_cast<std::size_t>(kind)]) {
    h->on_datagram(now, from, datagram);
    return;
  }
  if (kind == DatagramClass::kWireGuard && is_handshake_message(datagram)) {
    // Handshakes wait apart, so that data is never queued behind their Diffie-Hellmans.
    std::lock_guard<std::mutex> lock(core_.mu);
    core_.handshakes.push(now.mono, core::Path::to_udp(from), datagram);  // a full queue counts the drop
    return;
  }
  core::MutableBytes out = next_receive_buffer(datagram.size);
  wg::Output o;
  {
    std::lock_guard<std::mutex> lock(core_.mu);
    o = core_.core->receive_datagram(now, core::Path::to_udp(from), datagram, out);
  }
  execute(o, out);
}

void DataPath::schedule_handshakes() {
  if (handshake_turn_posted_ || !running_) return;
  {
    std::lock_guard<std::mutex> lock(core_.mu);
    if (core_.handshakes.empty()) return;
  }
  handshake_turn_posted_ = true;
  uint64_t gen = generation_;
  boost::asio::post(loop_.io(), [this, gen] {
    if (gen != generation_) return;
    handshake_turn_posted_ = false;
    on_handshake_turn();
  });
}

void DataPath::on_handshake_turn() {
  core::Now t = loop_.clock().now();
  HandshakeQueue::Message m;
  for (std::size_t i = 0; i < kHandshakesPerTurn; ++i) {
    core::MutableBytes out = next_send_buffer(kMaxPacket);
    wg::Output o;
    {
      std::lock_guard<std::mutex> lock(core_.mu);
      const HandshakeQueue::Message* front = core_.handshakes.front();
      if (front == nullptr) break;
      m = *front;
      core_.handshakes.pop();
      // WireGuard's load signal (whitepaper 5.3): cookies and per-source rate limits while
      // handshakes back up, and for a second after.
      core_.core->set_under_load(core_.handshakes.under_load(t.mono));
      o = core_.core->receive_datagram(t, m.from,
                                       core::ByteView{m.bytes.data(), m.size}, out);
    }
    execute(o, out);
  }
  finish_event(t);
}

bool DataPath::on_udp_readable() {
  for (int round = 0; round < kUdpRoundsPerWake; ++round) {
    for (std::size_t i = 0; i < recv_slots_.size(); ++i) {
      recv_slots_[i] = runtime::RecvSlot::over(recv_bufs_[i].data(), recv_bufs_[i].size());
    }
    auto r = udp_.receive_batch(recv_slots_.data(), recv_slots_.size());
    if (!r.ok()) return false;  // would block, or a transient ICMP error on the socket
    ++counters_.udp_batches;
    core::Now t = loop_.clock().now();
    for (std::size_t i = 0; i < *r; ++i) {
      // A UDP_GRO slot holds several datagrams of one sender: each is handed on by itself.
      std::size_t k = split_datagrams(recv_slots_[i], gro_views_.data(), gro_views_.size(),
                                      counters_.offload);
      counters_.udp_datagrams_in += k;
      for (std::size_t j = 0; j < k; ++j) {
        const auto& s = gro_views_[j];
        dispatch(t, s.from, core::ByteView{s.data, s.size});
      }
    }
    finish_event(t);
    // A short batch does not mean the queue is empty now: datagrams keep arriving while the
    // core works. Reading again until the kernel says "would block" costs one system call;
    // going back to the loop and being woken costs more.
  }
  return true;  // still busy after every round: come back after the other sources
}

void DataPath::send_tun_packet(core::Now t, core::ByteView packet) {
  ++counters_.tun_packets_in;
  core::MutableBytes out = next_send_buffer(packet.size);  // may flush: no seal pending then
  wg::Output o;
  // The core numbers the datagram and copies the packet in (unless it lies there already: a
  // segment split in place); the seal waits for the batch, on the workers if there are any.
  {
    std::lock_guard<std::mutex> lock(core_.mu);
    o = core_.core->prepare_send(t, packet, out, seal_jobs_[seals_pending_]);
  }
  execute_prepared(o, out);
}

std::size_t DataPath::segment_tun_read(uint8_t* read, std::size_t size) {
  const bool vnet = tun_.vnet_hdr();
  const TunSegmenter::Bound bound = TunSegmenter::bound(vnet, read, size);
  if (bound.packets <= 1 || bound.packets > send_bufs_.positions()) {
    return segmenter_.segment(vnet, read, size, counters_.offload);
  }
  // A super-packet is split straight into the datagram buffers its segments will be sent from,
  // each where the core puts a datagram's body: segment i in the buffer next_send_buffer()
  // gives for it while every segment before it is queued, so the core copies nothing (one it
  // did not queue makes the rest move down a buffer, a copy each, as before).
  if (send_bufs_.positions() - send_queue_.size() < bound.packets) flush_sends();
  const std::size_t queued = send_queue_.size();
  for (std::size_t i = 0; i < bound.packets; ++i) {
    core::MutableBytes buf = send_bufs_.at(queued + i, bound.largest);
    split_targets_[i] = offload::Segment::over(buf.data + wg::kTransportHeaderSize,
                                               wg::output_capacity_for(bound.largest) -
                                                   wg::kTransportHeaderSize);
  }
  return segmenter_.segment_into(vnet, read, size, counters_.offload, split_targets_.data(),
                                 bound.packets);
}

bool DataPath::on_tun_readable() {
  core::Now t = loop_.clock().now();
  // Up to kBatch reads and about kBatch packets per wake-up: a super-packet counts its segments,
  // so the other direction gets its turn as often as with plain reads.
  std::size_t reads = 0;
  std::size_t packets = 0;
  for (; reads < kBatch && packets < kBatch; ++reads) {
    auto r = tun_.read(tun_buf_.data(), tun_buf_.size());
    if (!r.ok()) {
      if (runtime::is_would_block(r.error())) break;
      tun_watch_->stop();
      if (on_fatal_) on_fatal_(r.error());
      return false;
    }
    // One input after another, then one drain for the batch (finish_event): the core contract
    // asks for a drain after any input, not after each one. A super-packet's segments go to
    // the same peer one after another, so UDP GSO sends them as one message.
    std::size_t k = segment_tun_read(tun_buf_.data(), *r);
    for (std::size_t i = 0; i < k; ++i) send_tun_packet(t, segmenter_.packet(i));
    packets += k;
  }
  finish_event(t);
  return reads == kBatch || packets >= kBatch;
}

// The receive thread queued datagrams for us (we own UDP sends: runtime::UdpSocket's scratch is
// not shared), received some for a handler, and/or moved a deadline earlier.
void DataPath::on_wake() {
  uint64_t value = 0;
  (void)!::read(wake_.get(), &value, sizeof(value));
  std::vector<SharedCore::Datagram> to_send;
  std::vector<SharedCore::Datagram> received;
  {
    std::lock_guard<std::mutex> lock(core_.mu);
    core_.wake_pending = false;  // what the receive thread queues from now on wakes us again
    to_send.swap(core_.to_send);
    received.swap(core_.received);
  }
  core::Now t = loop_.clock().now();
  for (const auto& d : received) {
    if (DatagramHandler* h = handlers_[static_cast<std::size_t>(d.kind)]) {
      h->on_datagram(t, d.peer, core::ByteView{d.bytes.data(), d.bytes.size()});
    }
  }
  if (!to_send.empty()) {
    std::vector<runtime::SendItem> items;
    items.reserve(to_send.size());
    for (const auto& d : to_send) {
      items.push_back(runtime::SendItem{d.bytes.data(), d.bytes.size(), d.peer});
    }
    send_items(items.data(), items.size());
  }
  finish_event(t);
}

void DataPath::on_timer() {
  core::Now t = loop_.clock().now();
  Sink sink{*this};
  LockedCore core{core_};
  core::on_deadline(core, t, sink);
  flush_deliveries();
  run_after_event(t);
  rearm();
}

void DataPath::after_core_change() { finish_event(loop_.clock().now()); }

void DataPath::finish_event(core::Now now) {
  Sink sink{*this};
  LockedCore core{core_};
  core::drain_transmits(core, now, sink);
  flush_deliveries();
  run_after_event(now);
  rearm();
  schedule_handshakes();
}

void DataPath::run_after_event(core::Now now) {
  if (!after_event_ || in_after_event_) return;
  in_after_event_ = true;
  after_event_(now);
  in_after_event_ = false;
}

void DataPath::rearm() {
  std::lock_guard<std::mutex> lock(core_.mu);
  timer_.arm(core_.core->next_deadline());
  // The receive thread compares against this (under the same lock) to decide whether to wake
  // us for an earlier deadline.
  core_.armed_deadline = timer_.armed();
}

Status DataPath::rebind(uint16_t port) {
  auto s = runtime::UdpSocket::bind_any(port);
  if (!s.ok()) return s.error();
  (void)s->set_buffer_sizes(kSocketBufferBytes);
  if (mark_ != 0) (void)s->set_mark(mark_);
  // The receive thread reads the old descriptor until joined; stop it before replacing it.
  if (receiver_) receiver_->stop();
  flush_sends();
  udp_ = std::move(*s);
  enable_udp_offloads();
  if (receiver_) return receiver_->start(udp_.fd());
  if (udp_watch_) udp_watch_->rewatch(udp_.fd());
  return Ok{};
}

Status DataPath::set_mark(uint32_t mark) {
  if (auto s = udp_.set_mark(mark); !s.ok()) return s;
  mark_ = mark;
  return Ok{};
}

}  // namespace weft::dataplane
