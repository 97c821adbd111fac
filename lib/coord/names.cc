// E-mail normalization, tag syntax and hostname sanitizing for the registry (docs/control-plane.md,
// "Registry").
#include "coord/names.h"

namespace weft::coord {
namespace {

bool ascii_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool ascii_digit(char c) { return c >= '0' && c <= '9'; }
char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

std::string_view trim_dashes(std::string_view s) {
  while (!s.empty() && s.front() == '-') s.remove_prefix(1);
  while (!s.empty() && s.back() == '-') s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<std::string> normalize_email(std::string_view email) {
  if (email.empty() || email.size() > kMaxEmailLength) return std::nullopt;
  const std::size_t at = email.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == email.size() ||
      email.find('@', at + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  std::string out;
  out.reserve(email.size());
  for (char c : email) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return std::nullopt;  // whitespace and control characters
    out.push_back(ascii_lower(c));
  }
  return out;
}

bool is_valid_tag(std::string_view tag) {
  constexpr std::string_view kPrefix = "tag:";
  if (tag.size() <= kPrefix.size() || tag.substr(0, kPrefix.size()) != kPrefix) return false;
  const std::string_view name = tag.substr(kPrefix.size());
  if (!ascii_letter(name.front())) return false;
  for (char c : name) {
    if (!ascii_letter(c) && !ascii_digit(c) && c != '-') return false;
  }
  return true;
}

std::string sanitize_hostname(std::string_view requested) {
  std::string label;
  label.reserve(requested.size());
  for (char c : requested) {
    const char l = ascii_lower(c);
    label.push_back((ascii_digit(l) || (l >= 'a' && l <= 'z')) ? l : '-');
  }
  std::string out(trim_dashes(std::string_view(label).substr(0, kMaxHostnameLength)));
  if (out.empty()) return std::string(kFallbackHostname);
  return out;
}

std::string numbered_hostname(std::string_view base, uint32_t n) {
  if (n == 0) return std::string(base);
  const std::string suffix = "-" + std::to_string(n);
  std::string_view head = base.substr(0, kMaxHostnameLength - suffix.size());
  while (!head.empty() && head.back() == '-') head.remove_suffix(1);
  return std::string(head) + suffix;
}

std::optional<uint32_t> hostname_number(std::string_view base, std::string_view name) {
  if (name == base) return 0;
  const std::size_t dash = name.rfind('-');
  if (dash == std::string_view::npos || dash + 1 == name.size() || name[dash + 1] == '0') {
    return std::nullopt;
  }
  uint64_t n = 0;
  for (char c : name.substr(dash + 1)) {
    if (!ascii_digit(c)) return std::nullopt;
    n = n * 10 + uint64_t(c - '0');
    if (n > UINT32_MAX) return std::nullopt;
  }
  if (numbered_hostname(base, uint32_t(n)) != name) return std::nullopt;
  return uint32_t(n);
}

}  // namespace weft::coord
