// Conversions between ns-3's simulated world and the core-neutral value types (lib/core):
// simulated time to a core's `Now`, ns-3 socket addresses to and from `core::Path`.
#pragma once

#include "core/path.h"
#include "core/time.h"
#include "ns3/inet-socket-address.h"
#include "ns3/nstime.h"

namespace weft::sim {

/// A fixed wall-clock origin (2026-01-01T00:00:00Z) so simulated TAI64N stamps are reproducible.
core::WallTime default_wall_epoch();

/// The core's time at simulated time `t`: `mono` counts from simulation start, `wall` is
/// `wall_epoch + mono` (monotonic, as TAI64N replay protection requires).
core::Now to_core_now(ns3::Time t, core::WallTime wall_epoch);

/// Simulated time of a core deadline on the `mono` clock.
ns3::Time to_ns3_time(core::Duration mono);

core::Path to_path(const ns3::InetSocketAddress& address);
/// Only IPv4 UDP paths exist in the simulation; anything else yields false.
bool to_inet_address(const core::Path& path, ns3::InetSocketAddress* out);

}  // namespace weft::sim
