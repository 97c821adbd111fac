// The TUN write side of the data path (docs/dataplane.md, "Offload path"): decrypted packets
// written as they come to a plain TUN; to a vnet-hdr TUN collected per batch, joined by
// lib/offload's GRO coalescer (consecutive segments of one TCP flow become one super-packet)
// and written with one writev each behind their virtio-net header (a zero header for a packet
// that joined nothing). One per thread that writes the TUN.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/bytes.h"
#include "offload/gro_coalesce.h"
#include "runtime/tun_device.h"

namespace weft::dataplane {

struct TunWriteCounters {
  uint64_t packets_out = 0;    // IP packets the kernel took (a group counts its members)
  uint64_t write_dropped = 0;  // packets of writes the kernel refused (full queue, malformed)
  uint64_t gro_writes = 0;     // writes of a coalesced group (two or more packets)
  uint64_t gro_packets = 0;    // the packets those writes carried
};

class TunWriter {
 public:
  /// `tun` outlives the writer; up to `max_batch` packets are held between flushes.
  TunWriter(runtime::TunDevice& tun, std::size_t max_batch);
  TunWriter(const TunWriter&) = delete;
  TunWriter& operator=(const TunWriter&) = delete;

  /// True when packets are held for flush() (vnet-hdr mode); false: add() writes at once.
  bool batching() const { return tun_.vnet_hdr(); }
  /// Writes the packet at `data` (plain mode), or holds it for flush(): then its bytes must
  /// stay unchanged until flush() returns, which may rewrite its headers. A full batch is
  /// flushed first — so a caller that recycles buffers flushes (or checks full()) first.
  void add(uint8_t* data, std::size_t size);
  bool full() const { return held_ == packets_.size(); }
  /// Writes the held packets in their order, coalesced (vnet-hdr mode). Never fails: a refused
  /// write counts its packets as dropped.
  void flush();
  /// Writes one packet now, behind a zero virtio-net header in vnet-hdr mode (for a packet
  /// whose buffer is not kept until flush()); the held ones are flushed first to keep order.
  void write_now(const uint8_t* data, std::size_t size);

  /// The counts since the last take (then zero): the owner folds them into its own.
  TunWriteCounters take_counters();

 private:
  void count(bool ok, std::size_t packets);

  runtime::TunDevice& tun_;
  offload::GroCoalescer gro_;
  std::vector<offload::GroPacket> packets_;
  std::size_t held_ = 0;
  std::vector<core::ByteView> pieces_;
  TunWriteCounters counters_;
};

}  // namespace weft::dataplane
