// The home-region chooser: freshest latency per region from STUN and from relay pings, and the
// hysteresis rule of docs/connectivity.md, "Home region".
#include "netcheck/home_region.h"

#include <algorithm>

namespace weft::netcheck {

HomeRegionChooser::HomeRegionChooser(const HomeRegionOptions& options) : options_(options) {}

void HomeRegionChooser::note_report(core::Now now, const Report& report) {
  for (auto& entry : regions_) entry.second.stun.reset();
  for (const RegionLatency& r : report.region_latencies) {
    Figures& f = regions_[r.region];
    f.stun = r.latency;
    f.stun_at = now.mono;
  }
}

void HomeRegionChooser::note_latency(core::Now now, uint16_t region, core::Duration rtt) {
  Figures& f = regions_[region];
  f.other = rtt;
  f.other_at = now.mono;
}

void HomeRegionChooser::note_region_down(uint16_t region) { regions_.erase(region); }

void HomeRegionChooser::retain_regions(const std::vector<uint16_t>& ids) {
  for (auto it = regions_.begin(); it != regions_.end();) {
    if (std::find(ids.begin(), ids.end(), it->first) == ids.end()) {
      it = regions_.erase(it);
    } else {
      ++it;
    }
  }
  if (std::find(ids.begin(), ids.end(), home_) == ids.end()) home_ = 0;
}

std::optional<core::Duration> HomeRegionChooser::latency(core::Now now, uint16_t region) const {
  auto it = regions_.find(region);
  if (it == regions_.end()) return std::nullopt;
  const Figures& f = it->second;
  std::optional<core::Duration> best;
  if (f.stun && now.mono - f.stun_at <= options_.max_age) best = f.stun;
  if (f.other && now.mono - f.other_at <= options_.max_age && (!best || *f.other < *best)) {
    best = f.other;
  }
  return best;
}

uint16_t HomeRegionChooser::choose(core::Now now) {
  uint16_t best = 0;
  core::Duration best_latency{};
  for (const auto& entry : regions_) {  // ascending ids: the first of equals wins
    const std::optional<core::Duration> l = latency(now, entry.first);
    if (l && (best == 0 || *l < best_latency)) {
      best = entry.first;
      best_latency = *l;
    }
  }
  if (best == 0) return home_;
  const std::optional<core::Duration> current = home_ == 0 ? std::nullopt : latency(now, home_);
  if (!current) {
    home_ = best;
    return home_;
  }
  const bool clearly_faster =
      best_latency * options_.better_denominator < *current * options_.better_numerator;
  const bool enough = *current - best_latency >= options_.min_improvement;
  if (best != home_ && clearly_faster && enough) home_ = best;
  return home_;
}

}  // namespace weft::netcheck
