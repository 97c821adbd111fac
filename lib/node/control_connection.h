// One controlclient::Client driven over real connections (docs/control-plane.md, "Control
// client"): the client, owned, run by the one control driver (control_driver.h), its events
// handed to the caller. For load programs and tests; `weft up` drives the engine instead.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "controlclient/client.h"
#include "core/path.h"
#include "core/random.h"
#include "node/control_dial.h"
#include "node/control_driver.h"
#include "runtime/clock.h"
#include "util/result.h"

namespace boost::asio {
class io_context;
}

namespace weft::node {

class ControlConnection;

struct ControlConnectionOptions {
  /// Called for every event of the core, in order, from the io_context (never from inside
  /// start() or a setter). It may call the connection's setters and stop(), and may destroy
  /// the connection (then nothing touches it after the handler returns).
  std::function<void(ControlConnection&, const controlclient::Event&)> on_event;
  /// Called when a dial fails (the same error as last_dial_error()), from the io_context, for
  /// the caller's log; the same rules as on_event.
  std::function<void(ControlConnection&, const Error&)> on_dial_failed;
  /// The clock `now` comes from; null: a clock of the connection's own. Many connections
  /// sharing one clock give times comparable across them (a load program's measurements).
  const runtime::MonotonicClock* clock = nullptr;
  /// The core's randomness (channel ephemerals, new node keys, backoff jitter); null: the
  /// kernel's (runtime::SystemRandom). Anything else only in tests and load programs.
  core::Random* rng = nullptr;
};

/// Drives one controlclient::Client over real connections, with ControlDriver's calling
/// contract and behaviour. A stopped client (refused, removed, key expired) stays idle until
/// set_auth_key().
class ControlConnection {
 public:
  /// Creates the core from `config` (not yet connecting: call start()).
  /// Errors: "controlclient.config" (Client::create).
  static Result<std::unique_ptr<ControlConnection>> create(boost::asio::io_context& io,
                                                           ControlDialer& dialer,
                                                           const controlclient::ClientConfig& config,
                                                           ControlConnectionOptions options = {});
  /// Closes the stream (dropping unwritten bytes) and cancels the timer; a dial in flight
  /// completes into nothing.
  ~ControlConnection();
  ControlConnection(const ControlConnection&) = delete;
  ControlConnection& operator=(const ControlConnection&) = delete;

  /// Starts connecting (from the io_context: nothing runs inside this call). Call once.
  void start();
  /// Closes the stream and stops dialing and timers for good; the core keeps its netmap.
  void stop();
  /// ControlDriver::reconnect: the stream ended as if lost, dialed again after the backoff.
  void reconnect();

  /// Client::set_auth_key, then the driver acts on it (a stopped core dials again).
  /// Errors: as Client::set_auth_key.
  Status set_auth_key(const std::string& auth_key);
  /// Client::set_endpoints, then the EndpointUpdate is sent when streaming.
  /// Errors: as Client::set_endpoints.
  Status set_endpoints(const std::vector<core::SocketAddress>& endpoints, uint16_t home_region);

  /// The core, for its state, netmap, keys and counters. Do not call its entry points
  /// directly: the setters above do, and then drive what follows.
  const controlclient::Client& client() const;
  const ControlConnectionCounters& counters() const;
  /// Why the last dial failed ("dial.refused" with the server's text, "dial.connect", ...);
  /// empty code when the last dial succeeded or none failed.
  const Error& last_dial_error() const;
  /// True while an upgraded stream is open.
  bool connected() const;

  class ClientCore;  // control_connection.cc

 private:
  ControlConnection() = default;
  ClientCore* core_ = nullptr;  // owned by driver_
  std::unique_ptr<ControlDriver> driver_;
};

}  // namespace weft::node
