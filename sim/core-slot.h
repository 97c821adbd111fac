// One sans-IO core of any type (via CoreTraits) on one simulated UDP socket, driven by
// lib/core/drive.h (design brief, "two drivers"), with one ns-3 event at its next_deadline().
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "core/bytes.h"
#include "core/drive.h"
#include "core/path.h"
#include "core/time.h"
#include "ns3/event-id.h"
#include "ns3/node.h"
#include "ns3/nstime.h"
#include "ns3/packet.h"
#include "ns3/ptr.h"
#include "ns3/socket.h"
#include "ns3/traced-callback.h"

namespace weft::sim {

/// What the simulator does with one output of a core, whatever the core's own Output type.
enum class EffectKind : uint8_t {
  kNone,          ///< nothing to do (the core is idle, or the input was consumed)
  kSendDatagram,  ///< send buffer[0, size) from the slot's socket to `to`
  kDeliver,       ///< hand buffer[0, size) to the harness (a tunnel packet, an event)
  kDrop,          ///< the input was dropped for reason number `drop` (counted by the slot)
};

struct Effect {
  EffectKind kind = EffectKind::kNone;
  std::size_t size = 0;  ///< kSendDatagram, kDeliver
  core::Path to{};       ///< kSendDatagram
  std::size_t drop = 0;  ///< kDrop: an index below CoreTraits<Core>::kDropReasons

  static Effect Send(std::size_t size, const core::Path& to) {
    return Effect{EffectKind::kSendDatagram, size, to, 0};
  }
  static Effect Deliver(std::size_t size) { return Effect{EffectKind::kDeliver, size, {}, 0}; }
  /// `reason` is the core's drop-reason enumerator.
  template <class Reason>
  static Effect Drop(Reason reason) {
    return Effect{EffectKind::kDrop, 0, {}, static_cast<std::size_t>(reason)};
  }
};

/// How the simulator reads one core type. Specialize it beside the core's sim wrapper with
///   static constexpr std::size_t kOutputCapacity;  // output buffer for a 65,535-byte input
///   static constexpr std::size_t kDropReasons;     // drop reasons are indices below this
///   static Effect effect(const Output& output);    // the core's Output as an Effect
/// The core itself needs what lib/core/drive.h asks for, plus
///   Output receive_datagram(core::Now, const core::Path&, core::ByteView, core::MutableBytes).
template <class Core>
struct CoreTraits;

/// Largest UDP payload: any datagram the simulated network carries fits a slot's input buffer.
inline constexpr std::size_t kMaxDatagram = 65535;

/// The core-independent half of a slot: socket, timer event, buffers, counters and traces.
/// CoreSlotOf<Core> supplies the calls into the core.
class CoreSlot {
 public:
  typedef ns3::Callback<void, ns3::Ptr<const ns3::Packet>, const ns3::Address&> DatagramCallback;
  typedef ns3::Callback<void, ns3::Ptr<const ns3::Packet>> DeliverCallback;

  CoreSlot(uint16_t port, std::size_t output_capacity, std::size_t drop_reasons);
  virtual ~CoreSlot();
  CoreSlot(const CoreSlot&) = delete;
  CoreSlot& operator=(const CoreSlot&) = delete;

  /// Binds the slot's UDP port on `node` and arms the timer; `wall_epoch` is the origin of every
  /// `now.wall` handed to the core.
  void Start(ns3::Ptr<ns3::Node> node, core::WallTime wall_epoch);
  /// Silences this core alone: socket closed, timer cancelled, the core's state kept untouched.
  void Stop();
  bool IsRunning() const { return m_running; }
  uint16_t GetPort() const { return m_port; }

  /// Observers: every datagram sent (with its destination), every datagram handed to the core
  /// (with its source), every output the core delivered to the harness.
  void TraceDatagramTx(const DatagramCallback& cb) { m_datagramTx.ConnectWithoutContext(cb); }
  void TraceDatagramRx(const DatagramCallback& cb) { m_datagramRx.ConnectWithoutContext(cb); }
  void TraceDeliver(const DeliverCallback& cb) { m_deliver.ConnectWithoutContext(cb); }
  /// Called after every call into the core (an input, its timers, the start) once the timer is
  /// re-armed: where a driver polls the core's other queues (control transmits, events) and
  /// asks whether the core wants a connection.
  void TraceAfterCall(const ns3::Callback<void>& cb) { m_afterCall.ConnectWithoutContext(cb); }

