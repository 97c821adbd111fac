// The node engine's control surface as the control driver drives it (control_core.h), with the
// data path's core lock around every call: `weft up` runs one engine under two drivers, the data
// path (its data surface and timers) and the control driver (docs/control-plane.md, "Drivers").
#pragma once

#include <functional>

#include "dataplane/datapath.h"
#include "engine/engine.h"
#include "node/control_core.h"

namespace weft::node {

/// Adapts an Engine that a DataPath drives. The engine's timers (the client's included) run on
/// the data path's one timer, so next_deadline() is nullopt: the composition calls
/// ControlDriver::drive() from the path's after-event hook instead. After a call that changes
/// the engine, the path sends what the engine queued and re-arms (after_core_change()).
/// Events go to `on_event`, outside the lock, which may call into the path again.
class EngineControl final : public ControlCore {
 public:
  EngineControl(engine::Engine& engine, dataplane::DataPath& path,
                std::function<void(const engine::Event&)> on_event)
      : engine_(engine), path_(path), on_event_(std::move(on_event)) {}

  bool wants_connection(core::Now now) override;
  Status connected(core::Now now, core::Random& rng) override;
  void bytes(core::ByteView data, core::Now now, core::Random& rng) override;
  void disconnected(core::Now now) override;
  bool poll_transmit(controlclient::Transmit& out) override;
  std::optional<core::Duration> next_deadline() override { return std::nullopt; }
  void on_deadline(core::Now now, core::Random& rng) override;
  bool waiting_to_connect() override;
  bool dispatch_event() override;

 private:
  engine::Engine& engine_;
  dataplane::DataPath& path_;
  std::function<void(const engine::Event&)> on_event_;
};

}  // namespace weft::node
