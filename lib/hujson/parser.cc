// HuJSON parser: RFC 8259 JSON plus // and /* */ comments and trailing commas (the Tailscale
// policy dialect). Iterative with an explicit stack, so nesting is bounded by limits, not by
// the C++ call stack.
#include "hujson/parser.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <utility>

#include "util/utf8.h"

namespace weft::hujson {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";
// Objects with fewer members than this are checked for duplicates by a linear scan; bigger
// ones get a hash index (a "hosts" table can hold thousands of names).
constexpr std::size_t kLinearKeyScan = 16;

// A key for a message: long keys are cut (on a code point boundary) so one message stays
// readable and the error list cannot grow far beyond the input.
std::string shorten(std::string_view key) {
  constexpr std::size_t kMax = 64;
  if (key.size() <= kMax) return std::string(key);
  std::size_t cut = kMax;
  while (cut > 0 && (static_cast<unsigned char>(key[cut]) & 0xC0) == 0x80) --cut;
  return std::string(key.substr(0, cut)) + "...";
}

std::string format_pos(const Position& p) {
  return std::to_string(p.line) + ":" + std::to_string(p.column);
}

// Turns byte offsets into line/column positions. Values are created in source order, so the
// cursor only moves forward and the whole file is walked once; error paths that look back
// restart from the top.
class PositionCursor {
 public:
  PositionCursor(std::string_view text, std::size_t origin)
      : text_(text), origin_(origin), offset_(origin) {}

  Position at(std::size_t target) {
    if (target < offset_) {
      offset_ = origin_;
      line_ = 1;
      column_ = 1;
    }
    const char* base = text_.data();
    while (const void* nl = std::memchr(base + offset_, '\n', target - offset_)) {
      ++line_;
      column_ = 1;
      offset_ = static_cast<std::size_t>(static_cast<const char*>(nl) - base) + 1;
    }
    column_ += static_cast<uint32_t>(count_code_points(offset_, target));
    offset_ = target;
    return Position{line_, column_, offset_};
  }

 private:
  // Code points in [from, to): every byte that is not a continuation byte (10xxxxxx) starts one.
  std::size_t count_code_points(std::size_t from, std::size_t to) const {
    const auto* s = reinterpret_cast<const unsigned char*>(text_.data());
    std::size_t n = 0;
    std::size_t i = from;
    for (; i + 8 <= to; i += 8) {
      uint64_t w;
      std::memcpy(&w, s + i, 8);
      if ((w & 0x8080808080808080ull) == 0) {
        n += 8;
        continue;
      }
      for (std::size_t k = 0; k < 8; ++k) n += (s[i + k] & 0xC0) != 0x80;
    }
    for (; i < to; ++i) n += (s[i] & 0xC0) != 0x80;
    return n;
  }

  std::string_view text_;
  std::size_t origin_;
  std::size_t offset_;
  uint32_t line_ = 1;
  uint32_t column_ = 1;
};

// Open-addressing index from key to member number, for duplicate detection in big objects.
class KeyIndex {
 public:
  bool active() const { return !slots_.empty(); }
  void clear() {
    slots_.clear();
    count_ = 0;
  }

  // Index of the member whose key equals `key`, or -1.
  long find(const std::vector<Member>& members, std::string_view key, std::size_t hash) const {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.index == 0) return -1;
      if (s.hash == static_cast<uint32_t>(hash) && members[s.index - 1].key == key) {
        return static_cast<long>(s.index - 1);
      }
    }
  }

  void insert(const std::vector<Member>& members, std::size_t index, std::size_t hash) {
    if ((count_ + 1) * 2 > slots_.size()) grow(members);
    place(static_cast<uint32_t>(index), hash);
    ++count_;
  }

 private:
  struct Slot {
    uint32_t index = 0;  // member number + 1; 0 = empty
    uint32_t hash = 0;
  };

  void place(uint32_t index, std::size_t hash) {
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = hash & mask;
    while (slots_[i].index != 0) i = (i + 1) & mask;
    slots_[i] = Slot{index + 1, static_cast<uint32_t>(hash)};
  }

  void grow(const std::vector<Member>& members) {
    std::size_t size = slots_.empty() ? 64 : slots_.size() * 2;
    while (size < (count_ + 1) * 2) size *= 2;
    slots_.assign(size, Slot{});
    // Members that were duplicates are never stored, so member i is always index i.
    for (std::size_t i = 0; i < count_; ++i) {
      place(static_cast<uint32_t>(i), std::hash<std::string_view>{}(members[i].key));
    }
  }

  std::vector<Slot> slots_;
  std::size_t count_ = 0;
};

