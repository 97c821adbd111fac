// The engine's control surface under the data path's lock (engine_control.h).
#include "node/engine_control.h"

namespace weft::node {

bool EngineControl::wants_connection(core::Now now) {
  return path_.with_core([&] { return engine_.wants_control_connection(now); });
}

Status EngineControl::connected(core::Now now, core::Random& rng) {
  Status s = path_.with_core([&] { return engine_.control_connected(now, rng); });
  path_.after_core_change();
  return s;
}

void EngineControl::bytes(core::ByteView data, core::Now now, core::Random& rng) {
  path_.with_core([&] { engine_.control_bytes(data, now, rng); });
  // A netmap changes peers and the filter; a new deadline must reach the path's timer.
  path_.after_core_change();
}

void EngineControl::disconnected(core::Now now) {
  path_.with_core([&] { engine_.control_disconnected(now); });
  path_.after_core_change();
}

bool EngineControl::poll_transmit(controlclient::Transmit& out) {
  return path_.with_core([&] { return engine_.poll_control_transmit(out); });
}

void EngineControl::on_deadline(core::Now now, core::Random& rng) {
  path_.with_core([&] { engine_.on_deadline(now, rng); });
  path_.after_core_change();
}

bool EngineControl::waiting_to_connect() {
  return path_.with_core(
      [&] { return engine_.client().state() == controlclient::ClientState::kDisconnected; });
}

bool EngineControl::dispatch_event() {
  engine::Event e;
  if (!path_.with_core([&] { return engine_.poll_event(e); })) return false;
  if (on_event_) on_event_(e);
  return true;
}

}  // namespace weft::node
