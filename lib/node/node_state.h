// The node's state directory (docs/operations.md, "Running a node"): DIR 0700 holding the
// machine and node keys (0600, created once), the coordination server the node registered with,
// and the netmap cache (docs/control-plane.md, "Netmap cache"), each file replaced atomically.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/key.h"
#include "core/random.h"
#include "util/result.h"

namespace weft::node {

/// Where weft up, status, ping and down look when no --state is given.
inline constexpr char kDefaultStateDir[] = "/var/lib/weft";

/// The coordination server a state directory belongs to: its machine key is registered there.
struct ServerBinding {
  std::string url;  // as given to --server ("https://ctl.example.com")
  core::MachinePublicKey key{};
};

/// Files of a node's state directory:
///   machine.key   the machine key (base64), proves this machine to the server   0600
///   node.key      the node key (base64), the WireGuard key; rewritten on rotation 0600
///   server        "url URL" and "key BASE64" lines: the server the keys belong to 0600
///   netmap.cache  the last netmap (lib/engine/netmap_cache.h)                    0600
///   weft.sock     the local API socket (local_api.h), while weft up runs         0600
class NodeState {
 public:
  /// Creates `dir` (0700) when missing and loads its keys, creating the missing ones from `rng`.
  /// Errors: "node.state_dir", "node.state_mode" (the directory), "node.key_file",
  /// "node.key_mode" (a key file), "node.file_read", "node.file_mode", "node.server_file" (the
  /// server file is unreadable or malformed).
  static Result<std::unique_ptr<NodeState>> open(const std::string& dir, core::Random& rng);

  const std::string& dir() const { return dir_; }
  std::string path(const char* file) const { return dir_ + "/" + file; }

  const core::MachinePrivateKey& machine_key() const { return machine_key_; }
  const core::NodePrivateKey& node_key() const { return node_key_; }
  /// The server this directory is bound to; nullopt before the first start.
  const std::optional<ServerBinding>& server() const { return server_; }

  /// Binds the directory to `server` (written atomically). Errors: "node.file_write".
  Status save_server(const ServerBinding& server);
  /// Replaces node.key atomically after a rotation. Errors: "node.file_write".
  Status save_node_key(const core::NodePrivateKey& key);

  /// The cache file's bytes; nullopt when there is none. Errors: "node.file_read" (also a file
  /// larger than any cache can be), "node.file_mode".
  Result<std::optional<std::vector<uint8_t>>> read_cache() const;
  /// Replaces netmap.cache atomically (write, fsync, rename, fsync the directory).
  /// Errors: "node.file_write".
  Status write_cache(const std::vector<uint8_t>& bytes);
  /// Deletes netmap.cache (the node left the tailnet). Errors: "node.file_write".
  Status delete_cache();

 private:
  NodeState() = default;

  std::string dir_;
  core::MachinePrivateKey machine_key_;
  core::NodePrivateKey node_key_;
  std::optional<ServerBinding> server_;
};

/// The server file's text and its strict reader (exposed for tests).
std::string format_server_binding(const ServerBinding& server);
/// Errors: "node.server_file" (not exactly a "url" and a "key" line with a base64 key).
Result<ServerBinding> parse_server_binding(const std::string& text);

}  // namespace weft::node
