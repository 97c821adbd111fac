// inotify(7) directory watch reduced to one question: is our file gone?
#include "runtime/path_watch.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <cstring>

#include "runtime/sys_error.h"

namespace weft::runtime {

Result<PathWatch> PathWatch::create(const std::string& path) {
  auto slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  UniqueFd fd(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (!fd.valid()) return errno_error("inotify", "inotify_init1");
  if (::inotify_add_watch(fd.get(), dir.c_str(), IN_DELETE | IN_MOVED_FROM) < 0) {
    return errno_error("inotify", "watch " + dir);
  }
  return PathWatch(std::move(fd), std::move(name));
}

bool PathWatch::consume_removed() {
  bool removed = false;
  alignas(inotify_event) char buf[4096];
  while (true) {
    ssize_t n = ::read(fd_.get(), buf, sizeof(buf));
    if (n <= 0) break;  // EAGAIN: drained
    for (ssize_t at = 0; at < n;) {
      const auto* ev = reinterpret_cast<const inotify_event*>(buf + at);
      // ev->name is NUL-padded to ev->len bytes.
      if (ev->len > 0 && std::strncmp(ev->name, name_.c_str(), ev->len) == 0 &&
          name_.size() < ev->len) {
        removed = true;
      }
      at += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
    }
  }
  return removed;
}

}  // namespace weft::runtime
