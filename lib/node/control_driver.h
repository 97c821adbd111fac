// The Linux driver of one control core (control_core.h): dials the server through a
// ControlDialer, moves bytes between the byte pump and the core, keeps one timer at the core's
// next deadline and has the core dispatch its events (docs/control-plane.md, "Drivers").
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "core/random.h"
#include "core/time.h"
#include "node/control_core.h"
#include "node/control_dial.h"
#include "runtime/clock.h"
#include "util/result.h"

namespace boost::asio {
class io_context;
}

namespace weft::node {

/// What the driver itself counts (the core counts the protocol).
struct ControlConnectionCounters {
  uint64_t dials = 0;
  uint64_t dial_failures = 0;   // refused, unreachable, timed out: see last_dial_error()
  uint64_t disconnects = 0;     // an upgraded stream that ended by itself (not by the core)
  uint64_t bytes_received = 0;  // on the upgraded stream, as the server sent them
  uint64_t bytes_sent = 0;      // handed to the stream
  /// When bytes were last read from the stream (before the core took them): an event raised
  /// by those bytes was received then, and applied by the time the handler runs.
  core::Now last_read{};
};

struct ControlDriverOptions {
  /// Called when a dial fails (the same error as last_dial_error()), from the io_context, for
  /// the caller's log. It may stop or destroy the driver.
  std::function<void(const Error&)> on_dial_failed;
  /// The clock `now` comes from; null: a clock of the driver's own. Many drivers sharing one
  /// clock give times comparable across them (a load program's measurements).
  const runtime::MonotonicClock* clock = nullptr;
  /// The core's randomness (channel ephemerals, new node keys, backoff jitter); null: the
  /// kernel's (runtime::SystemRandom). Anything else only in tests and load programs.
  core::Random* rng = nullptr;
};

/// Drives one ControlCore over real connections.
///
/// Calling contract: single-threaded, on the io_context's thread. `dialer`, `io` and what the
/// options point to must outlive the driver. Thousands of drivers may share one io_context, one
/// dialer and one clock: each holds a timer, and while connected a byte pump (an idle
/// plain-TCP pump holds no read buffer).
///
/// Behaviour: whenever the core wants a connection it dials; a dial that fails counts, for the
/// core, as a connection that ended at once (connected() then disconnected(), its hello
/// dropped), so the core's jittered, doubling backoff spaces the retries and the core's
/// `connections` counter includes failed dials. Bytes the core sends go to the pump in order,
/// `close` as send-with-close-after; a stream that ends by itself is disconnected(). The one
/// timer follows next_deadline(); while a dial is in flight no reconnect deadline is armed (the
/// dial's own timeout bounds it). A stopped core (refused, removed, key expired) stays idle
/// until the caller changes it and calls post_drive().
class ControlDriver {
 public:
  /// The driver owns `core` (an adapter; what it refers to outlives the driver). Not yet
  /// connecting: call start().
  ControlDriver(boost::asio::io_context& io, ControlDialer& dialer,
                std::unique_ptr<ControlCore> core, ControlDriverOptions options = {});
  /// Closes the stream (dropping unwritten bytes) and cancels the timer; a dial in flight
  /// completes into nothing.
  ~ControlDriver();
  ControlDriver(const ControlDriver&) = delete;
  ControlDriver& operator=(const ControlDriver&) = delete;

  /// Starts connecting (from the io_context: nothing runs inside this call). Call once.
  void start();
  /// Closes the stream and stops dialing and timers for good; the core keeps its state.
  void stop();

  /// After the caller changed the core (a setter): flushes its bytes, dispatches its events,
  /// dials when it wants to and re-arms the timer — from the io_context, never inside this call.
  void post_drive();
  /// The same, now. For another driver of the same core (the data path, after running the
  /// engine's timers); from an event being dispatched it only asks for another round.
  void drive();
  /// Ends the open stream as if it was lost (the core reconnects after its backoff): for a
  /// stream whose socket is bound to an address the host no longer has, which would otherwise
  /// stay silent until TCP keepalive gives up. Nothing without a stream.
  void reconnect();

  /// The clock's `now`.
  core::Now now() const;
  const ControlConnectionCounters& counters() const;
  /// Why the last dial failed ("dial.refused" with the server's text, "dial.connect", ...);
  /// empty code when the last dial succeeded or none failed.
  const Error& last_dial_error() const;
  /// True while an upgraded stream is open.
  bool connected() const;
  /// True after stop() (or destruction began).
  bool stopped() const;

  struct Impl;  // control_driver.cc

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace weft::node
