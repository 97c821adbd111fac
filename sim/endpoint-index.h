// An index in front of ns-3's Ipv4EndPointDemux::Lookup: an established connection's segment is
// matched by its four-tuple in a hash table instead of a walk over every endpoint of the node.
#pragma once

#include <cstdint>

namespace weft::sim {

/// ns-3's demux walks a list of all a node's endpoints for every segment it receives; on a
/// relay or the coordination server of a 1,000-node tailnet that is a thousand endpoints per
/// segment, the largest single cost of the run. That list is private to ns-3 and filled through
/// non-virtual calls, so the index is linked in by symbol interposition: endpoint-index.cc
/// defines Ipv4EndPointDemux::Lookup, DeAllocate and the destructor, and the dynamic linker binds
/// libns3-internet's own calls (through its PLT) to them. Lookup answers from the index when the
/// remembered endpoint still matches all four fields exactly (then ns-3's walk returns exactly
/// that endpoint, or aborts on a duplicate), and otherwise calls ns-3's own Lookup and remembers
/// an exact answer. So the simulation is the same, event for event, except where ns-3 would
/// abort: two endpoints that both match a segment exactly (ns-3's "Too many endpoints") are not
/// detected once one of them is remembered.
///
/// This relies on libns3-internet calling Lookup, DeAllocate and the destructor through its PLT
/// (Debian's 3.37 does: its TCP and UDP call them from other files, without LTO). An ns-3 built
/// with LTO or -Bsymbolic-functions would bind some of them inside the library:
/// tests/sim/endpoint_index_test checks that ns-3's own TCP reaches all three.
///
/// The environment variable WEFT_SIM_LINEAR_DEMUX=1, read once, sends every lookup to ns-3's
/// walk (for comparisons).
struct EndpointIndexStats {
  uint64_t hits = 0;   ///< lookups answered by the index
  uint64_t walks = 0;  ///< lookups passed to ns-3's walk
  uint64_t remembered = 0;  ///< four-tuples in the index now
};

/// The counters since the process started (all zero when the interposition did not take:
/// libns3-internet then never calls this file's Lookup).
EndpointIndexStats endpoint_index_stats();

}  // namespace weft::sim