// A container being built: its value, and for objects the key waiting for its value.
struct Frame {
  Value value;
  std::string key;
  Position key_pos;
  std::size_t key_hash = 0;  // of `key`, once the object is big enough to be indexed
  bool duplicate = false;    // `key` repeats an earlier key: drop its member
  KeyIndex index;
};

enum class Step { kValue, kKey, kAttach, kDone, kError };

// Makes a (possibly moved-from) value a fresh one of kind k without reallocating.
void reset(Value& v, Kind k, const Position& pos) {
  v.kind = k;
  v.pos = pos;
  v.boolean = false;
  v.number = 0;
  v.text.clear();
  v.items.clear();
  v.members.clear();
}

class Parser {
 public:
  Parser(std::string_view text, const ParseLimits& limits, std::size_t origin)
      : text_(text), limits_(limits), p_(origin), cursor_(text, origin) {}

  ParseOutcome run() {
    Value cur;
    Step step = Step::kValue;
    while (step != Step::kDone && step != Step::kError) {
      switch (step) {
        case Step::kValue: step = read_value(cur); break;
        case Step::kKey: step = read_key(cur); break;
        case Step::kAttach: step = attach(cur); break;
        case Step::kDone:
        case Step::kError: break;
      }
    }
    ParseOutcome out;
    if (step == Step::kDone && skip_space()) {
      if (p_ != text_.size()) {
        error_at(p_, "trailing content after the value, found " + describe(p_));
      } else if (errors_.empty()) {
        out.value = std::move(cur);
      }
    }
    out.errors = std::move(errors_);
    return out;
  }

 private:
  bool at_end() const { return p_ >= text_.size(); }
  char peek() const { return text_[p_]; }

  Step error_at(std::size_t offset, std::string message) {
    errors_.push_back(ParseError{cursor_.at(offset), std::move(message)});
    return Step::kError;
  }

  // End of input where `expected` was wanted; names the innermost unclosed container.
  Step error_eof(const std::string& expected) {
    std::string message = "unexpected end of input: expected " + expected;
    if (depth_ > 0) {
      const Value& open = top().value;
      message += open.is_array() ? " (unclosed array at " : " (unclosed object at ";
      message += format_pos(open.pos) + ")";
    }
    return error_at(text_.size(), std::move(message));
  }

  // What sits at `offset`, for "found ..." in messages.
  std::string describe(std::size_t offset) const {
    if (offset >= text_.size()) return "end of input";
    const auto b = static_cast<unsigned char>(text_[offset]);
    static constexpr char kHex[] = "0123456789ABCDEF";
    if (b < 0x20 || b == 0x7F) {
      return std::string("control character U+00") + kHex[b >> 4] + kHex[b & 0xF];
    }
    if (b == '\'') return "\"'\" (strings use double quotes)";
    if (b < 0x80) return std::string("'") + static_cast<char>(b) + "'";
    std::size_t len = 0;
    const char32_t cp = util::decode_utf8(text_, offset, &len);
    std::string hex;
    for (int shift = cp > 0xFFFF ? 20 : 12; shift >= 0; shift -= 4) hex.push_back(kHex[(cp >> shift) & 0xF]);
    return "'" + std::string(text_.substr(offset, len)) + "' (U+" + hex + ")";
  }

