// struct virtio_net_hdr to and from its 10 little-endian bytes (virtio 1.x spec 5.1.6).
#include "offload/virtio_net_hdr.h"

namespace weft::offload {
namespace {

uint16_t get_le16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }

void put_le16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
}

}  // namespace

std::optional<VirtioNetHdr> parse_virtio_net_hdr(core::ByteView bytes) {
  if (bytes.data == nullptr || bytes.size < kVirtioNetHdrSize) return std::nullopt;
  const uint8_t* p = bytes.data;
  VirtioNetHdr h;
  h.flags = p[0];
  h.gso_type = p[1];
  h.hdr_len = get_le16(p + 2);
  h.gso_size = get_le16(p + 4);
  h.csum_start = get_le16(p + 6);
  h.csum_offset = get_le16(p + 8);
  return h;
}

void encode_virtio_net_hdr(const VirtioNetHdr& h, uint8_t* out) {
  out[0] = h.flags;
  out[1] = h.gso_type;
  put_le16(out + 2, h.hdr_len);
  put_le16(out + 4, h.gso_size);
  put_le16(out + 6, h.csum_start);
  put_le16(out + 8, h.csum_offset);
}

}  // namespace weft::offload
