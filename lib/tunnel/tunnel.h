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
  /// 1: everything on the loop; N >= 2: a UDP receive thread and N - 1 crypto workers
  /// (dataplane::DataPath); 0: one per CPU core.
  int threads = 0;
  /// Segmentation offloads (docs/dataplane.md, "Offload path"): the TUN in vnet-hdr mode with
  /// TSO/checksum offload, UDP GSO and GRO; whatever the kernel refuses falls back (logged).
  bool offloads = true;
  /// Run PreUp/PostUp/PreDown/PostDown (shell commands from the file). Without it a file with
  /// hooks is refused: they are code, and weft runs none unless asked.
  bool allow_hooks = false;
  /// Where SaveConfig = true writes the running config back on exit (the file read).
  std::string config_path;
  /// wireguard-go's role under wg-quick: the config may be empty (no private key yet; `wg
  /// setconf` brings it), the interface gets only its MTU and link state.
  bool bare = false;
};

/// Interface-level counters of the driver itself (the core counts protocol drops).
struct TunnelCounters {
  dataplane::DataPathCounters path;
  uint64_t uapi_requests = 0;
};

class Tunnel {
 public:
  /// Brings the tunnel up in wg-quick(8)'s order: PreUp hooks, the interface (TUN, MTU,
  /// addresses, link up), UDP, the UAPI socket, the peers (host names resolved now), DNS
  /// through resolvconf, the routes and full-tunnel policy rules (lib/routing), PostUp hooks.
  /// A failure undoes what was done. Errors: "config.invalid" (no private key, own key as a
  /// peer, threads not 0..64, hooks without allow_hooks), "tunnel.resolve",
  /// "tunnel.no_resolvconf", "tunnel.resolvconf", "tunnel.hook", any runtime.* error of the
  /// OS boundary (see lib/runtime), e.g. "runtime.tun_open" when not root.
  static Result<std::unique_ptr<Tunnel>> start(const TunnelConfig& config,
                                               const TunnelSettings& settings);
  /// Takes the tunnel down in wg-quick's order: PreDown hooks, SaveConfig, rules and routes,
  /// the interface (with the TUN descriptor) and the UAPI socket file, DNS, PostDown hooks.
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
