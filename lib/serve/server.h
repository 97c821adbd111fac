// `weft serve` composed: state directory, keys, SQLite store, the coordinator core, the control
// listener, the admin socket and one timer on one io_context (docs/operations.md).
#pragma once

#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "control/messages.h"
#include "core/path.h"
#include "core/time.h"
#include "serve/oidc_login.h"
#include "util/result.h"

namespace weft::dataplane {
class Loop;
}

namespace weft::serve {

struct ServeOptions {
  std::string state_dir;
  core::SocketAddress listen;
  std::string server_url;  // empty: http(s)://<listen>
  std::string policy_file;  // empty: the policy in force (allow all at first start)
  std::string tls_cert_file;
  std::string tls_key_file;
  bool require_approval = false;
  core::Duration key_expiry = std::chrono::hours(24 * 180);
  core::Duration ephemeral_timeout = std::chrono::minutes(30);
  std::string dns_domain = "weft.internal";
  std::string relay_map_file;  // empty: no relay regions from a file
  /// The relay embedded in the server (docs/connectivity.md, "The embedded relay"): served on
  /// the listen port and announced as its own region (kEmbeddedRegionId) when nodes can find
  /// it (--server-url, or a listen address that is not unspecified).
  bool embedded_relay = true;
  /// UDP port of the STUN server beside the embedded relay, on the listen address; 0: none.
  uint16_t stun_port = 0;
  /// Login through an OpenID Connect provider (`--oidc-*`, docs/identity.md); needs
  /// server_url, from which the login links and the redirect URI are made.
  std::optional<OidcLoginConfig> oidc;
};

/// The embedded relay's region in the relay map: its id (a --relay-map region may not use it)
/// and code.
inline constexpr uint16_t kEmbeddedRegionId = 900;
inline constexpr char kEmbeddedRegionCode[] = "weft";

class Server {
 public:
  /// Opens the state (creating it at first start), applies --policy when it differs from the
  /// policy in force, and starts listening. Errors: "serve.*" (state directory, key files,
  /// listening), "store.*" (the database), "coord.*" (restoring), "serve.policy" (the policy
  /// file does not load or its tests fail: the detail holds one "FILE:LINE:COL: error: MESSAGE"
  /// line per finding), "relay.map" (the relay map file does not load: one
  /// "FILE:LINE:COL: message" line per finding).
  static Result<std::unique_ptr<Server>> start(dataplane::Loop& loop,
                                               const ServeOptions& options, std::ostream& log);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  uint16_t port() const;
  /// The embedded relay's STUN port (0: none).
  uint16_t stun_port() const;
  /// The relay map nodes get (the --relay-map regions, then the embedded relay's).
  const std::vector<control::RelayRegion>& relay_map() const;
  /// The server's public key (base64), which nodes need (also served at GET /key).
  const std::string& public_key() const;
  /// False after a store commit failed: the caller stops, and a restart rebuilds from disk.
  bool healthy() const;

  struct State;

 private:
  explicit Server(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace weft::serve
