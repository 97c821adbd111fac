// UniqueFd: the one place descriptors are closed.
#include "runtime/unique_fd.h"

#include <fcntl.h>
#include <unistd.h>

namespace weft::runtime {

void UniqueFd::reset() {
  if (fd_ >= 0) ::close(fd_);  // close errors are not actionable; the fd is gone either way
  fd_ = -1;
}

bool set_nonblocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return false;
  int fdflags = ::fcntl(fd, F_GETFD);
  return fdflags >= 0 && ::fcntl(fd, F_SETFD, fdflags | FD_CLOEXEC) >= 0;
}

}  // namespace weft::runtime
