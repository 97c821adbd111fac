// Unix-domain stream listener with stale-socket recovery and unlink-on-close.
#include "runtime/unix_listener.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime/sys_error.h"

namespace weft::runtime {
namespace {

bool make_address(const std::string& path, sockaddr_un& addr) {
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) return false;
  std::memset(&addr, 0, sizeof(addr));
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  return true;
}

// True when something accepts connections at `addr` (a live daemon, not a leftover file).
bool someone_listens(const sockaddr_un& addr) {
  UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!probe.valid()) return false;
  return ::connect(probe.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0;
}

}  // namespace

Result<UnixListener> UnixListener::listen(const std::string& path) {
  sockaddr_un addr{};
  if (!make_address(path, addr)) {
    return make_error("runtime.unix_path", "socket path too long or empty: " + path);
  }
  auto slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    std::string dir = path.substr(0, slash);
    if (::mkdir(dir.c_str(), 0755) < 0 && errno != EEXIST) {
      return errno_error("unix_listen", "mkdir " + dir);
    }
  }
  if (someone_listens(addr)) {
    return make_error("runtime.unix_in_use", "another process is listening on " + path);
  }
  ::unlink(path.c_str());  // a stale file from a crashed run; ENOENT is the normal case

  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return errno_error("unix_listen", "socket(AF_UNIX)");
  // The umask makes bind create the file owner-only atomically (no window with looser mode).
  mode_t old_mask = ::umask(0077);
  int rc = ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  int bind_errno = errno;
  ::umask(old_mask);
  if (rc < 0) return errno_error("unix_listen", "bind " + path, bind_errno);
  if (::listen(fd.get(), 16) < 0) {
    ::unlink(path.c_str());
    return errno_error("unix_listen", "listen " + path);
  }
  return UnixListener(std::move(fd), path);
}

UnixListener::UnixListener(UnixListener&& o) noexcept
    : fd_(std::move(o.fd_)), path_(std::move(o.path_)) {
  o.path_.clear();
}

UnixListener& UnixListener::operator=(UnixListener&& o) noexcept {
  if (this != &o) {
    if (!path_.empty()) ::unlink(path_.c_str());
    fd_ = std::move(o.fd_);
    path_ = std::move(o.path_);
    o.path_.clear();
  }
  return *this;
}

UnixListener::~UnixListener() {
  if (!path_.empty()) ::unlink(path_.c_str());
}

Result<UniqueFd> UnixListener::accept() {
  int c = ::accept4(fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (c < 0) return errno_error("unix_accept", "accept " + path_);
  return UniqueFd(c);
}

}  // namespace weft::runtime
