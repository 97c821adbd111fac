// UTF-8 validation, decoding and encoding (RFC 3629) for parsers of untrusted text.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace weft::util {

/// Byte offset of the first byte that starts an ill-formed UTF-8 sequence (RFC 3629 §4:
/// overlong forms, UTF-16 surrogates, code points above U+10FFFF, stray continuation bytes,
/// truncated sequences), or std::string_view::npos when the whole text is well formed.
std::size_t find_invalid_utf8(std::string_view text);

/// Decodes the code point starting at text[offset] of *well-formed* UTF-8 and stores its length
/// in *len. On an ill-formed sequence or offset past the end, returns U+FFFD with *len = 1 (or 0
/// at the end), so callers describing bad input never read out of bounds.
char32_t decode_utf8(std::string_view text, std::size_t offset, std::size_t* len);

/// Appends the UTF-8 encoding of `cp`. Surrogates and values above U+10FFFF are written as
/// U+FFFD: they have no UTF-8 form.
void append_utf8(std::string& out, char32_t cp);

}  // namespace weft::util
