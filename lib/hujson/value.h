// A parsed HuJSON (JSON + comments + trailing commas) document: a tree of values, each carrying
// the line and column where it starts, so that later stages can point at the exact mistake.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace weft::hujson {

/// A position in the source text. line and column are 1-based; column counts Unicode code
/// points (not bytes) from the start of the line; offset is the 0-based byte offset.
struct Position {
  uint32_t line = 1;
  uint32_t column = 1;
  uint64_t offset = 0;
};

enum class Kind : uint8_t { kNull, kBool, kNumber, kString, kArray, kObject };

/// Name of a kind as used in messages: "null", "boolean", "number", "string", "array", "object".
const char* kind_name(Kind k);

struct Member;

/// One JSON value. Owns its children. Objects keep members in source order (duplicate keys are
/// rejected by the parser, so keys are unique).
class Value {
 public:
  Kind kind = Kind::kNull;
  Position pos;
  bool boolean = false;
  double number = 0;        // for kNumber
  std::string text;         // kString: decoded UTF-8; kNumber: the literal as written
  std::vector<Value> items;     // kArray
  std::vector<Member> members;  // kObject

  bool is_null() const { return kind == Kind::kNull; }
  bool is_bool() const { return kind == Kind::kBool; }
  bool is_number() const { return kind == Kind::kNumber; }
  bool is_string() const { return kind == Kind::kString; }
  bool is_array() const { return kind == Kind::kArray; }
  bool is_object() const { return kind == Kind::kObject; }

  /// The member named `key` of an object, or nullptr (also for non-objects).
  const Value* find(std::string_view key) const;
};

struct Member {
  std::string key;
  Position key_pos;  // position of the opening quote of the key
  Value value;
};

/// Serializes a value back to compact standard JSON (used to keep opaque sections such as
/// grant `app` capabilities verbatim).
/// Numbers are written as their source literal when `text` holds one, else in shortest
/// round-trip form (non-finite numbers, which JSON cannot express, become null). Iterative, so
/// deep trees cannot overflow the stack. Never fails.
std::string to_json(const Value& v);

/// Appends `s` as a JSON string literal (quotes, escapes for '"', '\\' and control
/// characters). Bytes of non-ASCII text are copied unchanged.
void append_json_string(std::string& out, std::string_view s);

}  // namespace weft::hujson
