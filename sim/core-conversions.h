// Conversions between ns-3's simulated world and a core's value types: simulated time to the
// core's `Now`, ns-3 socket addresses to and from the core's Endpoint.
#pragma once

#include "ns3/inet-socket-address.h"
#include "ns3/nstime.h"
#include "wg/types.h"

namespace weft::sim {

/// A fixed wall-clock origin (2026-01-01T00:00:00Z) so simulated TAI64N stamps are reproducible.
wg::WallTime default_wall_epoch();

/// The core's time at simulated time `t`: `mono` counts from simulation start, `wall` is
/// `wall_epoch + mono` (monotonic, as TAI64N replay protection requires).
wg::Now to_core_now(ns3::Time t, wg::WallTime wall_epoch);

/// Simulated time of a core deadline on the `mono` clock.
ns3::Time to_ns3_time(wg::Duration mono);

wg::Path to_endpoint(const ns3::InetSocketAddress& address);
/// Only IPv4 endpoints exist in the simulation; anything else yields false.
bool to_inet_address(const wg::Path& endpoint, ns3::InetSocketAddress* out);

}  // namespace weft::sim
