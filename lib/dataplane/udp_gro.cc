// split_datagrams (see udp_gro.h): runtime::split_coalesced with the data path's counting.
#include "dataplane/udp_gro.h"

namespace weft::dataplane {

std::size_t split_datagrams(const runtime::RecvSlot& slot, runtime::RecvSlot* out,
                            std::size_t cap, OffloadCounters& counters) {
  std::size_t k = runtime::split_coalesced(slot, out, cap);
  if (k > cap) {
    ++counters.udp_gro_dropped;
    return 0;
  }
  if (k > 1) {
    ++counters.udp_gro_slots;
    counters.udp_gro_datagrams += k;
  }
  return k;
}

}  // namespace weft::dataplane
