// The TUN read side of the offload path (docs/dataplane.md, "Offload path"): turns what one read
// of a vnet-hdr TUN returned (virtio-net header + packet or TCP super-packet) into the plain IP
// packets the core seals, with lib/offload's splitter; a plain TUN's read passes as it is.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/bytes.h"
#include "dataplane/offload_counters.h"
#include "offload/tso_split.h"

namespace weft::dataplane {

class TunSegmenter {
 public:
  /// Most segments one super-packet may give: a 64 KiB payload at an MSS of 256 bytes. A
  /// smaller MSS than that is refused (kTooManySegments) and counted.
  static constexpr std::size_t kMaxSegments = 256;

  TunSegmenter();
  TunSegmenter(const TunSegmenter&) = delete;
  TunSegmenter& operator=(const TunSegmenter&) = delete;

  /// The packets of one TUN read of `size` bytes at `read` (`vnet`: the TUN is in vnet-hdr
  /// mode, the read starts with the virtio-net header). Returns how many; packet(i) views
  /// them until the next call. A plain read, or a vnet read without GSO, is one packet in
  /// place (a partial checksum completed there); a super-packet is split into this object's
  /// buffers. A refused read gives 0 and is counted in `counters` by cause.
  std::size_t segment(bool vnet, uint8_t* read, std::size_t size, OffloadCounters& counters);
  core::ByteView packet(std::size_t i) const {
    return core::ByteView{segments_[i].data, segments_[i].size};
  }

 private:
  std::vector<uint8_t> area_;
  std::vector<offload::Segment> segments_;
};

}  // namespace weft::dataplane
