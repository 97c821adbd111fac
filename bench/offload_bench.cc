// Offload benchmark (lib/offload): the TSO splitter on a 64 KiB IPv4 super-packet (48 segments
// of 1,368 bytes, TCP timestamps), the GRO coalescer on the 48 segments (checksum verification
// on and off) with the gather of its pieces, and the RFC 1071 sum alone; Gbit/s of TCP payload
// per CPU-second, to set beside the ChaCha20-Poly1305 rate of crypto_bench (the work these
// steps add per byte). Prints numbers; never fails on timing.
#include <time.h>

#include <cstdio>
#include <vector>

#include "offload/checksum.h"
#include "offload/gro_coalesce.h"
#include "offload/packets.h"
#include "offload/tso_split.h"

namespace {

using namespace weft;
using namespace weft::offload;
using namespace weft::offload::testing;

constexpr std::size_t kMss = 1368;  // MTU 1420 minus IPv4, TCP and timestamp headers
constexpr double kSeconds = 0.5;    // CPU time per case

// CPU time of this thread: on a shared machine wall time mostly measures the other processes.
double thread_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

/// Runs `step` (which handles `bytes` of payload) for kSeconds of CPU; prints Gbit/s.
template <class Step>
void measure(const char* name, std::size_t bytes, Step step) {
  std::size_t runs = 0;
  const double start = thread_cpu_s();
  double now = start;
  while (now - start < kSeconds) {
    for (int i = 0; i < 64; ++i) step();
    runs += 64;
    now = thread_cpu_s();
  }
  const double s = now - start;
  std::printf("%-44s %9.2f Gbit/s per CPU-second  (%.2f us per 64 KiB)\n", name,
              static_cast<double>(runs * bytes) * 8 / s / 1e9, s / static_cast<double>(runs) * 1e6);
}

}  // namespace

int main() {
  TcpSpec spec;
  spec.options = timestamps(1, 2);
  const std::size_t payload = 65535 - 20 - 32;
  const Bytes super = tcp_packet(spec, pattern(payload), true);
  VirtioNetHdr hdr;
  hdr.flags = kVirtioNetHdrFNeedsCsum;
  hdr.gso_type = kVirtioNetHdrGsoTcpV4;
  hdr.hdr_len = 52;
  hdr.gso_size = kMss;
  hdr.csum_start = 20;
  hdr.csum_offset = 16;

  std::vector<Bytes> storage(64, Bytes(2048));
  std::vector<Segment> segs;
  for (auto& b : storage) segs.push_back(Segment::over(b.data(), b.size()));
  const core::ByteView in{super.data(), super.size()};
  std::size_t count = 0;
  measure("split 64 KiB -> 48 segments", payload, [&] {
    count = split(hdr, in, segs.data(), segs.size()).count;
  });
  if (count != 48) {
    std::printf("split produced %zu segments, expected 48\n", count);
    return 1;
  }

  // The segments as the receiving side holds them: fresh copies per run (the coalescer rewrites
  // the head's headers), copied outside the measured step.
  std::vector<Bytes> pristine;
  for (std::size_t i = 0; i < count; ++i) {
    pristine.emplace_back(storage[i].begin(), storage[i].begin() + static_cast<std::ptrdiff_t>(segs[i].size));
  }
  for (bool verify : {true, false}) {
    GroCoalescer gro(64, GroOptions{65535, verify});
    std::vector<Bytes> batch = pristine;
    std::vector<GroPacket> packets;
    for (auto& p : batch) packets.push_back(GroPacket{p.data(), p.size()});
    std::vector<core::ByteView> pieces(64);
    std::size_t groups = 0;
    measure(verify ? "coalesce 48 segments + pieces (verify on)" : "coalesce 48 segments + pieces (verify off)",
            payload, [&] {
              // Restore the head's 52 header bytes only: what coalesce() rewrote.
              std::copy(pristine[0].begin(), pristine[0].begin() + 52, batch[0].begin());
              groups = gro.coalesce(packets.data(), packets.size());
              gro.pieces(gro.group(0), pieces.data(), pieces.size());
            });
    if (groups != 1) {
      std::printf("coalesce produced %zu groups, expected 1\n", groups);
      return 1;
    }
  }

  uint16_t sink = 0;
  measure("RFC 1071 sum over 64 KiB", super.size(), [&] { sink ^= checksum_add(sink, super.data(), super.size()); });
  std::printf("(sum %04x)\n", sink);
  return 0;
}
