// A bounded FIFO of bytes for the relay cores' queues: frames go in whole or not at all, the
// driver takes out any number of bytes. Grows by doubling up to its limit and then keeps its
// storage, so a busy queue allocates nothing per frame. C++17-clean.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace weft::relay {

class ByteRing {
 public:
  explicit ByteRing(std::size_t limit = 0) : limit_(limit) {}

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::size_t limit() const { return limit_; }
  void set_limit(std::size_t limit) { limit_ = limit; }
  /// True when `n` more bytes fit under the limit (plus `headroom`, for control frames).
  bool fits(std::size_t n, std::size_t headroom = 0) const {
    return size_ + n <= limit_ + headroom;
  }

  /// Appends the parts as one unit; false (nothing written) when they do not fit.
  bool push(const uint8_t* a, std::size_t an, const uint8_t* b = nullptr, std::size_t bn = 0,
            const uint8_t* c = nullptr, std::size_t cn = 0, std::size_t headroom = 0) {
    const std::size_t total = an + bn + cn;
    if (!fits(total, headroom)) return false;
    reserve(size_ + total);
    write(a, an);
    write(b, bn);
    write(c, cn);
    return true;
  }

  /// Copies up to `n` bytes from the front without removing them; returns how many.
  std::size_t peek(uint8_t* out, std::size_t n) const {
    n = std::min(n, size_);
    const std::size_t first = std::min(n, buf_.size() - head_);
    if (first > 0) std::memcpy(out, buf_.data() + head_, first);
    if (n > first) std::memcpy(out + first, buf_.data(), n - first);
    return n;
  }
  /// Drops up to `n` bytes from the front.
  void skip(std::size_t n) {
    n = std::min(n, size_);
    if (n == 0) return;
    head_ = (head_ + n) % buf_.size();
    size_ -= n;
    if (size_ == 0) head_ = 0;
  }
  /// peek + skip.
  std::size_t pop(uint8_t* out, std::size_t n) {
    n = peek(out, n);
    skip(n);
    return n;
  }
  void clear() {
    head_ = 0;
    size_ = 0;
  }
  /// Frees the storage (a closed connection's queue).
  void release() {
    clear();
    std::vector<uint8_t>().swap(buf_);
  }

 private:
  void reserve(std::size_t need) {
    if (need <= buf_.size()) return;
    std::size_t cap = std::max<std::size_t>(buf_.size() * 2, 4096);
    while (cap < need) cap *= 2;
    std::vector<uint8_t> bigger(cap);
    peek(bigger.data(), size_);
    buf_.swap(bigger);
    head_ = 0;
  }
  void write(const uint8_t* p, std::size_t n) {
    if (n == 0) return;
    std::size_t tail = (head_ + size_) % buf_.size();
    const std::size_t first = std::min(n, buf_.size() - tail);
    std::memcpy(buf_.data() + tail, p, first);
    if (n > first) std::memcpy(buf_.data(), p + first, n - first);
    size_ += n;
  }

  std::vector<uint8_t> buf_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
  std::size_t limit_;
};

}  // namespace weft::relay
