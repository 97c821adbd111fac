// Sorts the datagrams arriving on a node's one UDP socket by their first bytes: WireGuard
// messages go to the WireGuard core, STUN (RFC 5389) and discovery messages to their own cores.
// No WireGuard message can be mistaken for either (see demux.cc). C++17-clean.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "core/bytes.h"

namespace weft::dataplane {

enum class DatagramClass : uint8_t {
  kWireGuard,  ///< message types 1..4 with three zero bytes (whitepaper 5.4)
  kStun,       ///< RFC 5389 header: top bits 00, magic cookie, length = size - 20
  kDisco,      ///< weft's discovery magic prefix
  kUnknown,    ///< none of the above: dropped and counted
  kCount
};
inline constexpr std::size_t kDatagramClassCount = static_cast<std::size_t>(DatagramClass::kCount);

/// The prefix of every discovery message. Its first byte (0x77) is never a WireGuard message
/// type, and 0x77 has the top bits 01, which STUN forbids.
inline constexpr std::array<uint8_t, 6> kDiscoMagic = {0x77, 0x65, 0x66, 0x74, 0xf0, 0x9f};

/// The class of one datagram. Never fails; a short or odd datagram is kUnknown.
DatagramClass classify(core::ByteView datagram);

/// "wireguard", "stun", "disco", "unknown".
const char* datagram_class_name(DatagramClass c);

}  // namespace weft::dataplane
