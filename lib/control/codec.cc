// The control protocol's byte writer and bounds-checked reader (docs/control-plane.md,
// "Messages": field encodings).
#include "control/codec.h"

#include <cassert>
#include <cstring>
#include <limits>

namespace weft::control {
namespace {

template <class T>
void put_be(std::vector<uint8_t>& out, T v) {
  for (std::size_t i = sizeof(T); i-- > 0;) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

template <class T>
T get_be(const uint8_t* p) {
  T v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) v = static_cast<T>((v << 8) | p[i]);
  return v;
}

}  // namespace

void Writer::u16(uint16_t v) { put_be(out_, v); }
void Writer::u32(uint32_t v) { put_be(out_, v); }
void Writer::u64(uint64_t v) { put_be(out_, v); }

void Writer::fixed(const uint8_t* data, std::size_t size) {
  out_.insert(out_.end(), data, data + size);
}

void Writer::string(std::string_view s) {
  assert(s.size() <= std::numeric_limits<uint16_t>::max());
  u16(static_cast<uint16_t>(s.size()));
  out_.insert(out_.end(), s.begin(), s.end());
}

void Writer::count(std::size_t n) {
  assert(n <= std::numeric_limits<uint32_t>::max());
  u32(static_cast<uint32_t>(n));
}

const char* to_string(ReadFailure f) {
  switch (f) {
    case ReadFailure::kNone: return "none";
    case ReadFailure::kTruncated: return "truncated";
    case ReadFailure::kTooLong: return "too long";
    case ReadFailure::kTooMany: return "too many";
    case ReadFailure::kBadValue: return "bad value";
    case ReadFailure::kTrailingBytes: return "trailing bytes";
  }
  return "unknown";
}

bool Reader::fail(ReadFailure failure, const char* field, std::size_t offset) {
  if (ok()) error_ = ReadError{failure, field, offset};
  return false;
}

bool Reader::take(std::size_t size, const char* field, const uint8_t*& out) {
  if (!ok()) return false;
  if (size > remaining()) return fail(ReadFailure::kTruncated, field);
  out = in_.data + pos_;
  pos_ += size;
  return true;
}

template <class T>
bool Reader::big_endian(T& out, const char* field) {
  out = 0;
  const uint8_t* p = nullptr;
  if (!take(sizeof(T), field, p)) return false;
  out = get_be<T>(p);
  return true;
}

bool Reader::u8(uint8_t& out, const char* field) { return big_endian(out, field); }
bool Reader::u16(uint16_t& out, const char* field) { return big_endian(out, field); }
bool Reader::u32(uint32_t& out, const char* field) { return big_endian(out, field); }
bool Reader::u64(uint64_t& out, const char* field) { return big_endian(out, field); }

bool Reader::i64(int64_t& out, const char* field) {
  uint64_t v = 0;
  const bool read = u64(v, field);
  out = static_cast<int64_t>(v);
  return read;
}

bool Reader::boolean(bool& out, const char* field) {
  out = false;
  const std::size_t at = pos_;
  uint8_t v = 0;
  if (!u8(v, field)) return false;
  if (v > 1) return fail(ReadFailure::kBadValue, field, at);
  out = v == 1;
  return true;
}

bool Reader::fixed(uint8_t* out, std::size_t size, const char* field) {
  const uint8_t* p = nullptr;
  if (!take(size, field, p)) {
    std::memset(out, 0, size);
    return false;
  }
  std::memcpy(out, p, size);
  return true;
}

bool Reader::string(std::string& out, std::size_t max_size, const char* field) {
  out.clear();
  const std::size_t at = pos_;
  uint16_t size = 0;
  if (!u16(size, field)) return false;
  if (size > max_size) return fail(ReadFailure::kTooLong, field, at);
  // Checked before assign, so the allocation is never larger than the input that backs it.
  if (size > remaining()) return fail(ReadFailure::kTruncated, field, at);
  const uint8_t* p = nullptr;
  take(size, field, p);
  out.assign(reinterpret_cast<const char*>(p), size);
  return true;
}

bool Reader::count(std::size_t& out, std::size_t max_count, std::size_t min_element_size,
                   const char* field) {
  assert(min_element_size >= 1);
  out = 0;
  const std::size_t at = pos_;
  uint32_t n = 0;
  if (!u32(n, field)) return false;
  if (n > max_count || n > remaining() / min_element_size)
    return fail(ReadFailure::kTooMany, field, at);
  out = n;
  return true;
}

bool Reader::finish() {
  if (!ok()) return false;
  if (remaining() != 0) return fail(ReadFailure::kTrailingBytes, "end");
  return true;
}

Error malformed(const ReadError& e) {
  return make_error("control.malformed", std::string(e.field) + ": " + to_string(e.failure) +
                                             " at byte " + std::to_string(e.offset));
}

}  // namespace weft::control
