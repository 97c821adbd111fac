// Findings about a policy file: errors and warnings, each at a line and column.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace weft::policy {

/// A place in the policy file (1-based; column counts code points). line 0 = whole file.
struct SourceRef {
  uint32_t line = 0;
  uint32_t column = 0;
};

enum class Severity : uint8_t { kError, kWarning };

struct Diagnostic {
  Severity severity = Severity::kError;
  SourceRef at;
  std::string message;  // no trailing period; may end with "; did you mean \"acls\"?"
};

using Diagnostics = std::vector<Diagnostic>;

/// `s` between double quotes, as names and values appear in messages: "unknown group \"x\"".
/// No escaping: the text is shown as written.
inline std::string quoted(std::string_view s) {
  std::string out = "\"";
  out.append(s);
  out += '"';
  return out;
}

inline bool has_errors(const Diagnostics& d) {
  for (const auto& x : d)
    if (x.severity == Severity::kError) return true;
  return false;
}

/// Sorts findings by line, then column, keeping the order of findings at one position.
inline void sort_by_position(Diagnostics& d) {
  std::stable_sort(d.begin(), d.end(), [](const Diagnostic& a, const Diagnostic& b) {
    if (a.at.line != b.at.line) return a.at.line < b.at.line;
    return a.at.column < b.at.column;
  });
}

}  // namespace weft::policy
