// Strict unsigned decimal parsing for configuration text (no sign, no spaces, no base prefixes).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace weft::util {

/// Parses ASCII digits only. nullopt when empty, not all digits, or greater than `max`.
inline std::optional<uint64_t> parse_decimal(std::string_view s, uint64_t max) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
    if (v > max) return std::nullopt;
  }
  return v;
}

}  // namespace weft::util
