// Ownership of one POSIX file descriptor: closed exactly once, movable, not copyable.
#pragma once

#include <utility>

namespace weft::runtime {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  /// Closes the descriptor now (if any).
  void reset();
  /// Gives up ownership: returns the descriptor (or -1) without closing it.
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_ = -1;
};

/// Sets O_NONBLOCK and FD_CLOEXEC; false (errno set) on failure.
bool set_nonblocking(int fd);

}  // namespace weft::runtime
