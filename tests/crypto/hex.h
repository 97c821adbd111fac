// Test helper for tests/crypto: hex strings to bytes, for writing published vectors verbatim.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace weft::crypto::test {

inline std::vector<uint8_t> hex(std::string_view s) {
  auto nibble = [](char c) -> uint8_t {
    if (c >= '0' && c <= '9') return static_cast<uint8_t>(c - '0');
    if (c >= 'a' && c <= 'f') return static_cast<uint8_t>(c - 'a' + 10);
    if (c >= 'A' && c <= 'F') return static_cast<uint8_t>(c - 'A' + 10);
    throw std::invalid_argument("bad hex digit");
  };
  std::vector<uint8_t> out;
  std::size_t i = 0;
  while (i < s.size()) {
    if (s[i] == ' ' || s[i] == '\n') {
      ++i;
      continue;
    }
    if (i + 1 >= s.size()) throw std::invalid_argument("odd hex length");
    out.push_back(static_cast<uint8_t>(nibble(s[i]) << 4 | nibble(s[i + 1])));
    i += 2;
  }
  return out;
}

template <std::size_t N>
std::array<uint8_t, N> hex_array(std::string_view s) {
  std::vector<uint8_t> v = hex(s);
  if (v.size() != N) throw std::invalid_argument("hex length mismatch");
  std::array<uint8_t, N> a{};
  for (std::size_t i = 0; i < N; ++i) a[i] = v[i];
  return a;
}

template <class C>
std::vector<uint8_t> bytes(const C& c) {
  return std::vector<uint8_t>(c.begin(), c.end());
}

}  // namespace weft::crypto::test
