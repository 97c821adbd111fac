// `weft status` (issue 9, "Local API"; docs/control-plane.md, "Local API"): the engine's status
// as the local API's JSON answer, that JSON read back, and the table people read — pure
// functions, so the format is tested without a node.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.h"
#include "util/result.h"

namespace weft::node {

/// The answer to {"op":"status"}: one JSON object (times as Unix seconds, absent when unknown).
std::string status_to_json(const engine::EngineStatus& status);

/// One line of the table: self or a peer, as the JSON carries it.
struct StatusRow {
  uint64_t id = 0;
  std::string name;
  std::string dns_name;
  std::vector<std::string> addresses;
  std::string user;  ///< empty for tagged devices
  std::vector<std::string> tags;
  std::string os;
  bool online = false;
  /// Where WireGuard sends now: "ADDR:PORT", or `relay "CODE"`.
  std::string endpoint;
  /// Discovery's view (issue 11): "direct", "relay", "idle", "none", or "" from an older node.
  std::string path;
  std::string relay;   ///< the relay region's code while relayed
  std::string direct;  ///< the last proven direct address
  std::optional<int64_t> last_handshake;  ///< Unix seconds
  uint64_t rx_bytes = 0;
  uint64_t tx_bytes = 0;
};

/// The status JSON read back (what `weft status` prints from).
struct StatusView {
  bool has_netmap = false;
  StatusRow self;
  std::vector<StatusRow> peers;
  std::string control_state;  ///< controlclient::to_string(ClientState): "streaming", ...
  std::string stop_code;
  std::optional<int64_t> offline_since;  ///< Unix seconds
  std::optional<int64_t> netmap_time;
  bool from_cache = false;
  uint64_t policy_version = 0;
  /// This node's home relay region's code ("" before it has one).
  std::string home_region;
};

/// Errors: "local.bad_answer" (not JSON, or not the shape status_to_json() writes).
Result<StatusView> status_from_json(std::string_view json);

struct StatusFormat {
  int64_t now = 0;             ///< Unix seconds, for "12s ago"
  int64_t utc_offset = 0;      ///< seconds east of UTC, for clock times
};

/// The table like `tailscale status` (address, name, owner or tags, OS, online, the path —
/// `direct ADDR:PORT`, `relay "CODE"`, `idle`, or for a peer with neither the address guessed —,
/// last handshake, rx/tx; self first), preceded by one plain line when the node is not
/// following the server ("coordination server unreachable since 12:03:11; using the netmap
/// cached at 12:01:40, policy version 7"), or only a line when it has no netmap.
std::string format_status(const StatusView& status, const StatusFormat& format);

}  // namespace weft::node
