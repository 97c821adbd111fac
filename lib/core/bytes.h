// Byte views crossing a core's boundary: the caller owns every buffer. C++17-clean.
#pragma once

#include <cstddef>
#include <cstdint>

namespace weft::core {

/// A read-only view of bytes (a core never keeps it beyond the call).
struct ByteView {
  const uint8_t* data = nullptr;
  std::size_t size = 0;
};

/// A caller-owned writable buffer; a core writes at most `size` bytes into it.
struct MutableBytes {
  uint8_t* data = nullptr;
  std::size_t size = 0;
};

}  // namespace weft::core
