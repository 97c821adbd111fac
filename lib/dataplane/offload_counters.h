// Counters of the data path's offload steps (docs/dataplane.md, "Offload path"): super-packets
// split on TUN reads, groups coalesced for TUN writes, coalesced UDP receives, and the
// malformed super-packets dropped, by cause. C++17-clean.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "offload/error.h"

namespace weft::dataplane {

struct OffloadCounters {
  /// TUN reads that held a TCP super-packet (GSO TCPV4/TCPV6), and the segments split from them.
  uint64_t tun_superpackets_in = 0;
  uint64_t tun_segments_in = 0;
  /// TUN writes of a coalesced group (two or more packets), and the packets they carried.
  uint64_t tun_gro_writes = 0;
  uint64_t tun_gro_packets = 0;
  /// recvmmsg slots holding several datagrams (UDP_GRO), and the datagrams they held.
  uint64_t udp_gro_slots = 0;
  uint64_t udp_gro_datagrams = 0;
  /// Coalesced UDP slots dropped whole because they held more datagrams than the split room.
  uint64_t udp_gro_dropped = 0;
  /// TUN reads dropped because their virtio-net header or super-packet was refused, by cause
  /// (offload::error_name); offload_dropped() is their sum.
  std::array<uint64_t, offload::kOffloadErrorCount> tun_offload_errors{};

  uint64_t offload_dropped() const {
    uint64_t sum = 0;
    for (uint64_t v : tun_offload_errors) sum += v;
    return sum;
  }
  /// Adds `o` (the receive thread's share, when it stops).
  void merge(const OffloadCounters& o) {
    tun_superpackets_in += o.tun_superpackets_in;
    tun_segments_in += o.tun_segments_in;
    tun_gro_writes += o.tun_gro_writes;
    tun_gro_packets += o.tun_gro_packets;
    udp_gro_slots += o.udp_gro_slots;
    udp_gro_datagrams += o.udp_gro_datagrams;
    udp_gro_dropped += o.udp_gro_dropped;
    for (std::size_t i = 0; i < tun_offload_errors.size(); ++i) {
      tun_offload_errors[i] += o.tun_offload_errors[i];
    }
  }
};

/// "tun super-packets 3 (segments 120), gro writes 5 (packets 200), udp gro slots 2 (datagrams
/// 80), offload dropped 1 (malformed_tcp 1)": the causes only when some were dropped.
std::string format_offload_counters(const OffloadCounters& c);

}  // namespace weft::dataplane
