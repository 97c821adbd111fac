// The Internet checksum (RFC 1071) and the TCP/UDP pseudo-header sums of RFC 793 / RFC 8200
// section 8.1, as the splitter and the coalescer need them. C++17-clean.
#pragma once

#include <cstddef>
#include <cstdint>

namespace weft::offload {

/// One's-complement sum of data[0, size) read as big-endian 16-bit words (an odd last byte is
/// padded with zero), added to `initial`; folded to 16 bits, not inverted. Sums of pieces that
/// each start at an even offset of the covered range can be chained through `initial`.
uint16_t checksum_add(uint16_t initial, const uint8_t* data, std::size_t size);

/// One's-complement addition of two folded sums.
uint16_t checksum_combine(uint16_t a, uint16_t b);

/// The pseudo-header sum (addresses, protocol, upper-layer length) for IPv4 (`address_size`
/// 4) or IPv6 (16); folded, not inverted. This is what a checksum field holds while
/// VIRTIO_NET_HDR_F_NEEDS_CSUM is set.
uint16_t pseudo_header_sum(const uint8_t* src, const uint8_t* dst, std::size_t address_size,
                           uint8_t protocol, uint32_t length);

/// The value to store in a checksum field from the folded sum of everything it covers
/// (with the field itself zero): the complement.
inline uint16_t checksum_finish(uint16_t sum) { return static_cast<uint16_t>(~sum); }

}  // namespace weft::offload
