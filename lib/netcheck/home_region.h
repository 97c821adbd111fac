// The home-region choice (docs/connectivity.md, "Home region"): the relay region a node keeps a
// connection to and reports to the server, chosen from measured latencies with hysteresis so
// near-equal regions do not flap. Deterministic; sans-IO. C++17-clean.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "core/time.h"
#include "netcheck/report.h"

namespace weft::netcheck {

struct HomeRegionOptions {
  /// A measurement older than this is forgotten (netcheck runs every ~30 s: three missed runs).
  core::Duration max_age = std::chrono::seconds(90);
  /// Another region replaces a working home only when its latency is below this fraction of the
  /// home's (Tailscale's rule: a third better)...
  int better_numerator = 2;
  int better_denominator = 3;
  /// ...and at least this much lower (on a LAN, 1 ms against 2 ms is no reason to move).
  core::Duration min_improvement = std::chrono::milliseconds(10);
};

/// Keeps each region's latest latency from two sources — netcheck reports (STUN over UDP) and
/// latencies measured another way (relay Ping/Pong over TCP, for nodes whose UDP is blocked) —
/// and chooses the home region:
///  - a region's latency is the lower of its fresh figures (at most max_age old);
///  - no home yet, or the home has no fresh figure (it stopped answering), or it left the map
///    or was reported down: the region with the lowest latency (ties: lower id);
///  - otherwise the home is kept unless the best region's latency is below
///    better_numerator/better_denominator of the home's AND lower by at least min_improvement;
///  - no region has a fresh figure: the home is kept (there is nothing better to go to).
class HomeRegionChooser {
 public:
  explicit HomeRegionChooser(const HomeRegionOptions& options = HomeRegionOptions{});

  /// A finished netcheck: every region's STUN figure is replaced by the report's (a region
  /// missing from it has none until the next report).
  void note_report(core::Now now, const Report& report);
  /// A round trip to `region` measured another way (relay Ping/Pong over TCP).
  void note_latency(core::Now now, uint16_t region, core::Duration rtt);
  /// The region failed (its relay connection broke): its figures are forgotten, so a home
  /// there is replaced at the next choose().
  void note_region_down(uint16_t region);
  /// Keeps only the regions in `ids` (the relay map changed); a home outside them is dropped.
  void retain_regions(const std::vector<uint16_t>& ids);

  /// Decides and returns the home region (0: none yet).
  uint16_t choose(core::Now now);
  uint16_t home() const { return home_; }
  /// The latency choose() uses for `region` at `now`, or nullopt when it has no fresh figure.
  std::optional<core::Duration> latency(core::Now now, uint16_t region) const;

 private:
  struct Figures {
    std::optional<core::Duration> stun;
    core::Duration stun_at{};
    std::optional<core::Duration> other;
    core::Duration other_at{};
  };

  HomeRegionOptions options_;
  std::map<uint16_t, Figures> regions_;
  uint16_t home_ = 0;
};

}  // namespace weft::netcheck
