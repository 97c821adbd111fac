// errno to weft::Error, so every runtime class reports failures the same way.
#include "runtime/sys_error.h"

#include <cerrno>
#include <cstring>

namespace weft::runtime {

Error errno_error(const std::string& what, const std::string& context) {
  return errno_error(what, context, errno);
}

Error errno_error(const std::string& what, const std::string& context, int err) {
  if (err == EAGAIN || err == EWOULDBLOCK) return make_error(kWouldBlock, context);
  return make_error("runtime." + what, context + ": " + std::strerror(err));
}

}  // namespace weft::runtime
