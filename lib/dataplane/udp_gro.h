// The UDP receive side of the offload path (docs/dataplane.md, "Offload path"): a recvmmsg slot
// that UDP_GRO filled with several datagrams of one sender becomes one view per datagram.
#pragma once

#include <cstddef>

#include "dataplane/offload_counters.h"
#include "runtime/udp_socket.h"

namespace weft::dataplane {

/// The datagrams of `slot` as views into its buffer, written to out[0, cap): a coalesced slot
/// split (counted in udp_gro_slots/udp_gro_datagrams), a plain one as itself. Returns how
/// many; 0 when the slot holds more than `cap` (dropped whole, counted in udp_gro_dropped).
std::size_t split_datagrams(const runtime::RecvSlot& slot, runtime::RecvSlot* out,
                            std::size_t cap, OffloadCounters& counters);

}  // namespace weft::dataplane
