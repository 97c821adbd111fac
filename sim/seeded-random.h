// Deterministic randomness for simulated cores: a seeded generator behind the core's Random
// interface, so every run of a scenario with the same seed is identical.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>

#include "wg/types.h"

namespace weft::sim {

/// NOT cryptographically secure: for simulation only, where reproducibility is the point.
class SeededRandom final : public wg::Random {
 public:
  explicit SeededRandom(uint64_t seed) : m_engine(seed) {}
  void fill(uint8_t* out, std::size_t n) override;

 private:
  std::mt19937_64 m_engine;
};

}  // namespace weft::sim
