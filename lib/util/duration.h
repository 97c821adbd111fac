// Durations as people write them: Go's time.ParseDuration grammar ("1h30m", "12h", "90s"), as
// Tailscale's policy files use it, optionally with days ("180d") for command-line lifetimes.
// C++17-clean.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace weft::util {

enum class DurationDays : bool { kRefused = false, kAccepted = true };

/// Non-negative values only: a sequence of number+unit terms, units ns, us (µs), ms, s, m, h
/// and, with DurationDays::kAccepted, d (24 h). nullopt when the text is not such a duration.
std::optional<std::chrono::duration<double>> parse_duration(
    std::string_view text, DurationDays days = DurationDays::kRefused);

}  // namespace weft::util
