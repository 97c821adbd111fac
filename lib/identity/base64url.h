// base64url without padding (RFC 4648 section 5, as JOSE uses it: RFC 7515 section 2). Strict:
// no padding, no whitespace, only the URL-safe alphabet, unused low bits zero.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weft::identity {

std::string base64url_encode(const uint8_t* data, std::size_t size);
inline std::string base64url_encode(std::string_view s) {
  return base64url_encode(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}
/// Standard base64 with padding (RFC 4648 section 4), for HTTP Basic credentials.
std::string base64_encode(std::string_view s);
/// nullopt for any character outside the alphabet, '=' padding, a length of 4k+1, or nonzero
/// unused bits in the last symbol (so every value has exactly one encoding).
std::optional<std::vector<uint8_t>> base64url_decode(std::string_view text);

}  // namespace weft::identity
