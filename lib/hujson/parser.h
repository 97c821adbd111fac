// HuJSON parser: standard JSON (RFC 8259) plus // and /* */ comments and trailing commas, as
// the Tailscale policy file uses it. Bounded: limits on size and depth, strict UTF-8.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hujson/value.h"

namespace weft::hujson {

struct ParseLimits {
  std::size_t max_bytes = 32u << 20;  // 32 MiB
  std::size_t max_depth = 256;        // nested arrays/objects
};

struct ParseError {
  Position pos;
  std::string message;  // e.g. "expected ',' or '}' after object member, found 'x'"
};

/// Outcome of a parse: on success `value` is set and `errors` is empty. The parser stops at the
/// first syntax error (later text cannot be trusted) but reports every duplicate key it found
/// before it, so errors may hold several entries.
struct ParseOutcome {
  std::optional<Value> value;
  std::vector<ParseError> errors;
};

/// Parses a complete document. Never throws, never recurses past limits.max_depth.
/// Errors (each with the position of the offending byte/character):
///  - input larger than max_bytes ("file is N bytes; the limit is M bytes")
///  - invalid UTF-8 ("invalid UTF-8 byte 0xC3"), NUL or other control characters in strings
///  - nesting deeper than max_depth ("nesting deeper than 256 levels")
///  - any syntax error, with what was expected and what was found
///  - duplicate object keys ("duplicate key \"acls\" (first defined at 3:5)")
///  - trailing content after the top-level value, unterminated comments or strings
ParseOutcome parse(std::string_view text, const ParseLimits& limits = {});

}  // namespace weft::hujson
