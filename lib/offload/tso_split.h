// TSO for a TUN opened with IFF_VNET_HDR: splits a TCP super-packet the kernel handed over
// (virtio-net header + up to 64 KiB) into segments of gso_size payload bytes, each a complete
// packet with its own IP header and full TCP checksum; and completes the partial checksum of
// a single packet flagged VIRTIO_NET_HDR_F_NEEDS_CSUM. No allocation, no syscalls. C++17-clean.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/bytes.h"
#include "offload/error.h"
#include "offload/virtio_net_hdr.h"

namespace weft::offload {

/// One output buffer: the caller sets data/capacity, split() sets size.
struct Segment {
  uint8_t* data = nullptr;
  std::size_t capacity = 0;
  std::size_t size = 0;  ///< out: bytes of the segment written at data

  static Segment over(uint8_t* data, std::size_t capacity) {
    Segment s;
    s.data = data;
    s.capacity = capacity;
    return s;
  }
};

/// What split() did: `count` segments written to out[0, count), or an error (count 0).
struct SplitResult {
  std::size_t count = 0;
  OffloadError error = OffloadError::kNone;
  bool ok() const { return error == OffloadError::kNone; }
};

/// Splits `packet` (the bytes after the virtio-net header `hdr`) into out[0, n).
///
/// gso_type NONE: copies the packet into out[0] (count 1), completing its checksum first when
/// NEEDS_CSUM is set (see complete_checksum; a caller that wants no copy calls that in place).
/// gso_type TCPV4 / TCPV6 (the ECN bit allowed): ceil(payload / gso_size) segments, each the
/// headers followed by gso_size payload bytes (the last: the rest), with IPv4 total length,
/// identification (+1 per segment) and header checksum, or IPv6 payload length, rewritten;
/// sequence number advanced; FIN and PSH kept on the last segment only, CWR on the first only;
/// the full TCP checksum computed (whether or not NEEDS_CSUM was set). hdr_len is not
/// trusted: the header length comes from parsing the packet (as the kernel's forwarding path
/// may report the whole first packet there).
///
/// Errors (nothing usable written): kUnsupportedGsoType, kGsoFamilyMismatch, kMalformedIp,
/// kNotTcp, kMalformedTcp, kZeroGsoSize, kNoPayload, kBadChecksumOffsets (NEEDS_CSUM with
/// csum_start not at the TCP header or csum_offset not 16; for NONE, outside the packet),
/// kTooManySegments (more than n needed), kBufferTooSmall (a segment exceeds its buffer).
SplitResult split(const VirtioNetHdr& hdr, core::ByteView packet, Segment* out, std::size_t n);

/// Completes in place the checksum of a non-GSO packet flagged NEEDS_CSUM: the field at
/// csum_start + csum_offset holds the pseudo-header sum; it becomes the complement of the sum
/// over [csum_start, end) (0 becomes 0xffff, as the kernel writes it). Works for TCP and UDP
/// alike. Without NEEDS_CSUM nothing changes. Errors: kBadChecksumOffsets (the range or the
/// field outside the packet).
OffloadError complete_checksum(const VirtioNetHdr& hdr, core::MutableBytes packet);

}  // namespace weft::offload
