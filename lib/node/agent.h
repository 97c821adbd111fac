// `weft up`: the node agent (docs/operations.md, "Running a node"; docs/control-plane.md,
// "Drivers"). A composition on one node loop: the node engine under the data path (TUN + UDP)
// and the control driver, its events turned into interface configuration, cache and key files,
// one log line per state change, and the local API (DIR/weft.sock: weft status, ping, down).
// The process (cli/up.cc) owns signals.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "dataplane/loop.h"
#include "engine/engine.h"
#include "node/node_routes.h"
#include "node/node_state.h"
#include "util/result.h"

namespace weft::node {

struct AgentSettings {
  std::string state_dir = kDefaultStateDir;
  /// The coordination server; empty: the one the state directory is bound to.
  std::string server_url;
  /// PEM file of CAs to trust for an https server; empty: the system's roots.
  std::string ca_file;
  /// A pre-auth key for the first registration; not needed once the machine is registered.
  std::string auth_key;
  /// Log in at the server's identity provider again (`--force-reauth`), keeping the device.
  bool force_reauth = false;
  /// MagicDNS (docs/network-config.md): point the system resolver at 100.100.100.100 through
  /// resolvconf(8), restored on exit. False (`--accept-dns=false`): resolv.conf is left alone;
  /// the resolver at 100.100.100.100 answers either way.
  bool accept_dns = true;
  /// Requested name (one lowercase DNS label); empty: this machine's host name, made one.
  std::string hostname;
  std::string interface_name = "weft0";
  /// The WireGuard UDP port (0: the kernel picks one).
  uint16_t port = 41641;
  /// 1: everything on the loop; N >= 2: a UDP receive thread and N - 1 crypto workers
  /// (dataplane::DataPath); 0: one per CPU core.
  int threads = 0;
  /// Segmentation offloads (docs/dataplane.md, "Offload path"): the TUN in vnet-hdr mode with
  /// TSO/checksum offload, UDP GSO and GRO; whatever the kernel refuses falls back (logged).
  bool offloads = true;
  /// This build's version (`weft --version`: "0.1.0~git312.gc4729c1"), reported to the server
  /// as "weft VERSION" (device posture's node:tsVersion); empty: "weft".
  std::string client_version;
  /// One line per call; null = silent.
  std::function<void(std::string_view)> log;
  /// Subnet routes and exit nodes (docs/network-config.md).
  RouteOptions routes = {};
};

class Agent {
 public:
  /// Opens the state directory (keys created once), binds it to the server (its key fetched
  /// from GET /key at the first start and kept), creates the TUN interface and the UDP socket,
  /// creates the engine and loads the netmap cache (a refused cache is logged: the node waits
  /// for the server). Nothing is sent before run().
  /// Errors: those of NodeState::open; "node.server_mismatch" (the directory belongs to another
  /// server), "node.no_server" (no --server and none recorded), "dial.*" (the server's key could
  /// not be fetched at the first start), "config.invalid" (threads), "controlclient.config" (a
  /// hostname or auth key the protocol refuses), "runtime.unix_in_use" (a node already runs with
  /// this state directory: its local API socket answers), "local.listen", runtime.* (TUN, UDP:
  /// not root, name taken, port in use).
  static Result<std::unique_ptr<Agent>> start(const AgentSettings& settings);
  /// The interface disappears with the TUN descriptor.
  ~Agent();
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  /// The loop the agent runs on; the process adds its own sources (signals) to it.
  dataplane::Loop& loop();
  /// Runs until stop() or a fatal error of the data path ("runtime.tun_read": the interface was
  /// deleted underneath us).
  Status run();
  /// Makes run() return Ok after logging `reason`. Call from the loop's thread.
  void stop(std::string_view reason);

  /// The engine's status (what the local API's `status` answers). From the loop's thread.
  engine::EngineStatus status();
  const std::string& interface_name() const;
  uint16_t listen_port() const;

  struct Impl;  // agent.cc

 private:
  explicit Agent(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// `name` as one lowercase DNS label (the first label, letters, digits and '-', at most 63
/// bytes, no '-' at either end); empty when nothing is left.
std::string hostname_label(std::string_view name);

}  // namespace weft::node
