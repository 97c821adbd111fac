// TunSegmenter (see tun_segmenter.h): the virtio-net header parsed, a single packet's partial
// checksum completed in place, a TCP super-packet split into MTU-sized segments.
#include "dataplane/tun_segmenter.h"

#include <algorithm>

#include "offload/virtio_net_hdr.h"

namespace weft::dataplane {
namespace {

// Room for one segment's IP and TCP headers beyond its payload (IPv4 60 + TCP 60).
constexpr std::size_t kMaxHeaders = 120;
// The split area: every segment of a 64 KiB payload with its own headers, at any MSS the
// segment count allows.
constexpr std::size_t kAreaSize = 65535 + TunSegmenter::kMaxSegments * kMaxHeaders;

void count(OffloadCounters& counters, offload::OffloadError e) {
  ++counters.tun_offload_errors[static_cast<std::size_t>(e)];
}

}  // namespace

TunSegmenter::TunSegmenter() : area_(kAreaSize), segments_(kMaxSegments) {}

TunSegmenter::Bound TunSegmenter::bound(bool vnet, const uint8_t* read, std::size_t size) {
  if (!vnet) return Bound{1, size};
  auto hdr = offload::parse_virtio_net_hdr(core::ByteView{read, size});
  if (!hdr) return Bound{1, size};
  const std::size_t packet_size = size - offload::kVirtioNetHdrSize;
  if (hdr->gso_type == offload::kVirtioNetHdrGsoNone || hdr->gso_size == 0) {
    return Bound{1, packet_size};
  }
  // The payload is less than the packet, so the count is never below the split's; a segment
  // is its headers (at most kMaxHeaders) and at most gso_size bytes of payload.
  const std::size_t mss = hdr->gso_size;
  const std::size_t largest = mss + kMaxHeaders < packet_size ? mss + kMaxHeaders : packet_size;
  return Bound{(packet_size + mss - 1) / mss, largest};
}

std::size_t TunSegmenter::segment(bool vnet, uint8_t* read, std::size_t size,
                                  OffloadCounters& counters) {
  return segment_into(vnet, read, size, counters, nullptr, 0);
}

std::size_t TunSegmenter::segment_into(bool vnet, uint8_t* read, std::size_t size,
                                       OffloadCounters& counters, offload::Segment* out,
                                       std::size_t n) {
  if (!vnet) {
    segments_[0] = offload::Segment{read, size, size};
    return 1;
  }
  auto hdr = offload::parse_virtio_net_hdr(core::ByteView{read, size});
  if (!hdr) {
    count(counters, offload::OffloadError::kShortHeader);
    return 0;
  }
  uint8_t* packet = read + offload::kVirtioNetHdrSize;
  std::size_t packet_size = size - offload::kVirtioNetHdrSize;
  if (hdr->gso_type == offload::kVirtioNetHdrGsoNone) {
    // No copy: the checksum the kernel left partial is finished where the packet lies.
    offload::OffloadError e = offload::complete_checksum(*hdr, {packet, packet_size});
    if (e != offload::OffloadError::kNone) {
      count(counters, e);
      return 0;
    }
    segments_[0] = offload::Segment{packet, packet_size, packet_size};
    return 1;
  }
  if (out == nullptr) {
    // Each segment gets gso_size payload bytes and its headers; as many buffers as fit the area.
    std::size_t capacity = static_cast<std::size_t>(hdr->gso_size) + kMaxHeaders;
    n = area_.size() / capacity;
    if (n > kMaxSegments) n = kMaxSegments;
    for (std::size_t i = 0; i < n; ++i) {
      segments_[i] = offload::Segment::over(area_.data() + i * capacity, capacity);
    }
    out = segments_.data();
  }
  if (n > kMaxSegments) n = kMaxSegments;
  offload::SplitResult r = offload::split(*hdr, core::ByteView{packet, packet_size}, out, n);
  if (!r.ok()) {
    count(counters, r.error);
    return 0;
  }
  if (out != segments_.data()) std::copy(out, out + r.count, segments_.begin());
  ++counters.tun_superpackets_in;
  counters.tun_segments_in += r.count;
  return r.count;
}

}  // namespace weft::dataplane
