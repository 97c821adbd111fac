// `weft tunnel`: the data path (lib/dataplane) for one wg(8) config file, with the UAPI served
// on the same node loop. A composition; the process (cli/) owns signals.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "dataplane/datapath.h"
#include "dataplane/loop.h"
#include "tunnel/config_file.h"
#include "util/result.h"

namespace weft::tunnel {

struct TunnelSettings {
  std::string interface_name;                      // at most 15 bytes
  std::string socket_dir = "/var/run/wireguard";   // UAPI socket: <dir>/<interface>.sock
  std::function<void(std::string_view)> log;       // one line per call; null = silent
  int threads = 1;  // 1: everything on the loop; 2: UDP receive path in its own thread
};

/// Interface-level counters of the driver itself (the core counts protocol drops).
struct TunnelCounters {
  dataplane::DataPathCounters path;
  uint64_t uapi_requests = 0;
};

class Tunnel {
 public:
  /// Creates and configures the interface (TUN, MTU, addresses, link up, routes to the peers'
  /// allowed IPs except default routes), binds UDP, opens the UAPI socket, adds the peers.
  /// Errors: "config.invalid" (no private key, own key as a peer, threads not 1 or 2), any
  /// runtime.* error of the OS boundary (see lib/runtime), e.g. "runtime.tun_open" when not
  /// root.
  static Result<std::unique_ptr<Tunnel>> start(const TunnelConfig& config,
                                               const TunnelSettings& settings);
  /// The interface, its addresses and routes disappear with the TUN descriptor, and the UAPI
  /// socket file is unlinked.
  ~Tunnel();
  Tunnel(const Tunnel&) = delete;
  Tunnel& operator=(const Tunnel&) = delete;

  /// The loop the tunnel runs on; the process adds its own sources (signals) to it.
  dataplane::Loop& loop();
  /// Runs until stop() or the deletion of the UAPI socket file (then Ok, as
  /// wireguard.com/xplatform asks) or a fatal error: "runtime.tun_read" when the interface was
  /// deleted underneath us. Logs the drop counters before returning.
  Status run();
  /// Makes run() return Ok after logging `reason`. Call from the loop's thread.
  void stop(std::string_view reason);
  /// Logs the core's drop counters now (docs/dataplane.md, "Drop counters").
  void log_drops();

  const std::string& interface_name() const;
  uint16_t listen_port() const;
  /// Final after run() returned.
  TunnelCounters counters() const;

 private:
  struct Impl;
  explicit Tunnel(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace weft::tunnel
