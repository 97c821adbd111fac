// The STUN listener: recvmmsg batch -> stun::Server per datagram -> one sendmmsg of the answers.
// Nothing is allocated per datagram; a failed send is counted and dropped (clients retry).
#include "relayserver/stun_listener.h"

#include "runtime/sys_error.h"

namespace weft::relayserver {

Result<std::unique_ptr<StunListener>> StunListener::open(dataplane::Loop& loop,
                                                         const core::SocketAddress& local) {
  auto socket = runtime::UdpSocket::bind(local);
  if (!socket.ok()) return socket.error();
  return std::unique_ptr<StunListener>(new StunListener(loop, std::move(*socket)));
}

Result<std::unique_ptr<StunListener>> StunListener::open_any(dataplane::Loop& loop, uint16_t port) {
  auto socket = runtime::UdpSocket::bind_any(port);
  if (!socket.ok()) return socket.error();
  return std::unique_ptr<StunListener>(new StunListener(loop, std::move(*socket)));
}

StunListener::StunListener(dataplane::Loop& loop, runtime::UdpSocket socket)
    : loop_(loop),
      socket_(std::move(socket)),
      recv_bufs_(kBatch),
      recv_slots_(kBatch),
      send_bufs_(kBatch),
      send_items_(kBatch) {
  watch_.emplace(loop_, socket_.fd(), [this] { return on_readable(); });
  watch_->start();
}

StunListener::~StunListener() { stop(); }

void StunListener::stop() {
  if (watch_) watch_->stop();
}

bool StunListener::on_readable() {
  for (int round = 0; round < kRoundsPerWake; ++round) {
    for (std::size_t i = 0; i < kBatch; ++i) {
      recv_slots_[i] = runtime::RecvSlot::over(recv_bufs_[i].data(), recv_bufs_[i].size());
    }
    auto r = socket_.receive_batch(recv_slots_.data(), kBatch);
    if (!r.ok()) return false;  // would block, or a transient ICMP error on the socket
    stats_.datagrams_in += *r;
    std::size_t answers = 0;
    for (std::size_t i = 0; i < *r; ++i) {
      const runtime::RecvSlot& s = recv_slots_[i];
      const stun::Output o = server_.receive_datagram(
          s.from, core::ByteView{s.data, s.size},
          core::MutableBytes{send_bufs_[answers].data(), send_bufs_[answers].size()});
      if (o.action != stun::Action::kSendDatagram) continue;
      send_items_[answers] = runtime::SendItem{send_bufs_[answers].data(), o.size, o.to};
      ++answers;
    }
    stats_.server = server_.stats();
    // sendmmsg reports an error for the first datagram only: drop it and go on with the rest.
    for (std::size_t done = 0; done < answers;) {
      auto sent = socket_.send_batch(send_items_.data() + done, answers - done);
      if (!sent.ok()) {
        ++stats_.send_failures;
        ++done;
        continue;
      }
      if (*sent == 0) {
        stats_.send_failures += answers - done;
        break;
      }
      stats_.answers_sent += *sent;
      done += *sent;
    }
  }
  return true;  // still busy after every round: come back after the other sources
}

}  // namespace weft::relayserver
