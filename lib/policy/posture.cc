// Device posture condition evaluation (Tailscale "Device posture" conditions: ==, !=, <, <=,
// >, >=, IN, NOT IN, IS SET, NOT SET).
#include "policy/posture.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

namespace weft::policy {
namespace {

std::optional<double> parse_number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::size_t i = 0;
  bool negative = false;
  if (s[0] == '-' || s[0] == '+') {
    negative = s[0] == '-';
    i = 1;
  }
  double value = 0;
  double scale = 0;
  bool digits = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c >= '0' && c <= '9') {
      digits = true;
      if (scale == 0) {
        value = value * 10 + (c - '0');
      } else {
        value += (c - '0') * scale;
        scale /= 10;
      }
    } else if (c == '.' && scale == 0) {
      scale = 0.1;
    } else {
      return std::nullopt;
    }
  }
  if (!digits) return std::nullopt;
  return negative ? -value : value;
}

// "1.40.2", "v1.58.0", "1.58.0-t1234-g5678", "0.1.0~git312.gc4729c1" (weft's Debian-style
// version), "7": numeric components before any '-', '+' or '~' suffix.
std::optional<std::vector<uint64_t>> parse_version(std::string_view s) {
  if (!s.empty() && (s[0] == 'v' || s[0] == 'V')) s.remove_prefix(1);
  std::size_t end = s.find_first_of("-+~");
  if (end != std::string_view::npos) s = s.substr(0, end);
  if (s.empty()) return std::nullopt;
  std::vector<uint64_t> parts;
  uint64_t cur = 0;
  bool have = false;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      if (cur > (UINT64_MAX - 9) / 10) return std::nullopt;
      cur = cur * 10 + static_cast<uint64_t>(c - '0');
      have = true;
    } else if (c == '.') {
      if (!have) return std::nullopt;
      parts.push_back(cur);
      cur = 0;
      have = false;
    } else {
      return std::nullopt;
    }
  }
  if (!have) return std::nullopt;
  parts.push_back(cur);
  return parts;
}

int sign(double d) { return d < 0 ? -1 : (d > 0 ? 1 : 0); }

}  // namespace

int compare_posture_values(std::string_view a, std::string_view b, bool numeric) {
  auto na = parse_number(a);
  auto nb = parse_number(b);
  // A value the policy wrote as a number compares as one ("custom:score >= 2.5").
  if (numeric && na && nb) return sign(*na - *nb);
  // Otherwise dotted numbers are versions: "1.40" > "1.5", as for node:tsVersion.
  auto va = parse_version(a);
  auto vb = parse_version(b);
  if (va && vb) {
    // Missing trailing components count as zero: "1.40" == "1.40.0".
    std::size_t n = std::max(va->size(), vb->size());
    for (std::size_t i = 0; i < n; ++i) {
      uint64_t x = i < va->size() ? (*va)[i] : 0;
      uint64_t y = i < vb->size() ? (*vb)[i] : 0;
      if (x != y) return x < y ? -1 : 1;
    }
    return 0;
  }
  if (na && nb) return sign(*na - *nb);
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

bool posture_condition_holds(const PostureCondition& condition,
                             const std::map<std::string, std::string>& attrs) {
  auto it = attrs.find(condition.attribute);
  if (condition.op == PostureOp::kIsSet) return it != attrs.end();
  if (condition.op == PostureOp::kNotSet) return it == attrs.end();
  if (it == attrs.end()) return false;
  const std::string& have = it->second;
  auto equal_to_any = [&] {
    for (const auto& v : condition.values)
      if (compare_posture_values(have, v, condition.numeric) == 0) return true;
    return false;
  };
  if (condition.op == PostureOp::kIn) return equal_to_any();
  if (condition.op == PostureOp::kNotIn) return !equal_to_any();
  if (condition.values.empty()) return false;
  int c = compare_posture_values(have, condition.values.front(), condition.numeric);
  switch (condition.op) {
    case PostureOp::kEq: return c == 0;
    case PostureOp::kNe: return c != 0;
    case PostureOp::kLt: return c < 0;
    case PostureOp::kLe: return c <= 0;
    case PostureOp::kGt: return c > 0;
    case PostureOp::kGe: return c >= 0;
    default: return false;
  }
}

bool posture_holds(const Posture& posture, const std::map<std::string, std::string>& attrs) {
  for (const auto& c : posture.conditions)
    if (!posture_condition_holds(c, attrs)) return false;
  return true;
}

}  // namespace weft::policy
