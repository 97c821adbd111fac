// A small bounds-checked binary writer and reader for the control protocol's messages
// (docs/control-plane.md, "Messages"): big-endian fixed-size integers, length-prefixed strings
// and counts with caller-given maxima. The Reader never throws and never trusts a length.
// C++17-clean.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "util/result.h"

namespace weft::control {

/// Bytes before a string's contents: its length, big-endian.
inline constexpr std::size_t kStringPrefixSize = 2;
/// Bytes before a list's elements: their count, big-endian.
inline constexpr std::size_t kCountPrefixSize = 4;

/// Appends big-endian values to a byte vector. Writing cannot fail; the caller keeps values
/// within the limits the reader will check (a string over 65535 bytes is asserted).
class Writer {
 public:
  explicit Writer(std::vector<uint8_t>& out) : out_(out) {}

  void u8(uint8_t v) { out_.push_back(v); }
  void u16(uint16_t v);
  void u32(uint32_t v);
  void u64(uint64_t v);
  void i64(int64_t v) { u64(static_cast<uint64_t>(v)); }
  void boolean(bool v) { u8(v ? 1 : 0); }
  /// Raw bytes without a prefix (fixed-size fields such as keys).
  void fixed(const uint8_t* data, std::size_t size);
  /// A 2-byte length, then the bytes.
  void string(std::string_view s);
  /// A 4-byte element count (the elements follow, written by the caller).
  void count(std::size_t n);

 private:
  std::vector<uint8_t>& out_;
};

/// Why a Reader stopped.
enum class ReadFailure : uint8_t {
  kNone = 0,
  kTruncated,      // the input ends inside a field (or a length exceeds what remains)
  kTooLong,        // a string longer than its field's maximum
  kTooMany,        // a count above its field's maximum, or more than the remaining bytes can hold
  kBadValue,       // a value outside its field's domain (a flag not 0/1, an unknown enum ...)
  kTrailingBytes,  // bytes left after the last field
};

const char* to_string(ReadFailure f);

/// The first failure of a Reader: what, in which field, and the byte offset of that field.
struct ReadError {
  ReadFailure failure = ReadFailure::kNone;
  const char* field = "";  // a static name such as "peer.name"
  std::size_t offset = 0;
};

/// Reads big-endian values from untrusted bytes. Never reads past its input, never throws, and
/// never lets a length or count ask for more than the remaining bytes justify, so a caller that
/// reserves `count` elements allocates in proportion to the input. The first failure is kept;
/// from then on every read fails and leaves its output at a neutral value (0, empty), so a
/// decoder may read on and check ok() once, and a loop over a failed count runs zero times.
class Reader {
 public:
  explicit Reader(core::ByteView input) : in_(input) {}

  bool ok() const { return error_.failure == ReadFailure::kNone; }
  const ReadError& error() const { return error_; }
  std::size_t offset() const { return pos_; }
  std::size_t remaining() const { return in_.size - pos_; }

  bool u8(uint8_t& out, const char* field);
  bool u16(uint16_t& out, const char* field);
  bool u32(uint32_t& out, const char* field);
  bool u64(uint64_t& out, const char* field);
  bool i64(int64_t& out, const char* field);
  /// One byte, 0 or 1; anything else is kBadValue.
  bool boolean(bool& out, const char* field);
  /// `size` raw bytes into `out`.
  bool fixed(uint8_t* out, std::size_t size, const char* field);
  /// A 2-byte length (<= `max_size`, else kTooLong; <= remaining, else kTruncated), then the bytes.
  bool string(std::string& out, std::size_t max_size, const char* field);
  /// A 4-byte count, refused with kTooMany above `max_count` or when `count * min_element_size`
  /// exceeds the remaining bytes (each element takes at least `min_element_size` >= 1 bytes).
  bool count(std::size_t& out, std::size_t max_count, std::size_t min_element_size,
             const char* field);
  /// Fails with kTrailingBytes unless every byte was read.
  bool finish();

  /// Records a failure found by the caller (a value outside its domain) at `offset`. Only the
  /// first failure is kept. Always returns false.
  bool fail(ReadFailure failure, const char* field, std::size_t offset);
  bool fail(ReadFailure failure, const char* field) { return fail(failure, field, pos_); }

 private:
  bool take(std::size_t size, const char* field, const uint8_t*& out);
  template <class T>
  bool big_endian(T& out, const char* field);

  core::ByteView in_;
  std::size_t pos_ = 0;
  ReadError error_;
};

/// The error a decoder returns for a failed Reader: code "control.malformed", detail naming the
/// field, the failure and the byte offset ("peer.name: too long at byte 45").
Error malformed(const ReadError& e);

}  // namespace weft::control
