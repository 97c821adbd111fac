// Build-time guard: the netcheck headers must compile as C++17, because ns-3 units drive the
// node engine that runs the core. Compiled with CXX_STANDARD 17.
#include "netcheck/home_region.h"
#include "netcheck/netcheck.h"
#include "netcheck/report.h"

namespace weft::netcheck {

// Touch the API so a C++20-only construct in an inline function or default argument shows up.
[[maybe_unused]] static bool cxx17_probe(core::Random& random) {
  const core::Now now{};
  Netcheck check(std::vector<control::RelayRegion>{}, now, random);
  std::array<uint8_t, stun::kMaxEncodedSize> buf{};
  const Output o = check.poll_transmit(now, core::MutableBytes{buf.data(), buf.size()});
  const Received r = check.receive_datagram(now, core::SocketAddress{}, core::ByteView{});
  check.update_timers(now);
  const Report report = check.report();
  HomeRegionChooser chooser;
  chooser.note_report(now, report);
  chooser.note_latency(now, 1, std::chrono::milliseconds(5));
  return is_idle(o) && !r.consumed && check.done() && !check.next_deadline() &&
         chooser.choose(now) == 1 && !report.latency_of(1) && to_string(r.drop) != nullptr &&
         check.stats().drops_of(DropReason::kNotStun) == 1;
}

}  // namespace weft::netcheck