  // Skips whitespace and comments. False (error recorded) on a broken comment.
  bool skip_space() {
    const std::size_t n = text_.size();
    while (p_ < n) {
      const char c = text_[p_];
      if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
        ++p_;
      } else if (c == '/') {
        if (p_ + 1 < n && text_[p_ + 1] == '/') {
          const std::size_t eol = text_.find('\n', p_ + 2);
          p_ = eol == std::string_view::npos ? n : eol + 1;
        } else if (p_ + 1 < n && text_[p_ + 1] == '*') {
          const std::size_t close = text_.find("*/", p_ + 2);
          if (close == std::string_view::npos) {
            error_at(p_, "unterminated block comment");
            return false;
          }
          p_ = close + 2;
        } else {
          error_at(p_ + 1, "expected '/' or '*' after '/' to start a comment, found " + describe(p_ + 1));
          return false;
        }
      } else {
        break;
      }
    }
    return true;
  }

  Step open_container(Kind kind) {
    if (depth_ >= limits_.max_depth) {
      return error_at(p_, "nesting deeper than " + std::to_string(limits_.max_depth) + " levels");
    }
    // Frames are kept for reuse: a policy file opens thousands of small containers.
    if (depth_ == frames_.size()) frames_.emplace_back();
    Frame& f = frames_[depth_++];
    reset(f.value, kind, cursor_.at(p_));
    f.index.clear();
    ++p_;
    return kind == Kind::kArray ? Step::kValue : Step::kKey;
  }

  // Pops the innermost container into `cur` (its closing bracket is at p_).
  Step close_container(Value& cur) {
    ++p_;
    cur = std::move(top().value);
    --depth_;
    return Step::kAttach;
  }

  Step read_value(Value& cur) {
    if (!skip_space()) return Step::kError;
    const bool in_array = depth_ > 0 && top().value.is_array();
    if (at_end()) return error_eof(in_array ? "a value or ']'" : "a value");
    const char c = peek();
    if (c == '[') return open_container(Kind::kArray);
    if (c == '{') return open_container(Kind::kObject);
    // Right after '[' or ',' in an array: an empty array or a trailing comma.
    if (c == ']' && in_array) return close_container(cur);
    reset(cur, Kind::kNull, cursor_.at(p_));
    if (c == '"') {
      cur.kind = Kind::kString;
      return read_string(cur.text, cur.pos) ? Step::kAttach : Step::kError;
    }
    if (c == '-' || (c >= '0' && c <= '9')) return read_number(cur);
    if (is_word_char(c)) return read_literal(cur);
    return error_at(p_, "expected a value, found " + describe(p_));
  }

  Step read_key(Value& cur) {
    if (!skip_space()) return Step::kError;
    if (at_end()) return error_eof("a string key or '}'");
    const char c = peek();
    if (c == '}') return close_container(cur);
    Frame& f = top();
    if (c != '"') {
      std::string found = describe(p_);
      if (is_word_char(c)) found = "'" + std::string(word_at(p_)) + "' (keys must be double-quoted strings)";
      return error_at(p_, "expected a string key or '}', found " + found);
    }
    f.key_pos = cursor_.at(p_);
    f.key.clear();
    if (!read_string(f.key, f.key_pos)) return Step::kError;
    check_duplicate(f);
    if (!skip_space()) return Step::kError;
    if (at_end()) return error_eof("':' after object key");
    if (peek() != ':') return error_at(p_, "expected ':' after object key, found " + describe(p_));
    ++p_;
    return Step::kValue;
  }

  // Adds the finished `cur` to the innermost container, then reads what follows it.
  Step attach(Value& cur) {
    if (depth_ == 0) return Step::kDone;
    Frame& f = top();
    const bool array = f.value.is_array();
    if (array) {
      if (f.value.items.empty()) f.value.items.reserve(4);
      f.value.items.push_back(std::move(cur));
    } else {
      add_member(f, cur);
    }
    if (!skip_space()) return Step::kError;
    const char* expected = array ? "',' or ']' after array element" : "',' or '}' after object member";
    if (at_end()) return error_eof(expected);
    const char c = peek();
    if (c == ',') {
      ++p_;
      return array ? Step::kValue : Step::kKey;
    }
    if (c == (array ? ']' : '}')) return close_container(cur);
    return error_at(p_, std::string("expected ") + expected + ", found " + describe(p_));
  }

  // Checks the key just read against the object's earlier keys. A duplicate is reported here,
  // in source order, and its member dropped when its value arrives: duplicates are not syntax
  // errors, so parsing goes on, every one in the file is listed, and keys stay unique.
  void check_duplicate(Frame& f) {
    const auto& members = f.value.members;
    long first = -1;
    f.key_hash = 0;
    if (members.size() < kLinearKeyScan) {
      for (std::size_t i = 0; i < members.size(); ++i) {
        if (members[i].key == f.key) {
          first = static_cast<long>(i);
          break;
        }
      }
    } else {
      if (!f.index.active()) {
        for (std::size_t i = 0; i < members.size(); ++i) {
          f.index.insert(members, i, std::hash<std::string_view>{}(members[i].key));
        }
      }
      f.key_hash = std::hash<std::string_view>{}(f.key);
      first = f.index.find(members, f.key, f.key_hash);
    }
    f.duplicate = first >= 0;
    if (!f.duplicate) return;
    std::string message = "duplicate key ";
    append_json_string(message, shorten(f.key));
    message += " (first defined at " + format_pos(members[static_cast<std::size_t>(first)].key_pos) + ")";
    errors_.push_back(ParseError{f.key_pos, std::move(message)});
  }

  void add_member(Frame& f, Value& cur) {
    if (f.duplicate) return;
    auto& members = f.value.members;
    if (members.empty()) members.reserve(4);
    members.push_back(Member{std::move(f.key), f.key_pos, std::move(cur)});
    if (f.index.active()) f.index.insert(members, members.size() - 1, f.key_hash);
  }

  // Reads a string literal starting at the '"' at p_ into `out` (decoded).
  bool read_string(std::string& out, const Position& start) {
    const std::size_t n = text_.size();
    const auto* s = reinterpret_cast<const unsigned char*>(text_.data());
    ++p_;
    for (;;) {
      const std::size_t run = p_;
      // Eight bytes at a time while none is '"', '\\' or a control character.
      constexpr uint64_t kOnes = 0x0101010101010101ull;
      constexpr uint64_t kHigh = 0x8080808080808080ull;
      while (p_ + 8 <= n) {
        uint64_t w;
        std::memcpy(&w, s + p_, 8);
        const uint64_t quote = w ^ (kOnes * '"');
        const uint64_t backslash = w ^ (kOnes * '\\');
        const uint64_t special = ((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash) |
                                 ((w - kOnes * 0x20) & ~w);
        if (special & kHigh) break;
        p_ += 8;
      }
      while (p_ < n && s[p_] >= 0x20 && s[p_] != '"' && s[p_] != '\\') ++p_;
      out.append(text_.data() + run, p_ - run);
      if (p_ >= n) {
        errors_.push_back(ParseError{start, "unterminated string"});
        return false;
      }
      const unsigned char c = s[p_];
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c == '\\') {
        if (!read_escape(out, start)) return false;
        continue;
      }
      if (c == '\n' || c == '\r') {
        error_at(p_, "unterminated string: line break before the closing '\"' (string starts at " +
                         format_pos(start) + ")");
      } else {
        const std::string what = describe(p_);  // "control character U+00XX"
        error_at(p_, what + " in string (write it as \\u" + what.substr(what.size() - 4) + ")");
      }
      return false;
    }
  }

  // Four hex digits at text_[at..at+4) as a code unit, or -1.
  long hex4(std::size_t at) const {
    if (at + 4 > text_.size()) return -1;
    long v = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      const char c = text_[at + k];
      int d;
      if (c >= '0' && c <= '9') d = c - '0';
      else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
      else return -1;
      v = v * 16 + d;
    }
    return v;
  }

  // Decodes the escape whose backslash is at p_ (RFC 8259 §7).
  bool read_escape(std::string& out, const Position& string_start) {
    const std::size_t backslash = p_;
    if (p_ + 1 >= text_.size()) {
      errors_.push_back(ParseError{string_start, "unterminated string"});
      return false;
    }
    const char e = text_[p_ + 1];
    p_ += 2;
    switch (e) {
      case '"': out.push_back('"'); return true;
      case '\\': out.push_back('\\'); return true;
      case '/': out.push_back('/'); return true;
      case 'b': out.push_back('\b'); return true;
      case 'f': out.push_back('\f'); return true;
      case 'n': out.push_back('\n'); return true;
      case 'r': out.push_back('\r'); return true;
      case 't': out.push_back('\t'); return true;
      case 'u': break;
      default:
        if (e > 0x20 && e < 0x7F) {
          error_at(backslash, std::string("invalid escape '\\") + e + "' in string");
        } else {
          error_at(backslash, "invalid escape in string: '\\' followed by " + describe(backslash + 1));
        }
        return false;
    }
    const long unit = hex4(p_);
    if (unit < 0) {
      error_at(backslash, "invalid \\u escape: expected 4 hex digits");
      return false;
    }
    p_ += 4;
    char32_t cp = static_cast<char32_t>(unit);
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      // A high surrogate must be followed by an escaped low surrogate (RFC 8259 §7).
      const long low = p_ + 1 < text_.size() && text_[p_] == '\\' && text_[p_ + 1] == 'u' ? hex4(p_ + 2) : -1;
      if (low < 0xDC00 || low > 0xDFFF) {
        error_at(backslash, "lone surrogate \\u" + std::string(text_.substr(backslash + 2, 4)) + " in string");
        return false;
      }
      p_ += 6;
      cp = 0x10000 + ((static_cast<char32_t>(unit) - 0xD800) << 10) + (static_cast<char32_t>(low) - 0xDC00);
    } else if (unit >= 0xDC00 && unit <= 0xDFFF) {
      error_at(backslash, "lone surrogate \\u" + std::string(text_.substr(backslash + 2, 4)) + " in string");
      return false;
    }
    util::append_utf8(out, cp);
    return true;
  }

  static bool is_digit(char c) { return c >= '0' && c <= '9'; }

  // RFC 8259 §6: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
  Step read_number(Value& cur) {
    const std::size_t start = p_;
    const std::size_t n = text_.size();
    if (text_[p_] == '-') ++p_;
    if (p_ >= n || !is_digit(text_[p_])) {
      return error_at(p_, "invalid number: expected a digit after '-', found " + describe(p_));
    }
    if (text_[p_] == '0') {
      ++p_;
      if (p_ < n && is_digit(text_[p_])) return error_at(p_, "invalid number: leading zeros are not allowed");
    } else {
      while (p_ < n && is_digit(text_[p_])) ++p_;
    }
    if (p_ < n && text_[p_] == '.') {
      ++p_;
      if (p_ >= n || !is_digit(text_[p_])) {
        return error_at(p_, "invalid number: expected a digit after '.', found " + describe(p_));
      }
      while (p_ < n && is_digit(text_[p_])) ++p_;
    }
    if (p_ < n && (text_[p_] == 'e' || text_[p_] == 'E')) {
      ++p_;
      if (p_ < n && (text_[p_] == '+' || text_[p_] == '-')) ++p_;
      if (p_ >= n || !is_digit(text_[p_])) {
        return error_at(p_, "invalid number: expected a digit in the exponent, found " + describe(p_));
      }
      while (p_ < n && is_digit(text_[p_])) ++p_;
    }
    cur.kind = Kind::kNumber;
    cur.text.assign(text_.substr(start, p_ - start));
    cur.number = to_double(cur.text);
    return Step::kAttach;
  }

  // Value of a grammatically valid literal. Out-of-range literals are legal JSON (RFC 8259 §6
  // leaves range to implementations): they become +-infinity or +-0, and `text` keeps them exact.
  static double to_double(std::string_view lit) {
    double v = 0;
    const auto r = std::from_chars(lit.data(), lit.data() + lit.size(), v);
    if (r.ec == std::errc()) return v;
    const bool negative = lit.front() == '-';
    // Decide overflow vs underflow from the decimal magnitude: leading digits plus exponent.
    std::string_view digits = negative ? lit.substr(1) : lit;
    const std::size_t e = digits.find_first_of("eE");
    long exponent = 0;
    if (e != std::string_view::npos) {
      std::size_t i = e + 1;
      const bool neg_exp = digits[i] == '-';
      if (digits[i] == '+' || digits[i] == '-') ++i;
      for (; i < digits.size() && exponent < 1000000; ++i) exponent = exponent * 10 + (digits[i] - '0');
      if (neg_exp) exponent = -exponent;
      digits = digits.substr(0, e);
    }
    long magnitude;
    const std::size_t dot = digits.find('.');
    const std::string_view int_part = digits.substr(0, dot);
    if (int_part != "0") {
      magnitude = static_cast<long>(int_part.size());
    } else {
      const std::string_view frac = dot == std::string_view::npos ? std::string_view{} : digits.substr(dot + 1);
      const std::size_t nz = frac.find_first_not_of('0');
      magnitude = nz == std::string_view::npos ? -1000000 : -static_cast<long>(nz);
    }
    const double big = magnitude + exponent > 0 ? std::numeric_limits<double>::infinity() : 0.0;
    return negative ? -big : big;
  }

  static bool is_word_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  }

  std::string_view word_at(std::size_t at) const {
    std::size_t end = at;
    while (end < text_.size() && end - at < 40 && is_word_char(text_[end])) ++end;
    return text_.substr(at, end - at);
  }

  Step read_literal(Value& cur) {
    const std::string_view word = word_at(p_);
    if (word == "true" || word == "false") {
      cur.kind = Kind::kBool;
      cur.boolean = word == "true";
    } else if (word == "null") {
      cur.kind = Kind::kNull;
    } else {
      std::string message = "expected a value, found '" + std::string(word) + "'";
      std::string lower(word);
      for (char& ch : lower) ch = (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : ch;
      if (lower == "true" || lower == "false" || lower == "null") {
        message += " (JSON literals are lowercase: " + lower + ")";
      }
      return error_at(p_, std::move(message));
    }
    p_ += word.size();
    return Step::kAttach;
  }

  std::string_view text_;
  const ParseLimits& limits_;
  std::size_t p_;
  PositionCursor cursor_;
  Frame& top() { return frames_[depth_ - 1]; }
  const Frame& top() const { return frames_[depth_ - 1]; }

  std::vector<Frame> frames_;  // frames_[0, depth_) are the open containers
  std::size_t depth_ = 0;
  std::vector<ParseError> errors_;
};

}  // namespace

ParseOutcome parse(std::string_view text, const ParseLimits& limits) {
  if (text.size() > limits.max_bytes) {
    ParseOutcome out;
    out.errors.push_back(ParseError{Position{}, "file is " + std::to_string(text.size()) +
                                                    " bytes; the limit is " +
                                                    std::to_string(limits.max_bytes) + " bytes"});
    return out;
  }
  // An editor-written byte order mark is not content: skip it, and count columns after it.
  const std::size_t origin = text.substr(0, kBom.size()) == kBom ? kBom.size() : 0;
  const std::size_t bad = util::find_invalid_utf8(text);
  if (bad != std::string_view::npos) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    const auto b = static_cast<unsigned char>(text[bad]);
    ParseOutcome out;
    PositionCursor cursor(text, origin);
    out.errors.push_back(ParseError{cursor.at(bad), std::string("invalid UTF-8 byte 0x") + kHex[b >> 4] + kHex[b & 0xF]});
    return out;
  }
  return Parser(text, limits, origin).run();
}

}  // namespace weft::hujson
