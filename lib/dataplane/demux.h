// Sorts the datagrams arriving on a node's one UDP socket by their first bytes: WireGuard
// messages go to the WireGuard core, STUN (RFC 5389) and discovery messages to their own cores.
// No WireGuard message can be mistaken for either (see demux.cc). C++17-clean.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/bytes.h"

namespace weft::dataplane {

enum class DatagramClass : uint8_t {
  kWireGuard,  ///< message types 1..4 with three zero bytes (whitepaper 5.4)
  kStun,       ///< RFC 5389 header: top bits 00, magic cookie, length = size - 20
  kDisco,      ///< weft's discovery magic prefix (disco::kMagic, disco/message.h)
  kUnknown,    ///< none of the above: dropped and counted
  kCount
};
inline constexpr std::size_t kDatagramClassCount = static_cast<std::size_t>(DatagramClass::kCount);

/// The class of one datagram. Never fails; a short or odd datagram is kUnknown.
DatagramClass classify(core::ByteView datagram);

/// "wireguard", "stun", "disco", "unknown".
const char* datagram_class_name(DatagramClass c);

}  // namespace weft::dataplane
