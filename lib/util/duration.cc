// parse_duration: Go time.ParseDuration's grammar for non-negative values, plus days on request.
#include "util/duration.h"

#include <string_view>

namespace weft::util {

std::optional<std::chrono::duration<double>> parse_duration(std::string_view s,
                                                            DurationDays days) {
  if (s.empty()) return std::nullopt;
  std::chrono::duration<double> total{0};
  std::size_t i = 0;
  auto number_char = [](char c) { return (c >= '0' && c <= '9') || c == '.'; };
  while (i < s.size()) {
    std::size_t start = i;
    while (i < s.size() && number_char(s[i])) ++i;
    std::string_view num = s.substr(start, i - start);
    if (num.empty() || num == "." || num.find('.') != num.rfind('.')) return std::nullopt;
    double value = 0;
    double scale = 1;
    bool fraction = false;
    for (char c : num) {
      if (c == '.') {
        fraction = true;
      } else if (fraction) {
        scale /= 10;
        value += (c - '0') * scale;
      } else {
        value = value * 10 + (c - '0');
      }
    }
    std::size_t unit = i;
    while (i < s.size() && !number_char(s[i])) ++i;
    std::string_view u = s.substr(unit, i - unit);
    double seconds = 0;
    if (u == "ns") seconds = 1e-9;
    else if (u == "us" || u == "µs") seconds = 1e-6;
    else if (u == "ms") seconds = 1e-3;
    else if (u == "s") seconds = 1;
    else if (u == "m") seconds = 60;
    else if (u == "h") seconds = 3600;
    else if (u == "d" && days == DurationDays::kAccepted) seconds = 86400;
    else return std::nullopt;
    total += std::chrono::duration<double>(value * seconds);
  }
  return total;
}

}  // namespace weft::util
