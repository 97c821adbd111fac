// Build-time guard: the driver-facing header must compile as C++17, because ns-3 3.37 headers
// need C++17 under g++ 12 and sim/ includes device.h. Compiled with CXX_STANDARD 17.
#include "core/drive.h"
#include "wg/device.h"

namespace weft::wg {

// Touch the API so a C++20-only construct in an inline function or default argument shows up.
[[maybe_unused]] static std::size_t cxx17_probe(Device& d, Now now) {
  uint8_t buf[output_capacity_for(64)];
  Output o = d.poll_transmit(now, MutableBytes{buf, sizeof buf});
  return o.size + d.stats().drops_of(DropReason::kMalformed) + sizeof(PeerConfig);
}

}  // namespace weft::wg
