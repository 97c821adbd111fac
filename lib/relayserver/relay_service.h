// The relay server's Linux driver (docs/connectivity.md, "Relay protocol", "Drivers"): the
// sans-IO relay::Server on an Asio io_context, fed by the HTTP front's upgraded relay
// connections (a Transport), one timer at its next deadline, output pulled into each
// connection only while the stream keeps up, and verification questions answered through a
// pluggable Verifier. Used by `weft derp` and embedded in `weft serve`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/key.h"
#include "core/random.h"
#include "relay/server.h"
#include "runtime/clock.h"

namespace boost::asio {
class io_context;
}

namespace weft::relayserver {

/// The connections the service writes to: the HTTP front's upgraded relay connections
/// (serve::RelayRoute adapts serve::ControlListener). Called on the io_context's thread.
class Transport {
 public:
  virtual ~Transport() = default;
  /// Queues bytes for `id`; with close_after the connection closes once they are written.
  /// False when `id` is not open.
  virtual bool send(uint64_t id, std::vector<uint8_t> bytes, bool close_after) = 0;
  virtual void close(uint64_t id) = 0;
  /// Bytes sent to `id` and not yet written.
  virtual std::size_t queued_bytes(uint64_t id) const = 0;
};

/// Answers whether a node key may use the relay (`--verify-clients`, or the embedded relay's
/// registry). `done` is called exactly once, from the io_context, possibly inside verify().
class Verifier {
 public:
  virtual ~Verifier() = default;
  virtual void verify(const core::NodePublicKey& node_key, std::function<void(bool)> done) = 0;
};

struct RelayServiceConfig {
  /// The core's settings; verify_clients is set when a verifier is given.
  relay::ServerConfig server;
  /// Output is pulled from the core into a connection while less than this is waiting to be
  /// written to it; the rest waits in the core's bounded queue (where drops are counted).
  std::size_t high_water = 256 * 1024;
  /// Null: every authenticated node key is served.
  Verifier* verifier = nullptr;
  /// One line per client cut off (code, node key); null: silent.
  std::function<void(const std::string&)> log;
};

/// Calling contract: single-threaded on the io_context; the front calls opened, bytes, closed
/// and drained as its connections do.
class RelayService {
 public:
  RelayService(boost::asio::io_context& io, RelayServiceConfig config, Transport& transport,
               core::Random& rng, const runtime::MonotonicClock& clock);
  ~RelayService();
  RelayService(const RelayService&) = delete;
  RelayService& operator=(const RelayService&) = delete;

  void opened(uint64_t id);
  void bytes(uint64_t id, core::ByteView data);
  void closed(uint64_t id);
  /// The connection's write queue emptied: pull more of its output.
  void drained(uint64_t id);

  const core::RelayPublicKey& public_key() const { return server_.public_key(); }
  const relay::ServerStats& stats() const { return server_.stats(); }

 private:
  struct Timer;
  /// Runs after every input: events, output, the timer.
  void settle();
  void flush(uint64_t id);
  void arm();

  RelayServiceConfig config_;
  Transport& transport_;
  const runtime::MonotonicClock& clock_;
  relay::Server server_;
  std::unique_ptr<Timer> timer_;
  std::shared_ptr<bool> alive_;  // verifier answers arriving after destruction are dropped
  std::vector<uint8_t> chunk_;
};

}  // namespace weft::relayserver
