// The node loop: one single-threaded Boost.Asio io_context that every source of a node joins —
// the data path's TUN and UDP descriptors, the UAPI or local API socket, and later the control
// stream (Beast) and relay connections — plus the two primitives the data path needs from it:
// readiness of a descriptor we read in batches ourselves, and one lazily re-armed deadline.
#pragma once

#include <functional>
#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/time.h"
#include "runtime/clock.h"

namespace weft::dataplane {

/// Owns the io_context. Sources register on io(); run() returns after stop(). Sources are
/// destroyed while the loop is not running, and before the loop.
class Loop {
 public:
  Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  boost::asio::io_context& io() { return io_; }
  const runtime::MonotonicClock& clock() const { return clock_; }
  /// Runs handlers until stop() (or until no source is registered).
  void run();
  /// Makes run() return after the current handler; safe from any handler.
  void stop();

 private:
  boost::asio::io_context io_;
  // Keeps run() from returning while every source happens to be idle.
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  runtime::MonotonicClock clock_;
};

/// Calls `on_readable` when a descriptor (owned elsewhere, nonblocking) becomes readable; the
/// callback reads in batches itself. It returns true when it stopped before draining (to let
/// other sources run), and is then called again soon without waiting for new data.
class ReadWatch {
 public:
  ReadWatch(Loop& loop, int fd, std::function<bool()> on_readable);
  /// Stops watching; the descriptor is not closed.
  ~ReadWatch();
  ReadWatch(const ReadWatch&) = delete;
  ReadWatch& operator=(const ReadWatch&) = delete;

  void start();
  /// Idempotent. The callback is not called after stop() returns.
  void stop();
  /// Watches `fd` instead (e.g. a socket rebound to another port), in the same state.
  void rewatch(int fd);

 private:
  void wait();
  void fire();

  boost::asio::posix::stream_descriptor fd_;
  std::function<bool()> on_readable_;
  // Bumped by stop(): a completion of an earlier generation is stale and ignored.
  uint64_t generation_ = 0;
  bool running_ = false;
};

/// One timer for a core's next_deadline(). arm() moves it only earlier (or from unarmed); a
/// deadline that moved later just costs one early wake-up, after which the owner re-arms.
class DeadlineTimer {
 public:
  DeadlineTimer(Loop& loop, std::function<void()> on_expiry);
  DeadlineTimer(const DeadlineTimer&) = delete;
  DeadlineTimer& operator=(const DeadlineTimer&) = delete;

  void arm(std::optional<core::Duration> deadline);
  /// The deadline the timer waits for, if any.
  std::optional<core::Duration> armed() const { return armed_; }
  void cancel();

 private:
  const runtime::MonotonicClock& clock_;
  boost::asio::steady_timer timer_;
  std::function<void()> on_expiry_;
  std::optional<core::Duration> armed_;
  uint64_t generation_ = 0;
};

}  // namespace weft::dataplane
