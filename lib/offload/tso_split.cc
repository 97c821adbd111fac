// The TSO splitter: one TCP super-packet from a vnet-hdr TUN into MTU-sized segments
// (what the kernel's tcp_gso_segment does for a device without TSO; RFC 9293 section 3.1
// for the header fields, RFC 791 / RFC 8200 for the IP lengths).
#include "offload/tso_split.h"

#include <cstring>

#include "offload/byte_order.h"
#include "offload/checksum.h"
#include "offload/ip_tcp.h"

namespace weft::offload {
namespace {

SplitResult fail(OffloadError e) { return SplitResult{0, e}; }

/// The single-packet case: a copy, with the checksum completed when asked.
SplitResult copy_one(const VirtioNetHdr& hdr, core::ByteView packet, Segment* out,
                     std::size_t n) {
  if (n == 0) return fail(OffloadError::kTooManySegments);
  if (packet.size > out[0].capacity) return fail(OffloadError::kBufferTooSmall);
  if (packet.size > 0) std::memcpy(out[0].data, packet.data, packet.size);
  const OffloadError e = complete_checksum(hdr, core::MutableBytes{out[0].data, packet.size});
  if (e != OffloadError::kNone) return fail(e);
  out[0].size = packet.size;
  return SplitResult{1, OffloadError::kNone};
}

}  // namespace

SplitResult split(const VirtioNetHdr& hdr, core::ByteView packet, Segment* out, std::size_t n) {
  const uint8_t gso = hdr.gso_type & static_cast<uint8_t>(~kVirtioNetHdrGsoEcn);
  if (gso == kVirtioNetHdrGsoNone) return copy_one(hdr, packet, out, n);
  if (gso != kVirtioNetHdrGsoTcpV4 && gso != kVirtioNetHdrGsoTcpV6) {
    return fail(OffloadError::kUnsupportedGsoType);
  }
  IpTcpLayout layout;
  if (const OffloadError e = parse_ip_tcp(packet, layout); e != OffloadError::kNone) return fail(e);
  if (layout.ipv6 != (gso == kVirtioNetHdrGsoTcpV6)) return fail(OffloadError::kGsoFamilyMismatch);
  if (hdr.gso_size == 0) return fail(OffloadError::kZeroGsoSize);
  if ((hdr.flags & kVirtioNetHdrFNeedsCsum) != 0 &&
      (hdr.csum_start != layout.ip_header_size || hdr.csum_offset != kTcpChecksumOffset)) {
    return fail(OffloadError::kBadChecksumOffsets);
  }
  const std::size_t headers = layout.headers_size();
  const std::size_t payload = packet.size - headers;
  if (payload == 0) return fail(OffloadError::kNoPayload);
  const std::size_t mss = hdr.gso_size;
  const std::size_t count = (payload + mss - 1) / mss;
  if (count > n) return fail(OffloadError::kTooManySegments);
  // The largest segment's length must fit the IP length field (a read beyond 64 KiB).
  const std::size_t largest = headers + (payload < mss ? payload : mss);
  if (largest - (layout.ipv6 ? kIpv6Header : 0) > 0xffff) return fail(OffloadError::kMalformedIp);
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t seg_payload = i + 1 < count ? mss : payload - i * mss;
    if (headers + seg_payload > out[i].capacity) return fail(OffloadError::kBufferTooSmall);
  }

  const uint8_t* in = packet.data;
  const std::size_t ip = layout.ip_header_size;
  const std::size_t address_size = layout.ipv6 ? 16 : 4;
  const uint8_t* src = in + (layout.ipv6 ? 8 : 12);
  const uint16_t addresses = checksum_add(checksum_add(0, src, address_size),
                                          src + address_size, address_size);
  const uint16_t id0 = load_be16(in + 4);
  const uint32_t seq0 = load_be32(in + ip + 4);
  const uint8_t flags = in[ip + 13];
  for (std::size_t i = 0; i < count; ++i) {
    const bool last = i + 1 == count;
    const std::size_t seg_payload = last ? payload - i * mss : mss;
    const std::size_t seg_size = headers + seg_payload;
    uint8_t* p = out[i].data;
    std::memcpy(p, in, headers);
    std::memcpy(p + headers, in + headers + i * mss, seg_payload);
    if (layout.ipv6) {
      store_be16(p + 4, static_cast<uint16_t>(seg_size - kIpv6Header));
    } else {
      store_be16(p + 2, static_cast<uint16_t>(seg_size));
      store_be16(p + 4, static_cast<uint16_t>(id0 + i));
      store_be16(p + 10, 0);
      store_be16(p + 10, checksum_finish(checksum_add(0, p, ip)));
    }
    uint8_t* tcp = p + ip;
    store_be32(tcp + 4, static_cast<uint32_t>(seq0 + i * mss));
    uint8_t f = flags;
    if (!last) f &= static_cast<uint8_t>(~(kTcpFin | kTcpPsh));
    if (i != 0) f &= static_cast<uint8_t>(~kTcpCwr);
    tcp[13] = f;
    store_be16(tcp + kTcpChecksumOffset, 0);
    const std::size_t tcp_size = seg_size - ip;
    uint16_t sum = checksum_combine(addresses, kIpProtoTcp);
    sum = checksum_combine(sum, static_cast<uint16_t>(tcp_size));
    sum = checksum_add(sum, tcp, tcp_size);
    store_be16(tcp + kTcpChecksumOffset, checksum_finish(sum));
    out[i].size = seg_size;
  }
  return SplitResult{count, OffloadError::kNone};
}

OffloadError complete_checksum(const VirtioNetHdr& hdr, core::MutableBytes packet) {
  if ((hdr.flags & kVirtioNetHdrFNeedsCsum) == 0) return OffloadError::kNone;
  const std::size_t start = hdr.csum_start;
  const std::size_t field = start + hdr.csum_offset;
  if (packet.data == nullptr || field + 2 > packet.size) return OffloadError::kBadChecksumOffsets;
  uint16_t value = checksum_finish(checksum_add(0, packet.data + start, packet.size - start));
  if (value == 0) value = 0xffff;
  store_be16(packet.data + field, value);
  return OffloadError::kNone;
}

}  // namespace weft::offload
