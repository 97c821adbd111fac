// RFC 6479 anti-replay bitmap: advancing past a block clears the blocks skipped over, so the
// check is O(1) amortized with no shifting of the whole bitmap.
#include "wg/replay.h"

namespace weft::wg {

void ReplayWindow::reset() {
  last_ = 0;
  ring_.fill(0);
}

bool ReplayWindow::check_and_update(uint64_t counter) {
  if (counter >= kRejectAfterMessages) return false;
  uint64_t block = counter / kReplayBitsPerBlock;
  if (counter > last_) {
    uint64_t current = last_ / kReplayBitsPerBlock;
    uint64_t diff = block - current;
    if (diff > kReplayRingBlocks) diff = kReplayRingBlocks;
    for (uint64_t i = 1; i <= diff; ++i) ring_[(current + i) % kReplayRingBlocks] = 0;
    last_ = counter;
  } else if (last_ - counter > kReplayWindowSize) {
    return false;
  }
  uint64_t& word = ring_[block % kReplayRingBlocks];
  uint64_t bit = uint64_t{1} << (counter % kReplayBitsPerBlock);
  if (word & bit) return false;
  word |= bit;
  return true;
}

}  // namespace weft::wg
