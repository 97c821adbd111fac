// Build-time guard: the engine headers must compile as C++17, because ns-3 units will drive the
// engine. Compiled with CXX_STANDARD 17.
#include "engine/engine.h"
#include "engine/netmap_cache.h"
#include "engine/ping.h"

namespace weft::engine {

// Touch the API so a C++20-only construct in an inline function or default argument shows up.
[[maybe_unused]] static bool cxx17_probe(Engine& engine, core::Random& rng) {
  const core::Now now{};
  uint8_t buf[256];
  const Output o = engine.poll_transmit(now, core::MutableBytes{buf, sizeof buf});
  engine.update_timers(now);
  if (engine.wants_control_connection(now)) (void)engine.control_connected(now, rng);
  controlclient::Transmit t;
  Event e;
  const bool polled = engine.poll_control_transmit(t) || engine.poll_event(e);
  CachedNetmap cache;
  auto decoded = decode_cache(core::ByteView{buf, 0});
  const EngineStatus s = engine.status(now);
  PingTracker pings;
  pings.sent(util::IpAddress{}, 1, now.mono);
  (void)engine.ping(now, util::IpAddress{}, 1);
  (void)parse_echo_reply(core::ByteView{buf, 0});
  return is_idle(o) && polled && !decoded.ok() && engine.next_deadline().has_value() &&
         to_string(EventKind::kCacheWrite) != nullptr && s.peers.empty() &&
         cache.node.value == 0 && o.engine_drop == EngineDrop::kNone;
}

}  // namespace weft::engine
