// `weft derp`, the relay alone (docs/connectivity.md, "Running a relay"): the HTTP front with
// only the relay route, the RelayService behind it, the STUN listener beside it, the relay's
// key file, and optionally the coordination server verifier — composed on one loop.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/key.h"
#include "core/path.h"
#include "relay/server.h"
#include "util/result.h"

namespace weft::dataplane {
class Loop;
}

namespace weft::serve {

struct DerpOptions {
  core::SocketAddress listen;
  /// UDP port of the STUN server on the listen address; 0: none.
  uint16_t stun_port = 3478;
  /// TLS on the relay port when both are set.
  std::string tls_cert_file;
  std::string tls_key_file;
  /// Coordination server URL to verify clients with; empty: every node key is served.
  std::string verify_clients_url;
  /// CA file for an https verify URL; empty: the system's roots.
  std::string ca_file;
  /// Directory of the relay's private key (relay.key, 0600, created on the first start);
  /// empty: a fresh key each start.
  std::string state_dir;
  /// Limits and timers of the relay core (its private key is set from the key file).
  relay::ServerConfig relay;
  std::function<void(const std::string&)> log;
};

struct DerpParts;  // derp.cc

class Derp {
 public:
  /// Loads or creates the key, binds the relay port and the STUN port, and starts serving on
  /// `loop`. Errors: "derp.state_dir", "derp.key_file", "derp.key_mode", "serve.listen",
  /// "serve.tls", "runtime.udp_bind" (the STUN port), "dial.url" / "dial.tls_config" (the
  /// verify URL).
  static Result<std::unique_ptr<Derp>> open(dataplane::Loop& loop, DerpOptions options);
  ~Derp();
  Derp(const Derp&) = delete;
  Derp& operator=(const Derp&) = delete;

  uint16_t port() const;
  /// 0 when STUN is off.
  uint16_t stun_port() const;
  const core::RelayPublicKey& public_key() const;
  const relay::ServerStats& stats() const;

 private:
  explicit Derp(std::unique_ptr<DerpParts> parts);
  std::unique_ptr<DerpParts> parts_;
};

}  // namespace weft::serve
