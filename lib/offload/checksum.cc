// RFC 1071 sums, computed on native 32-bit words into a 64-bit accumulator and swapped to
// network order once at the end (the sum is independent of byte order, RFC 1071 section 2(B)).
#include "offload/checksum.h"

#include <bit>
#include <cstring>

namespace weft::offload {
namespace {

constexpr bool kLittle = std::endian::native == std::endian::little;

uint16_t to_native(uint16_t be) { return kLittle ? __builtin_bswap16(be) : be; }

uint16_t fold(uint64_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}

}  // namespace

uint16_t checksum_add(uint16_t initial, const uint8_t* data, std::size_t size) {
  uint64_t sum = to_native(initial);
  // 2^32 additions of 32-bit words cannot overflow 64 bits; packets are far below that.
  while (size >= 16) {
    uint32_t w[4];
    std::memcpy(w, data, sizeof(w));
    sum += uint64_t{w[0]} + w[1] + w[2] + w[3];
    data += 16;
    size -= 16;
  }
  while (size >= 4) {
    uint32_t w;
    std::memcpy(&w, data, 4);
    sum += w;
    data += 4;
    size -= 4;
  }
  if (size >= 2) {
    uint16_t w;
    std::memcpy(&w, data, 2);
    sum += w;
    data += 2;
    size -= 2;
  }
  if (size == 1) {
    const uint8_t last[2] = {data[0], 0};
    uint16_t w;
    std::memcpy(&w, last, 2);
    sum += w;
  }
  return to_native(fold(sum));  // native -> network is the same swap
}

uint16_t checksum_combine(uint16_t a, uint16_t b) {
  return fold(uint64_t{a} + b);
}

uint16_t pseudo_header_sum(const uint8_t* src, const uint8_t* dst, std::size_t address_size,
                           uint8_t protocol, uint32_t length) {
  uint16_t sum = checksum_add(0, src, address_size);
  sum = checksum_add(sum, dst, address_size);
  sum = checksum_combine(sum, protocol);
  sum = checksum_combine(sum, static_cast<uint16_t>(length >> 16));
  return checksum_combine(sum, static_cast<uint16_t>(length & 0xffff));
}

}  // namespace weft::offload
