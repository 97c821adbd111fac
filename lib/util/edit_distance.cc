// Levenshtein distance (Wagner–Fischer, two rows) and nearest-candidate lookup for
// "did you mean" hints.
#include "util/edit_distance.h"

#include <algorithm>

namespace weft::util {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // Keep the row over the shorter string: memory is O(min(|a|, |b|)).
  if (a.size() < b.size()) std::swap(a, b);
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];  // row[i-1][j-1]
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      const std::size_t substitute = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      row[j] = std::min({above + 1, row[j - 1] + 1, substitute});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates,
                                         std::size_t max_distance) {
  const std::string* best = nullptr;
  std::size_t best_distance = 0;
  for (const auto& c : candidates) {
    // The length difference is a lower bound on the distance: skip hopeless candidates
    // without filling a table.
    const std::size_t len_gap = c.size() > word.size() ? c.size() - word.size() : word.size() - c.size();
    if (len_gap > max_distance || (best != nullptr && len_gap >= best_distance)) continue;
    const std::size_t d = edit_distance(word, c);
    if (d <= max_distance && (best == nullptr || d < best_distance)) {
      best = &c;
      best_distance = d;
    }
  }
  if (best == nullptr) return std::nullopt;
  return *best;
}

}  // namespace weft::util
