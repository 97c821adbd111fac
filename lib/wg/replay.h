// Sliding-window anti-replay for transport counters (whitepaper 5.4.6, RFC 6479): a ring of
// 128 64-bit blocks, so 8128 counters behind the highest one seen are tracked.
#pragma once

#include <array>
#include <cstdint>

#include "wg/constants.h"

namespace weft::wg {

class ReplayWindow {
 public:
  /// Accepts `counter` once: false when it was seen, lies left of the window, or is at or past
  /// RejectAfterMessages. Call only after the packet authenticated, so forgeries cannot move
  /// the window.
  bool check_and_update(uint64_t counter);
  void reset();

 private:
  uint64_t last_ = 0;
  std::array<uint64_t, kReplayRingBlocks> ring_{};
};

}  // namespace weft::wg
