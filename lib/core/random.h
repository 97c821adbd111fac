// Randomness injected into cores: the interface, and the one seeded generator that tests,
// benchmarks and simulations share (so a seed reproduces a run). C++17-clean.
#pragma once

#include <cstddef>
#include <cstdint>

namespace weft::core {

/// Randomness supplied by the driver (ephemeral keys, indices, nonces, jitter). Must be
/// cryptographically secure outside tests, benchmarks and simulations.
class Random {
 public:
  virtual ~Random() = default;
  virtual void fill(uint8_t* out, std::size_t n) = 0;
};

/// splitmix64: deterministic and seeded. NOT cryptographically secure: for tests, benchmarks
/// and simulations, where reproducibility is the point.
class SeededRandom final : public Random {
 public:
  explicit SeededRandom(uint64_t seed) : state_(seed) {}

  void fill(uint8_t* out, std::size_t n) override {
    uint64_t word = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (i % 8 == 0) word = next();
      out[i] = static_cast<uint8_t>(word >> (8 * (i % 8)));
    }
  }

  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }

 private:
  uint64_t state_;
};

}  // namespace weft::core
