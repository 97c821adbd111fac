// Deterministic randomness for simulated cores (see seeded-random.h).
#include "seeded-random.h"

namespace weft::sim {

void SeededRandom::fill(uint8_t* out, std::size_t n) {
  std::size_t i = 0;
  while (i < n) {
    uint64_t word = m_engine();
    for (int b = 0; b < 8 && i < n; ++b, ++i) {
      out[i] = static_cast<uint8_t>(word >> (8 * b));
    }
  }
}

}  // namespace weft::sim
