// Reconnect policy of the control client: a short jittered retry while the server is unreachable,
// a doubling jittered backoff after refusals and server trouble, reset after a full map
// (docs/control-plane.md, "Control client"). C++17-clean.
#pragma once

#include <algorithm>
#include <cstdint>

#include "core/time.h"

namespace weft::controlclient {

/// Why a connection attempt ended, which decides the wait before the next one.
enum class Retry : uint8_t {
  /// Nothing heard from the server (a failed or timed-out dial, a connection lost before the
  /// server's first byte), or an established stream lost: the server or the path is away, and
  /// a probe costs it one SYN. Retried after the short unreachable delay.
  kUnreachable,
  /// The server answered and then refused, misbehaved, errored or stalled: retrying soon would
  /// add load to a server in trouble. Retried after the doubling backoff.
  kRefused,
};

/// "Equal jitter": a delay uniform in [ceiling / 2, ceiling] from 32 random bits. Half the
/// ceiling stays fixed so delays keep their scale; the random half spreads the reconnects of
/// many nodes, which would otherwise reach a returning server in lockstep.
inline core::Duration equal_jitter(core::Duration ceiling, uint32_t jitter) {
  const core::Duration half = ceiling / 2;
  const auto span = static_cast<uint64_t>((ceiling - half).count());
  // span * jitter / 2^32 without overflow: span is at most a few minutes in nanoseconds
  // (< 2^38), jitter < 2^32, so split span to keep the product under 2^64.
  const uint64_t scaled = (span >> 16) * jitter / (uint64_t{1} << 16) +
                          (span & 0xffff) * jitter / (uint64_t{1} << 32);
  return half + core::Duration(static_cast<int64_t>(scaled));
}

/// The wait before the next connection attempt.
class Backoff {
 public:
  /// Refusals: from `initial`, doubling up to `max`. Unreachable: always `unreachable` as the
  /// ceiling (no doubling), so the node is back within about that long of the server.
  Backoff(core::Duration initial, core::Duration max, core::Duration unreachable)
      : initial_(initial),
        max_(std::max(initial, max)),
        unreachable_(unreachable),
        ceiling_(initial) {}

  /// The delay before the next attempt after an attempt that ended for `why`, from 32 random
  /// bits. A refusal doubles the refusal ceiling; unreachability leaves it as it is, so a
  /// server that refuses again after an outage is not retried faster than before it.
  core::Duration next(Retry why, uint32_t jitter) {
    if (why == Retry::kUnreachable) return equal_jitter(unreachable_, jitter);
    const core::Duration delay = equal_jitter(ceiling_, jitter);
    ceiling_ = std::min(ceiling_ * 2, max_);
    return delay;
  }

  /// After a success: the next refusal's delay is drawn from the initial ceiling again.
  void reset() { ceiling_ = initial_; }
  /// The ceiling of the next refusal's delay.
  core::Duration ceiling() const { return ceiling_; }

 private:
  core::Duration initial_;
  core::Duration max_;
  core::Duration unreachable_;
  core::Duration ceiling_;
};

}  // namespace weft::controlclient
