// Datagram classification (see demux.h). STUN is recognised by its magic cookie and by its
// length field matching the datagram: WireGuard messages have zero bytes where STUN keeps the
// length, and no WireGuard message is 20 bytes long, so the two can never collide.
#include "dataplane/demux.h"

#include <cstring>

#include "disco/message.h"

namespace weft::dataplane {
namespace {

constexpr std::size_t kStunHeaderSize = 20;
constexpr uint8_t kStunMagicCookie[4] = {0x21, 0x12, 0xa4, 0x42};
// Smallest WireGuard message: transport data with an empty payload (header + tag).
constexpr std::size_t kMinWireGuardSize = 32;

bool is_stun(const uint8_t* d, std::size_t n) {
  if (n < kStunHeaderSize || (d[0] & 0xc0) != 0) return false;
  if (std::memcmp(d + 4, kStunMagicCookie, sizeof kStunMagicCookie) != 0) return false;
  std::size_t length = (std::size_t{d[2]} << 8) | d[3];
  return length % 4 == 0 && length == n - kStunHeaderSize;
}

bool is_wireguard(const uint8_t* d, std::size_t n) {
  return n >= kMinWireGuardSize && d[0] >= 1 && d[0] <= 4 && d[1] == 0 && d[2] == 0 &&
         d[3] == 0;
}

}  // namespace

DatagramClass classify(core::ByteView datagram) {
  const uint8_t* d = datagram.data;
  std::size_t n = datagram.size;
  if (disco::has_magic(datagram)) return DatagramClass::kDisco;
  if (is_stun(d, n)) return DatagramClass::kStun;
  if (is_wireguard(d, n)) return DatagramClass::kWireGuard;
  return DatagramClass::kUnknown;
}

const char* datagram_class_name(DatagramClass c) {
  switch (c) {
    case DatagramClass::kWireGuard: return "wireguard";
    case DatagramClass::kStun: return "stun";
    case DatagramClass::kDisco: return "disco";
    case DatagramClass::kUnknown:
    case DatagramClass::kCount: break;
  }
  return "unknown";
}

}  // namespace weft::dataplane
