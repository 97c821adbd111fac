// Time as every sans-IO core receives it: a monotonic clock for timers and a wall clock for
// protocol timestamps (TAI64N), both read by the driver and handed in. C++17-clean.
#pragma once

#include <chrono>

namespace weft::core {

/// A span or a point on the driver's monotonic clock (counted from the driver's epoch).
using Duration = std::chrono::nanoseconds;

/// Wall-clock time, for protocol timestamps and "last seen" reports only.
using WallTime = std::chrono::system_clock::time_point;

/// The time of one call into a core. The driver reads both clocks; a core reads neither.
struct Now {
  Duration mono{};
  WallTime wall{};
};

}  // namespace weft::core
