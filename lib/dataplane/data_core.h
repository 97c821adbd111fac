// What the data path drives: the data surface of the WireGuard core (lib/wg/device.h's calling
// contract), as an interface, so `weft tunnel` runs a bare wg::Device and `weft up` the node
// engine that wraps one with its packet filter and control client (docs/dataplane.md, "Driver").
// C++17-clean.
#pragma once

#include <optional>

#include "core/bytes.h"
#include "core/path.h"
#include "core/time.h"
#include "wg/device.h"

namespace weft::dataplane {

/// The calls the data path makes, each with wg::Device's contract: one wg::Output per call in
/// a caller-owned buffer, drained with poll_transmit() after any input until it is idle,
/// update_timers() once next_deadline() has passed. Never throws. The data path makes every call
/// with its core lock held (DataPath::with_core), from the loop thread or the receive thread,
/// never two at once.
class DataCore {
 public:
  virtual ~DataCore() = default;

  /// A UDP datagram of the WireGuard class arrived from `from`.
  virtual wg::Output receive_datagram(core::Now now, const core::Path& from,
                                      core::ByteView datagram, core::MutableBytes out) = 0;
  /// An IP packet was read from the tunnel.
  virtual wg::Output send_packet(core::Now now, core::ByteView ip_packet,
                                 core::MutableBytes out) = 0;
  /// The next pending datagram (Action::kNone when there is none).
  virtual wg::Output poll_transmit(core::Now now, core::MutableBytes out) = 0;
  /// Runs the timers that are due.
  virtual void update_timers(core::Now now) = 0;
  /// Earliest time update_timers() has work to do; nullopt when no timer is armed.
  virtual std::optional<core::Duration> next_deadline() const = 0;
  /// The driver's load signal for handshakes (whitepaper 5.3), set before each handshake message.
  virtual void set_under_load(bool under_load) = 0;

  // Parallel crypto (docs/dataplane.md, "Workers"): the same inputs with the AEAD left to the
  // data path's workers, with wg::Device's contract for its CryptoJob entry points. A core
  // without them keeps these defaults, which do the whole work at once (the job stays kNone).

  /// send_packet() leaving the seal of a kSendDatagram result to the caller (job.kind kSeal).
  virtual wg::Output prepare_send(core::Now now, core::ByteView ip_packet,
                                  core::MutableBytes out, wg::CryptoJob& job) {
    job.kind = wg::CryptoJob::Kind::kNone;
    return send_packet(now, ip_packet, out);
  }
  /// receive_datagram() leaving the open of a data message to the caller (job.kind kOpen).
  virtual wg::Output prepare_receive(core::Now now, const core::Path& from,
                                     core::ByteView datagram, core::MutableBytes out,
                                     wg::CryptoJob& job) {
    job.kind = wg::CryptoJob::Kind::kNone;
    return receive_datagram(now, from, datagram, out);
  }
  /// Finishes a job prepare_receive() handed out, once opened, in the order they were prepared.
  virtual wg::Output complete_receive(core::Now, const core::Path&, wg::CryptoJob& job,
                                      core::MutableBytes) {
    job.kind = wg::CryptoJob::Kind::kNone;
    return wg::Output{};
  }
};

/// Adapts any type with that surface (wg::Device, the node engine) without making it derive
/// from DataCore: the adapter holds a reference, and `T` outlives it.
template <class T>
class DataCoreOf final : public DataCore {
 public:
  explicit DataCoreOf(T& core) : core_(core) {}

  T& get() { return core_; }
  const T& get() const { return core_; }

  wg::Output receive_datagram(core::Now now, const core::Path& from, core::ByteView datagram,
                              core::MutableBytes out) override {
    return core_.receive_datagram(now, from, datagram, out);
  }
  wg::Output send_packet(core::Now now, core::ByteView ip_packet,
                         core::MutableBytes out) override {
    return core_.send_packet(now, ip_packet, out);
  }
  wg::Output poll_transmit(core::Now now, core::MutableBytes out) override {
    return core_.poll_transmit(now, out);
  }
  void update_timers(core::Now now) override { core_.update_timers(now); }
  std::optional<core::Duration> next_deadline() const override { return core_.next_deadline(); }
  void set_under_load(bool under_load) override { core_.set_under_load(under_load); }
  wg::Output prepare_send(core::Now now, core::ByteView ip_packet, core::MutableBytes out,
                          wg::CryptoJob& job) override {
    return core_.send_packet(now, ip_packet, out, job);
  }
  wg::Output prepare_receive(core::Now now, const core::Path& from, core::ByteView datagram,
                             core::MutableBytes out, wg::CryptoJob& job) override {
    return core_.receive_datagram(now, from, datagram, out, job);
  }
  wg::Output complete_receive(core::Now now, const core::Path& from, wg::CryptoJob& job,
                              core::MutableBytes out) override {
    return core_.complete_receive(now, from, job, out);
  }

 private:
  T& core_;
};

}  // namespace weft::dataplane
