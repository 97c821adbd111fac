// The output buffers of one batch of the data path, one position per packet: a small buffer
// for what a ~1,500-byte MTU needs, all of them in one contiguous area, and a 64 KiB one for
// anything larger (docs/dataplane.md, "Offload path", "In the data path").
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/bytes.h"
#include "dataplane/limits.h"

namespace weft::dataplane {

/// Why two sizes: a batch of 64 KiB buffers puts every packet of the batch 64 KiB apart, the
/// period of the L2 cache's set index, so a batch of MTU-sized datagrams competes for a few
/// dozen cache sets while splitting, sealing and sending them; the small area keeps them
/// 2 KiB apart. Sized once; no allocation afterwards. Not thread-safe (one per thread).
class BatchBuffers {
 public:
  /// Bytes of a small buffer: an output of up to a 2,000-byte input (output_capacity_for).
  static constexpr std::size_t kSmall = 2048;

  explicit BatchBuffers(std::size_t positions)
      : positions_(positions), small_(positions * kSmall), large_(positions * kDatagramCapacity) {}
  BatchBuffers(const BatchBuffers&) = delete;
  BatchBuffers& operator=(const BatchBuffers&) = delete;

  std::size_t positions() const { return positions_; }
  /// Whether an input of `size` bytes gets a small buffer.
  static constexpr bool fits_small(std::size_t size) {
    return wg::output_capacity_for(size) <= kSmall;
  }
  /// The buffer of position `i` (< positions()) for an input of `size` bytes: it holds
  /// wg::output_capacity_for(size). A position's two buffers are apart, so the caller gives each
  /// position to one output at a time, whichever size it takes.
  core::MutableBytes at(std::size_t i, std::size_t size) {
    if (fits_small(size)) return core::MutableBytes{small_.data() + i * kSmall, kSmall};
    return core::MutableBytes{large_.data() + i * kDatagramCapacity, kDatagramCapacity};
  }
  /// Whether `p` points into one of the buffers.
  bool holds(const uint8_t* p) const {
    return (p >= small_.data() && p < small_.data() + small_.size()) ||
           (p >= large_.data() && p < large_.data() + large_.size());
  }

 private:
  std::size_t positions_;
  std::vector<uint8_t> small_;
  std::vector<uint8_t> large_;
};

}  // namespace weft::dataplane
