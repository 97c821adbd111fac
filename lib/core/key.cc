// Key wiping and zero checks without a crypto-library dependency.
#include "core/key.h"

namespace weft::core {

void secure_wipe(void* data, std::size_t n) {
  // Volatile stores are not elided by the optimizer, even for an object about to die.
  volatile uint8_t* p = static_cast<volatile uint8_t*>(data);
  for (std::size_t i = 0; i < n; ++i) p[i] = 0;
}

bool is_all_zero(const KeyBytes& bytes) {
  uint8_t acc = 0;
  for (uint8_t b : bytes) acc |= b;
  return acc == 0;
}

}  // namespace weft::core
