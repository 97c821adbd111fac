// Levenshtein edit distance and "did you mean" suggestions for misspelled names (policy keys,
// group and tag names).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weft::util {

/// Levenshtein distance between a and b: the least number of single-byte insertions,
/// deletions and substitutions turning a into b. Case-sensitive; works on bytes, so a
/// non-ASCII character counts as several edits. Never fails.
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate nearest to `word` by edit_distance, if that distance is at most
/// max_distance. Ties go to the earliest candidate. nullopt when no candidate is close enough
/// (including when `candidates` is empty).
std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates,
                                         std::size_t max_distance);

}  // namespace weft::util
