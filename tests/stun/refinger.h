// Test helper: rewrites a STUN message's header length and FINGERPRINT after a test edited its
// bytes, so the test reaches the check it means to reach.
#pragma once

#include <cstdint>
#include <vector>

#include "stun/message.h"

namespace weft::stun::test {

/// `m` must end with a FINGERPRINT attribute.
inline void refinger(std::vector<uint8_t>& m) {
  const std::size_t body = m.size() - kHeaderSize;
  m[2] = static_cast<uint8_t>(body >> 8);
  m[3] = static_cast<uint8_t>(body);
  const uint32_t fp = crc32(m.data(), m.size() - 8) ^ kFingerprintXor;
  for (int i = 0; i < 4; ++i) m[m.size() - 4 + i] = static_cast<uint8_t>(fp >> (24 - 8 * i));
}

}  // namespace weft::stun::test
