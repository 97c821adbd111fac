// getrandom(2) wrapper; EINTR-safe and loops over partial reads.
#include "runtime/system_random.h"

#include <sys/random.h>

#include <cerrno>
#include <cstdlib>

namespace weft::runtime {

void fill_random(uint8_t* out, std::size_t n) {
  while (n > 0) {
    ssize_t got = ::getrandom(out, n, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      std::abort();
    }
    out += got;
    n -= static_cast<std::size_t>(got);
  }
}

}  // namespace weft::runtime
