// The virtio-net header a TUN opened with IFF_VNET_HDR puts before every packet (struct
// virtio_net_hdr of <linux/virtio_net.h>, virtio 1.x spec 5.1.6): its 10-byte wire form,
// little-endian as the TUN uses it on every host weft builds for. C++17-clean.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "core/bytes.h"

namespace weft::offload {

/// Size of struct virtio_net_hdr (TUNSETVNETHDRSZ is set to this; no num_buffers field).
inline constexpr std::size_t kVirtioNetHdrSize = 10;

// flags
inline constexpr uint8_t kVirtioNetHdrFNeedsCsum = 1;  ///< VIRTIO_NET_HDR_F_NEEDS_CSUM
inline constexpr uint8_t kVirtioNetHdrFDataValid = 2;  ///< VIRTIO_NET_HDR_F_DATA_VALID
// gso_type
inline constexpr uint8_t kVirtioNetHdrGsoNone = 0;     ///< VIRTIO_NET_HDR_GSO_NONE
inline constexpr uint8_t kVirtioNetHdrGsoTcpV4 = 1;    ///< VIRTIO_NET_HDR_GSO_TCPV4
inline constexpr uint8_t kVirtioNetHdrGsoUdp = 3;      ///< VIRTIO_NET_HDR_GSO_UDP (UFO)
inline constexpr uint8_t kVirtioNetHdrGsoTcpV6 = 4;    ///< VIRTIO_NET_HDR_GSO_TCPV6
inline constexpr uint8_t kVirtioNetHdrGsoUdpL4 = 5;    ///< VIRTIO_NET_HDR_GSO_UDP_L4 (USO)
inline constexpr uint8_t kVirtioNetHdrGsoEcn = 0x80;   ///< VIRTIO_NET_HDR_GSO_ECN (CWR was set)

struct VirtioNetHdr {
  uint8_t flags = 0;
  uint8_t gso_type = kVirtioNetHdrGsoNone;
  uint16_t hdr_len = 0;      ///< bytes of IP + transport headers (not trusted on input)
  uint16_t gso_size = 0;     ///< payload bytes of every segment but the last
  uint16_t csum_start = 0;   ///< offset where the checksummed range begins
  uint16_t csum_offset = 0;  ///< offset of the checksum field from csum_start
};

/// Reads the first kVirtioNetHdrSize bytes of `bytes`; nullopt when there are fewer. Any
/// field value is returned as is: the TSO splitter validates them against the packet.
std::optional<VirtioNetHdr> parse_virtio_net_hdr(core::ByteView bytes);

/// Writes `hdr` into out[0, kVirtioNetHdrSize).
void encode_virtio_net_hdr(const VirtioNetHdr& hdr, uint8_t* out);

}  // namespace weft::offload
