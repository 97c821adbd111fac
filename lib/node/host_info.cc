// The host facts a node reports (host_info.h).
#include "node/host_info.h"

#include <sys/utsname.h>

namespace weft::node {

std::string kernel_release() {
  struct utsname u {};
  if (::uname(&u) != 0) return {};
  return u.release;
}

}  // namespace weft::node
