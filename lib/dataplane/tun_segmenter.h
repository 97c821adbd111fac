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
  /// segment(), but a super-packet is split into the caller's buffers `out[0, n)` (where the
  /// core will seal each segment, so that it is not copied again); `n` at least
  /// bound(vnet, read, size).packets, each buffer at least its `largest` bytes. packet(i) views
  /// them.
  std::size_t segment_into(bool vnet, uint8_t* read, std::size_t size, OffloadCounters& counters,
                           offload::Segment* out, std::size_t n);
  /// What segment() may give for a read, before the split checks anything: at least as many
  /// packets (1 but for a super-packet: its size over the header's gso_size, rounded up), none
  /// longer than `largest` bytes.
  struct Bound {
    std::size_t packets = 1;
    std::size_t largest = 0;
  };
  static Bound bound(bool vnet, const uint8_t* read, std::size_t size);
  core::ByteView packet(std::size_t i) const {
    return core::ByteView{segments_[i].data, segments_[i].size};
  }

 private:
  std::vector<uint8_t> area_;
  std::vector<offload::Segment> segments_;
};

}  // namespace weft::dataplane