  uint64_t GetDrops(std::size_t reason) const { return m_drops.at(reason); }
  uint64_t GetTotalDrops() const;
  uint64_t GetTimerFirings() const { return m_timerFirings; }
  /// Simulated time the timer event last fired; negative if it never did.
  ns3::Time GetLastTimerFiring() const { return m_lastTimerFiring; }
  /// Timer events that found the core's deadline not yet due (a stale event; 0 when healthy).
  uint64_t GetEarlyWakeups() const { return m_earlyWakeups; }
  /// Times the timers left the deadline at or before `now` (a core bug; 0 when healthy).
  uint64_t GetStuckDeadlines() const { return m_stuckDeadlines; }
  /// Datagrams the core asked to send to a path the simulation cannot express.
  uint64_t GetUnsendable() const { return m_unsendable; }
  /// None of the three core bugs above was seen.
  bool IsHealthy() const {
    return m_earlyWakeups == 0 && m_stuckDeadlines == 0 && m_unsendable == 0;
  }
  /// Simulated time the single timer event is armed for; negative when none is armed.
  ns3::Time GetArmedDeadline() const;

 protected:
  /// The calls into the core, written with lib/core/drive.h by CoreSlotOf<Core>.
  virtual core::DrainResult ReceiveDatagram(core::Now now, const core::Path& from,
                                            core::ByteView datagram) = 0;
  /// core::on_deadline: false when the deadline was not due (nothing done).
  virtual bool RunTimers(core::Now now) = 0;
  virtual core::DrainResult Drain(core::Now now) = 0;
  virtual bool DeadlineDue(core::Now now) const = 0;
  virtual std::optional<core::Duration> NextDeadline() const = 0;

  core::Now CoreNow() const;
  core::MutableBytes OutBuffer() { return core::MutableBytes{m_out.data(), m_out.size()}; }
  /// Carries out one output: sends, delivers or counts the drop.
  void Perform(const Effect& effect, core::MutableBytes buffer);
  /// After an input: continues an exhausted drain at once, then re-arms the timer.
  void Settle(const core::DrainResult& drained);

 private:
  void HandleRead(ns3::Ptr<ns3::Socket> socket);
  void HandleTimer();
  void ContinueDrain();
  /// Keeps the single timer event at the core's next_deadline().
  void Rearm();

  uint16_t m_port;
  bool m_running = false;
  core::WallTime m_wallEpoch{};
  ns3::Ptr<ns3::Socket> m_socket;
  ns3::EventId m_timer;
  ns3::Time m_timerAt;
  ns3::Time m_lastTimerFiring;
  ns3::EventId m_continuation;
  uint32_t m_continuations = 0;
  std::vector<uint8_t> m_in;
  std::vector<uint8_t> m_out;
  std::vector<uint64_t> m_drops;
  uint64_t m_timerFirings = 0;
  uint64_t m_earlyWakeups = 0;
  uint64_t m_stuckDeadlines = 0;
  uint64_t m_unsendable = 0;
  ns3::TracedCallback<ns3::Ptr<const ns3::Packet>, const ns3::Address&> m_datagramTx;
  ns3::TracedCallback<ns3::Ptr<const ns3::Packet>, const ns3::Address&> m_datagramRx;
  ns3::TracedCallback<ns3::Ptr<const ns3::Packet>> m_deliver;
  ns3::TracedCallback<> m_afterCall;
};

/// A slot owning one core of type Core.
template <class Core>
class CoreSlotOf final : public CoreSlot {
 public:
  CoreSlotOf(uint16_t port, std::unique_ptr<Core> core)
      : CoreSlot(port, CoreTraits<Core>::kOutputCapacity, CoreTraits<Core>::kDropReasons),
        m_core(std::move(core)),
        m_sink{this} {}

  Core& GetCore() { return *m_core; }
  const Core& GetCore() const { return *m_core; }

  /// A core-specific input (a tunnel packet, a command): `call(now, out)` makes the call and
  /// returns the core's Output; it is executed and the core drained. Ignored while stopped.
  template <class Call>
  void Input(Call&& call) {
    if (!IsRunning()) {
      return;
    }
    const core::Now now = CoreNow();
    Settle(core::handle_input(*m_core, now, m_sink,
                              [&](core::MutableBytes out) { return call(now, out); }));
  }

 protected:
  core::DrainResult ReceiveDatagram(core::Now now, const core::Path& from,
                                    core::ByteView datagram) override {
    return core::handle_input(*m_core, now, m_sink, [&](core::MutableBytes out) {
      return m_core->receive_datagram(now, from, datagram, out);
    });
  }
  bool RunTimers(core::Now now) override { return core::on_deadline(*m_core, now, m_sink); }
  core::DrainResult Drain(core::Now now) override {
    return core::drain_transmits(*m_core, now, m_sink);
  }
  bool DeadlineDue(core::Now now) const override { return core::deadline_due(*m_core, now); }
  std::optional<core::Duration> NextDeadline() const override { return m_core->next_deadline(); }

 private:
  /// The drive.h sink: the slot's output buffer, and each output performed as an Effect.
  struct Sink {
    CoreSlotOf* slot;
    core::MutableBytes buffer() { return slot->OutBuffer(); }
    template <class Output>
    void execute(const Output& output, core::MutableBytes buf) {
      slot->Perform(CoreTraits<Core>::effect(output), buf);
    }
  };

  std::unique_ptr<Core> m_core;
  Sink m_sink;
};

}  // namespace weft::sim
