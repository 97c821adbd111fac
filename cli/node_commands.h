// Entry points of the node's local commands (`weft status`, `weft ping`, `weft down`), which talk
// to a running `weft up` over DIR/weft.sock. main.cc parses arguments and calls these; each
// returns the exit code: 0 done, 1 the node refused or nothing answered the ping, 2 usage or
// connection error.
#pragma once

#include <cstdint>
#include <string>

namespace weft::cli {

/// The state directory when --state is not given.
inline constexpr const char* kDefaultNodeStateDir = "/var/lib/weft";

struct StatusOptions {
  std::string state_dir;  // empty: kDefaultNodeStateDir
  bool json = false;      // print the node's JSON answer as it is
};
int run_status(const StatusOptions& options);

/// Pings sent when -c is not given: plain, and with --until-direct (as `tailscale ping`, which
/// gives up after 10).
inline constexpr uint32_t kDefaultPingCount = 4;
inline constexpr uint32_t kUntilDirectPingCount = 10;

struct PingOptions {
  std::string state_dir;
  std::string peer;    // a peer's name, DNS name or tailnet address
  uint32_t count = 0;  // 0: kDefaultPingCount, or kUntilDirectPingCount with until_direct
  bool until_direct = false;  // stop at the first pong that came directly; exit 1 if none did
  bool icmp = false;          // ICMP echo through the tunnel instead of discovery pings
};
int run_ping(const PingOptions& options);

struct DownOptions {
  std::string state_dir;
};
int run_down(const DownOptions& options);

}  // namespace weft::cli
