// Why an offload step refused a packet: one value per cause, counted by the driver (the
// offload functions never throw and never log). C++17-clean.
#pragma once

#include <cstddef>
#include <cstdint>

namespace weft::offload {

enum class OffloadError : uint8_t {
  kNone = 0,
  kShortHeader,          ///< fewer than kVirtioNetHdrSize bytes before the packet
  kUnsupportedGsoType,   ///< gso_type other than NONE, TCPV4, TCPV6 (UDP GSO is never enabled)
  kGsoFamilyMismatch,    ///< TCPV4 on an IPv6 packet or TCPV6 on an IPv4 one
  kMalformedIp,          ///< truncated IP header, bad version or IHL, an IPv4 fragment, or a
                         ///< segment longer than the IP length field can say
  kNotTcp,               ///< a GSO packet whose transport is not TCP (IPv6: extension headers)
  kMalformedTcp,         ///< TCP header truncated or its data offset below 5 words
  kZeroGsoSize,          ///< gso_size 0 on a GSO packet
  kNoPayload,            ///< a GSO packet without TCP payload
  kBadChecksumOffsets,   ///< csum_start/csum_offset point outside the packet or at the wrong field
  kTooManySegments,      ///< the split needs more output buffers than the caller gave
  kBufferTooSmall,       ///< an output buffer cannot hold one segment
  kCount
};
inline constexpr std::size_t kOffloadErrorCount = static_cast<std::size_t>(OffloadError::kCount);

/// A stable lower-case name for counters and logs ("malformed_tcp").
const char* error_name(OffloadError e);

}  // namespace weft::offload
