// GRO for a TUN opened with IFF_VNET_HDR: among a batch of plaintext IP packets about to be
// written to the TUN, joins consecutive in-order TCP segments of one flow into one
// super-packet (<= 64 KiB) with a virtio-net header the kernel accepts (GSO TCPV4/TCPV6,
// NEEDS_CSUM, the pseudo-header sum in the checksum field), the rule set of the kernel's own
// tcp_gro_receive. Everything else passes through behind a GSO_NONE header. Sans-IO: no
// syscalls; the caller writes each group (writev of pieces(), or one flatten()ed buffer).
// C++17-clean.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/bytes.h"
#include "offload/virtio_net_hdr.h"

namespace weft::offload {

/// One packet of the batch. Its bytes stay the caller's; coalesce() may rewrite the IP and TCP
/// headers of a packet that heads a group (lengths, checksums, PSH).
struct GroPacket {
  uint8_t* data = nullptr;
  std::size_t size = 0;
};

/// One write to the TUN: the header, then the packet (or the head packet followed by the
/// payloads of the others).
struct GroGroup {
  VirtioNetHdr hdr;           ///< GSO_NONE and all zero for a packet that was not joined
  std::size_t first = 0;      ///< its packets are member(first) .. member(first + count - 1)
  std::size_t count = 0;      ///< packets in the group (1: passed through)
  std::size_t size = 0;       ///< bytes of the (super-)packet, without the virtio-net header
};

struct GroOptions {
  /// Largest super-packet (IP header included). The IPv4 total length caps it at 65535.
  std::size_t max_size = 65535;
  /// Verify each segment's TCP checksum before joining it (as the kernel's GRO does): a
  /// segment that fails is passed through unchanged, for the kernel to drop. Costs one pass
  /// over the payload; off only for callers that trust their sender's checksums.
  bool verify_checksums = true;
};

/// Reusable coalescer: sized once for the largest batch, then no allocation per call.
/// Calling contract: coalesce() a batch, then for each group in order call pieces() or
/// flatten() while the batch's buffers are unchanged; the next coalesce() forgets the last.
/// Groups come in the order of their first packet, so a flow's packets keep their order;
/// packets of different flows may be reordered relative to each other, as in the kernel.
class GroCoalescer {
 public:
  explicit GroCoalescer(std::size_t max_batch, GroOptions options = {});
  ~GroCoalescer();
  GroCoalescer(const GroCoalescer&) = delete;
  GroCoalescer& operator=(const GroCoalescer&) = delete;

  /// Groups packets[0, n) (n is cut to max_batch). Returns the number of groups. Never fails:
  /// anything that is not a joinable TCP segment becomes a group of its own.
  std::size_t coalesce(GroPacket* packets, std::size_t n);

  std::size_t group_count() const { return group_count_; }
  const GroGroup& group(std::size_t i) const { return groups_[i]; }
  /// Index into the batch of the k-th member (GroGroup::first + j).
  std::size_t member(std::size_t k) const { return members_[k]; }

  /// The bytes of group `g` without its header, as views for one writev after the encoded
  /// header: the head packet whole, then each further packet's payload. Writes at most `cap`
  /// views and returns how many the group needs (== g.count; more than cap: nothing written).
  std::size_t pieces(const GroGroup& g, core::ByteView* out, std::size_t cap) const;

  /// Copies header + packet of group `g` into out (kVirtioNetHdrSize + g.size bytes);
  /// returns the bytes written, 0 when cap is too small.
  std::size_t flatten(const GroGroup& g, uint8_t* out, std::size_t cap) const;

 private:
  struct Candidate;  // one packet, classified (defined in gro_coalesce.cc)
  struct Open;       // a group that may still take packets
  enum class Join : uint8_t { kRefused, kJoined, kJoinedLast };
  Candidate classify(std::size_t index) const;
  Open* find_open(const Candidate& c);
  Join try_join(Open& open, const Candidate& c) const;
  void close(const Open& open);
  void start_group(const Candidate& c);

  GroOptions options_;
  std::size_t max_batch_;
  GroPacket* packets_ = nullptr;
  std::size_t group_count_ = 0;
  std::vector<GroGroup> groups_;        // by index of the first packet
  std::vector<std::size_t> group_of_;   // per packet of the batch: its group
  std::vector<std::size_t> members_;    // packet indices, grouped, in batch order per group
  std::vector<Open> open_;
};

}  // namespace weft::offload
