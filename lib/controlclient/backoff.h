// Reconnect backoff of the control client: doubling from an initial delay to a maximum, with
// jitter, reset after a full map (docs/control-plane.md, "Control client"). C++17-clean.
#pragma once

#include <algorithm>
#include <cstdint>

#include "core/time.h"

namespace weft::controlclient {

/// "Equal jitter": each delay is uniform in [ceiling / 2, ceiling], and the ceiling doubles
/// after each attempt up to the maximum. Half the ceiling stays fixed so the delays still grow;
/// the random half spreads the reconnects of many nodes after a server restart, which would
/// otherwise arrive at the server in lockstep.
class Backoff {
 public:
  Backoff(core::Duration initial, core::Duration max)
      : initial_(initial), max_(std::max(initial, max)), ceiling_(initial) {}

  /// The delay before the next attempt, from 32 random bits; then the ceiling doubles.
  core::Duration next(uint32_t jitter) {
    const core::Duration half = ceiling_ / 2;
    const auto span = static_cast<uint64_t>((ceiling_ - half).count());
    // span * jitter / 2^32 without overflow: span is at most a few minutes in nanoseconds
    // (< 2^38), jitter < 2^32, so split span to keep the product under 2^64.
    const uint64_t scaled = (span >> 16) * jitter / (uint64_t{1} << 16) +
                            (span & 0xffff) * jitter / (uint64_t{1} << 32);
    const core::Duration delay = half + core::Duration(static_cast<int64_t>(scaled));
    ceiling_ = std::min(ceiling_ * 2, max_);
    return delay;
  }

  /// After a success: the next delay is drawn from the initial ceiling again.
  void reset() { ceiling_ = initial_; }
  /// The ceiling of the next delay.
  core::Duration ceiling() const { return ceiling_; }

 private:
  core::Duration initial_;
  core::Duration max_;
  core::Duration ceiling_;
};

}  // namespace weft::controlclient
