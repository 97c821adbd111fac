// Names the registry accepts or makes: user e-mails (normalized), tags ("tag:name") and device
// hostnames made into one DNS label. Pure functions; C++17-clean.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace weft::coord {

/// One DNS label: the longest hostname the registry hands out.
inline constexpr std::size_t kMaxHostnameLength = 63;
/// The longest e-mail accepted (the wire limit for names).
inline constexpr std::size_t kMaxEmailLength = 255;
/// The hostname given to a device whose requested name has nothing usable in it.
inline constexpr std::string_view kFallbackHostname = "device";

/// Loose e-mail check, then lowercased: exactly one '@', non-empty local part and domain, no
/// whitespace or control characters, at most kMaxEmailLength bytes. nullopt when refused.
/// Lowercasing is ASCII only: "Alice@Example.COM" and "alice@example.com" are one user.
std::optional<std::string> normalize_email(std::string_view email);

/// Tailscale's tag names: "tag:" then an ASCII letter, then letters, digits and dashes.
bool is_valid_tag(std::string_view tag);

/// The requested hostname as one DNS label: ASCII lowercased, every byte other than a-z, 0-9
/// and '-' replaced by '-', cut to kMaxHostnameLength, leading and trailing '-' dropped;
/// kFallbackHostname when nothing is left.
std::string sanitize_hostname(std::string_view requested);

/// The n-th alternative of a sanitized name: `base` itself for n == 0, else base + "-n", with
/// base cut (and trailing '-' dropped) so the result stays within kMaxHostnameLength.
std::string numbered_hostname(std::string_view base, uint32_t n);

/// The n for which numbered_hostname(base, n) == name; nullopt when there is none.
std::optional<uint32_t> hostname_number(std::string_view base, std::string_view name);

}  // namespace weft::coord
