// `weft tunnel`: the WireGuard core driven by a Linux TUN device, a UDP socket and the UAPI
// socket in one epoll loop, optionally with a receive thread (docs/dataplane.md, "Driver").
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "tunnel/config_file.h"
#include "util/result.h"

namespace weft::tunnel {

struct TunnelSettings {
  std::string interface_name;                      // at most 15 bytes
  std::string socket_dir = "/var/run/wireguard";   // UAPI socket: <dir>/<interface>.sock
  std::function<void(std::string_view)> log;       // one line per call; null = silent
  int threads = 1;  // 1: one epoll loop; 2: UDP receive path in its own thread (1 or 2 only)
};

/// Interface-level counters of the driver itself (the core counts protocol drops).
struct TunnelCounters {
  uint64_t udp_batches = 0;         // recvmmsg calls that returned datagrams
  uint64_t udp_datagrams_in = 0;
  uint64_t udp_datagrams_out = 0;
  uint64_t udp_send_dropped = 0;    // datagrams the socket refused (full buffer, unreachable)
  uint64_t tun_packets_in = 0;
  uint64_t tun_packets_out = 0;
  uint64_t tun_write_dropped = 0;
  uint64_t uapi_requests = 0;
};

class Tunnel {
 public:
  /// Creates and configures the interface (TUN, MTU, addresses, link up, routes to the peers'
  /// allowed IPs except default routes), binds UDP, opens the UAPI socket, adds the peers.
  /// SIGINT and SIGTERM are blocked from here on and consumed by run().
  /// Errors also: "config.invalid" when settings.threads is not 1 or 2.
  /// Errors: "config.invalid" (no private key, own key as a peer), any runtime.* error of the
  /// OS boundary (see lib/runtime), e.g. "runtime.tun_open" when not root.
  static Result<std::unique_ptr<Tunnel>> start(const TunnelConfig& config,
                                               const TunnelSettings& settings);
  /// Restores the signal mask; the interface, its addresses and routes disappear with the TUN
  /// descriptor, and the UAPI socket file is unlinked.
  ~Tunnel();
  Tunnel(const Tunnel&) = delete;
  Tunnel& operator=(const Tunnel&) = delete;

  /// Runs the loop until SIGINT/SIGTERM or the deletion of the UAPI socket file (then Ok, as
  /// wireguard.com/xplatform asks) or a fatal error: "runtime.tun_read" when
  /// the interface was deleted underneath us, "runtime.epoll" on loop failure.
  Status run();

  const std::string& interface_name() const;
  uint16_t listen_port() const;
  const TunnelCounters& counters() const;

 private:
  struct Impl;
  explicit Tunnel(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace weft::tunnel
