// Fuzz target: the TSO splitter and the GRO coalescer (lib/offload) on arbitrary bytes.
// Input: [mode][rest]. Mode bit 0 clear: rest = [10-byte virtio-net header][packet] for split();
// set: rest = records [length, 2 bytes big-endian][packet] for one coalesce() batch. Mode bit 1
// asks the harness to repair IP lengths and checksums of TCP packets first (so that joinable
// segments are reachable), bit 2 turns the coalescer's checksum verification off.
// Checks: nothing reads or writes out of bounds; split segments fit their buffers, carry valid
// checksums (a reference sum) and reassemble to the input payload; every packet of a batch is in
// exactly one group, in batch order; each group's bytes are its members' and split back into
// them; a coalesced split gives back the segments' payload.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "offload/gro_coalesce.h"
#include "offload/ip_tcp.h"
#include "offload/packets.h"
#include "offload/tso_split.h"

using namespace weft;
using namespace weft::offload;
using namespace weft::offload::testing;

namespace {

constexpr std::size_t kSegments = 64;
constexpr std::size_t kSegmentCapacity = 4096;
constexpr std::size_t kMaxBatch = 64;

void check(bool ok) {
  if (!ok) std::abort();
}

/// Fixes the IP length field, the IPv4 header checksum and the TCP checksum of a TCP packet.
void repair(Bytes& p) {
  IpTcpLayout l;
  if (parse_ip_tcp(core::ByteView{p.data(), p.size()}, l) != OffloadError::kNone) return;
  if (l.ipv6) {
    if (p.size() - 40 > 0xffff) return;
    set16(p, 4, static_cast<uint16_t>(p.size() - 40));
  } else {
    if (p.size() > 0xffff) return;
    set16(p, 2, static_cast<uint16_t>(p.size()));
    set16(p, 10, 0);
    set16(p, 10, static_cast<uint16_t>(~reference_sum(p.data(), l.ip_header_size)));
  }
  set_tcp_checksum(p, false);
}

/// The TCP payload of a packet the splitter or coalescer produced.
Bytes payload_of(const uint8_t* data, std::size_t size) {
  IpTcpLayout l;
  check(parse_ip_tcp(core::ByteView{data, size}, l) == OffloadError::kNone);
  return Bytes(data + l.headers_size(), data + size);
}

struct SplitOut {
  SplitOut() : storage(kSegments * kSegmentCapacity) {
    for (std::size_t i = 0; i < kSegments; ++i) {
      segs[i] = Segment::over(storage.data() + i * kSegmentCapacity, kSegmentCapacity);
    }
  }
  Bytes storage;
  Segment segs[kSegments];
};

/// Splits and checks; returns the segments (empty on a refusal).
std::vector<Bytes> split_checked(const VirtioNetHdr& hdr, const Bytes& packet) {
  SplitOut out;
  const SplitResult r = split(hdr, core::ByteView{packet.data(), packet.size()}, out.segs, kSegments);
  check(r.ok() == (r.count > 0) && r.count <= kSegments);
  std::vector<Bytes> segments;
  for (std::size_t i = 0; i < r.count; ++i) {
    check(out.segs[i].size <= kSegmentCapacity);
    segments.emplace_back(out.segs[i].data, out.segs[i].data + out.segs[i].size);
  }
  const uint8_t gso = hdr.gso_type & static_cast<uint8_t>(~kVirtioNetHdrGsoEcn);
  if (!r.ok() || gso == kVirtioNetHdrGsoNone) {
    if (r.ok()) check(segments[0].size() == packet.size());
    return segments;
  }
  // A TCP super-packet: the payloads reassemble, every segment is a whole, valid packet.
  Bytes joined;
  for (const Bytes& s : segments) {
    check(s.size() <= ip_header_size(s) + tcp_header_size(s) + hdr.gso_size);
    check(tcp_checksum_valid(s) && ipv4_checksum_valid(s));
    const Bytes pl = payload_of(s.data(), s.size());
    joined.insert(joined.end(), pl.begin(), pl.end());
  }
  check(joined == payload_of(packet.data(), packet.size()));
  return segments;
}

/// Coalesces and checks the grouping; returns the flattened groups.
std::vector<Bytes> coalesce_checked(std::vector<Bytes>& batch, bool verify) {
  GroCoalescer gro(kMaxBatch, GroOptions{65535, verify});
  std::vector<GroPacket> packets;
  for (Bytes& b : batch) packets.push_back(GroPacket{b.data(), b.size()});
  const std::size_t n = packets.size();
  const std::size_t groups = gro.coalesce(packets.data(), n);
  check(groups == gro.group_count() && groups <= n);
  std::vector<bool> seen(n, false);
  std::size_t members = 0, last_head = 0;
  std::vector<Bytes> written;
  for (std::size_t g = 0; g < groups; ++g) {
    const GroGroup& grp = gro.group(g);
    check(grp.count >= 1 && grp.first == members);
    const std::size_t head = gro.member(grp.first);
    check(g == 0 || head > last_head);
    last_head = head;
    std::size_t size = 0, previous = 0;
    for (std::size_t j = 0; j < grp.count; ++j) {
      const std::size_t m = gro.member(grp.first + j);
      check(m < n && !seen[m] && (j == 0 || m > previous));
      seen[m] = true;
      previous = m;
      size += j == 0 ? batch[m].size() : batch[m].size() - grp.hdr.hdr_len;
    }
    members += grp.count;
    check(size == grp.size);
    Bytes flat(kVirtioNetHdrSize + grp.size);
    check(gro.flatten(grp, flat.data(), flat.size()) == flat.size());
    if (grp.count == 1) {
      check(grp.hdr.gso_type == kVirtioNetHdrGsoNone && grp.hdr.flags == 0);
    } else {
      check(grp.size <= 65535);
      // The super-packet splits back into its members' payloads.
      const auto hdr = parse_virtio_net_hdr(core::ByteView{flat.data(), flat.size()});
      check(hdr.has_value());
      const Bytes super(flat.begin() + kVirtioNetHdrSize, flat.end());
      const std::vector<Bytes> again = split_checked(*hdr, super);
      check(again.size() == grp.count);
      for (std::size_t j = 0; j < grp.count; ++j) {
        const Bytes& m = batch[gro.member(grp.first + j)];
        check(payload_of(again[j].data(), again[j].size()) == payload_of(m.data(), m.size()));
      }
    }
    written.push_back(std::move(flat));
  }
  check(members == n);
  return written;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const uint8_t mode = data[0];
  const bool fix = (mode & 2) != 0, verify = (mode & 4) == 0;
  data += 1;
  size -= 1;
  if ((mode & 1) == 0) {
    const auto hdr = parse_virtio_net_hdr(core::ByteView{data, size});
    if (!hdr) return 0;
    Bytes packet(data + kVirtioNetHdrSize, data + size);
    if (fix) repair(packet);
    std::vector<Bytes> segments = split_checked(*hdr, packet);
    if (segments.size() > 1) {
      // What the receiving side would do with them: the payload survives the coalescer.
      Bytes before, after;
      for (const Bytes& s : segments) {
        const Bytes pl = payload_of(s.data(), s.size());
        before.insert(before.end(), pl.begin(), pl.end());
      }
      for (const Bytes& w : coalesce_checked(segments, verify)) {
        const Bytes pl = payload_of(w.data() + kVirtioNetHdrSize, w.size() - kVirtioNetHdrSize);
        after.insert(after.end(), pl.begin(), pl.end());
      }
      check(before == after);
    }
    return 0;
  }
  std::vector<Bytes> batch;
  while (size >= 2 && batch.size() < kMaxBatch) {
    const std::size_t n = std::min<std::size_t>((std::size_t{data[0]} << 8) | data[1], size - 2);
    batch.emplace_back(data + 2, data + 2 + n);
    if (fix) repair(batch.back());
    data += 2 + n;
    size -= 2 + n;
  }
  coalesce_checked(batch, verify);
  return 0;
}
