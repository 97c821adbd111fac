// The kernel CSPRNG (getrandom(2)), the randomness the cores are handed outside tests.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/random.h"

namespace weft::runtime {

/// Fills `out` from getrandom(2), blocking only until the pool is initialised at boot.
/// Aborts if the kernel refuses: continuing without randomness would make keys predictable.
void fill_random(uint8_t* out, std::size_t n);

/// fill_random as the Random every core takes.
class SystemRandom final : public core::Random {
 public:
  void fill(uint8_t* out, std::size_t n) override { fill_random(out, n); }
};

}  // namespace weft::runtime
