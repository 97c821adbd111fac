// What the control driver (control_driver.h) drives: the control surface of
// controlclient::Client, which the node engine repeats as its control plane
// (docs/control-plane.md, "Control client" and "Node engine"). An interface, so one driver runs
// a bare client (load programs, tests) and the engine of `weft up`.
#pragma once

#include <optional>

#include "controlclient/client.h"
#include "core/bytes.h"
#include "core/random.h"
#include "core/time.h"
#include "util/result.h"

namespace weft::node {

/// Each call has the meaning of controlclient::Client's call of the same name. The driver makes
/// them on the io_context's thread; an adapter takes whatever lock its core needs.
class ControlCore {
 public:
  virtual ~ControlCore() = default;

  virtual bool wants_connection(core::Now now) = 0;
  /// Errors: as Client::connected.
  virtual Status connected(core::Now now, core::Random& rng) = 0;
  virtual void bytes(core::ByteView data, core::Now now, core::Random& rng) = 0;
  virtual void disconnected(core::Now now) = 0;
  virtual bool poll_transmit(controlclient::Transmit& out) = 0;
  /// When on_deadline() must run; nullopt when no timer is armed, or when another driver runs
  /// the core's timers (the engine's run on the data path's timer, which then calls
  /// ControlDriver::drive()).
  virtual std::optional<core::Duration> next_deadline() = 0;
  virtual void on_deadline(core::Now now, core::Random& rng) = 0;
  /// True while the core has no connection and is not stopped (its deadline is then the time
  /// to reconnect, which a dial in flight makes moot).
  virtual bool waiting_to_connect() = 0;
  /// Takes the next event the core raised and hands it to whoever consumes events; false when
  /// none is queued. The consumer may stop or destroy the driver: the driver then touches the
  /// core no more, and the adapter must not touch itself after handing the event on.
  virtual bool dispatch_event() = 0;
};

}  // namespace weft::node
