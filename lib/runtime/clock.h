// The driver's clocks as a core's `Now`: a monotonic value counted from the driver's epoch (for
// timers) and the wall clock (for protocol timestamps). One per process, shared by its threads.
#pragma once

#include <chrono>

#include "core/time.h"

namespace weft::runtime {

class MonotonicClock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  MonotonicClock() : epoch_(std::chrono::steady_clock::now()) {}

  core::Now now() const {
    core::Now n;
    n.mono = std::chrono::duration_cast<core::Duration>(std::chrono::steady_clock::now() - epoch_);
    n.wall = std::chrono::system_clock::now();
    return n;
  }
  /// The steady-clock instant of a core deadline on this clock.
  TimePoint at(core::Duration mono) const {
    return epoch_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(mono);
  }

 private:
  TimePoint epoch_;
};

}  // namespace weft::runtime
