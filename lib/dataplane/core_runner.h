// Runs one more sans-IO core on the node loop beside the WireGuard core: its datagrams come
// from the data path's demultiplexer, its datagrams leave through the shared socket, and its
// next_deadline() is one DeadlineTimer — all through core/drive.h. STUN and discovery cores
// join a node this way without touching the WireGuard data path.
#pragma once

#include <cstdint>
#include <vector>

#include "core/drive.h"
#include "dataplane/datapath.h"
#include "dataplane/limits.h"
#include "dataplane/loop.h"

namespace weft::dataplane {

/// `Core` has receive_datagram(Now, const core::Path& from, ByteView, MutableBytes) -> Output,
/// poll_transmit, update_timers and next_deadline (core/drive.h). For its Output, argument-
/// dependent lookup finds is_idle(o) and datagram_destination(o): the core::Path to send
/// o.size bytes of the buffer to, or null when the output sends nothing.
template <class Core>
class CoreRunner final : public DatagramHandler {
 public:
  /// Registers for datagrams of `kind` on `path`. The core and the path outlive the runner.
  CoreRunner(Loop& loop, DataPath& path, DatagramClass kind, Core& core)
      : loop_(loop), path_(path), kind_(kind), core_(core), timer_(loop, [this] { on_timer(); }),
        buf_(kDatagramCapacity) {
    path_.set_handler(kind_, this);
  }
  ~CoreRunner() override { path_.set_handler(kind_, nullptr); }
  CoreRunner(const CoreRunner&) = delete;
  CoreRunner& operator=(const CoreRunner&) = delete;

  void on_datagram(core::Now now, const core::SocketAddress& from,
                   core::ByteView datagram) override {
    core::handle_input(core_, now, *this, [&](core::MutableBytes out) {
      return core_.receive_datagram(now, core::Path::to_udp(from), datagram, out);
    });
    timer_.arm(core_.next_deadline());
  }

  /// After calling into the core directly (a command, a new config): send what it queued.
  void kick() {
    core::drain_transmits(core_, loop_.clock().now(), *this);
    timer_.arm(core_.next_deadline());
  }

  // The sink of core/drive.h.
  core::MutableBytes buffer() { return core::MutableBytes{buf_.data(), buf_.size()}; }
  template <class Output>
  void execute(const Output& o, core::MutableBytes b) {
    const core::Path* to = datagram_destination(o);
    if (to == nullptr) return;
    if (!to->is_udp()) {
      ++unsendable_;  // relayed paths arrive with the relays issue
      return;
    }
    path_.send(to->udp, core::ByteView{b.data, o.size});
  }

  uint64_t unsendable() const { return unsendable_; }

 private:
  void on_timer() {
    core::on_deadline(core_, loop_.clock().now(), *this);
    timer_.arm(core_.next_deadline());
  }

  Loop& loop_;
  DataPath& path_;
  DatagramClass kind_;
  Core& core_;
  DeadlineTimer timer_;
  std::vector<uint8_t> buf_;
  uint64_t unsendable_ = 0;
};

}  // namespace weft::dataplane
