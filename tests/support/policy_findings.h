// Test helpers: policy findings rendered as `weft acl check` prints them, minus the file name.
#pragma once

#include <string>

#include "policy/load.h"

namespace weft::test {

inline std::string render(const policy::LoadResult& r) {
  std::string out;
  for (const auto& d : r.diagnostics) {
    out += std::to_string(d.at.line) + ":" + std::to_string(d.at.column) + ": " +
           (d.severity == policy::Severity::kError ? "error: " : "warning: ") + d.message + "\n";
  }
  return out;
}

/// True when one rendered finding is exactly `line` ("2:39: error: ...").
inline bool has(const policy::LoadResult& r, const std::string& line) {
  return render(r).find(line + "\n") != std::string::npos;
}

}  // namespace weft::test
