// format_offload_counters (see offload_counters.h).
#include "dataplane/offload_counters.h"

namespace weft::dataplane {

std::string format_offload_counters(const OffloadCounters& c) {
  std::string s = "tun super-packets " + std::to_string(c.tun_superpackets_in) + " (segments " +
                  std::to_string(c.tun_segments_in) + "), gro writes " +
                  std::to_string(c.tun_gro_writes) + " (packets " +
                  std::to_string(c.tun_gro_packets) + "), udp gro slots " +
                  std::to_string(c.udp_gro_slots) + " (datagrams " +
                  std::to_string(c.udp_gro_datagrams) + ", dropped " +
                  std::to_string(c.udp_gro_dropped) + "), offload dropped " +
                  std::to_string(c.offload_dropped());
  if (c.offload_dropped() == 0) return s;
  std::string causes;
  for (std::size_t i = 0; i < c.tun_offload_errors.size(); ++i) {
    if (c.tun_offload_errors[i] == 0) continue;
    if (!causes.empty()) causes += ", ";
    causes += std::string(offload::error_name(static_cast<offload::OffloadError>(i))) + " " +
              std::to_string(c.tun_offload_errors[i]);
  }
  return s + " (" + causes + ")";
}

}  // namespace weft::dataplane
