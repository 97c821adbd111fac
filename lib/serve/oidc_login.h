// `weft serve --oidc-*`'s driver (docs/identity.md, "Login flow"): fetches the provider's
// discovery document and JWK Set, serves the login routes (GET /login/<id> redirects to the
// provider, GET /oidc/callback exchanges the code at the token endpoint) and hands the proven
// identity to the coordinator. Every decision is lib/identity's (identity::Logins) or the
// coordinator's; this file moves bytes and keeps time.
#pragma once

#include <chrono>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "coord/coordinator.h"
#include "core/random.h"
#include "identity/jwks.h"
#include "identity/login.h"
#include "runtime/clock.h"
#include "serve/control_listener.h"

namespace boost::asio {
class io_context;
}

namespace weft::serve {

inline constexpr char kLoginPath[] = "/login/";
inline constexpr char kCallbackPath[] = "/oidc/callback";

/// Where a login lands: the coordinator, through the server (which pumps its output after).
class LoginSink {
 public:
  virtual ~LoginSink() = default;
  virtual bool login_waiting(std::string_view login_id) = 0;
  virtual Result<coord::LoginResult> complete_login(std::string_view login_id,
                                                    const coord::ProvenIdentity& who) = 0;
  virtual void refuse_login(std::string_view login_id, const std::string& code,
                            const std::string& message) = 0;
};

struct OidcLoginConfig {
  identity::OidcSettings settings;
  std::string ca_file;  // for an https issuer; empty: the system's roots
  /// An ID token naming a key id the JWK Set lacks makes the set be fetched again (key
  /// rotation), at most once per this long (a flood of unknown kids must not become a flood of
  /// requests to the provider); the load at start does not count.
  std::chrono::seconds jwks_min_refetch{30};
};

class OidcLogin {
 public:
  OidcLogin(boost::asio::io_context& io, OidcLoginConfig config, LoginSink& sink,
            const runtime::MonotonicClock& clock, core::Random& rng, std::ostream& log);
  ~OidcLogin();
  OidcLogin(const OidcLogin&) = delete;
  OidcLogin& operator=(const OidcLogin&) = delete;

  /// Fetches the discovery document and the JWK Set; retried every 10 s until both load.
  void start();
  /// The listener's WebHandler for kLoginPath and kCallbackPath.
  bool handle(std::string_view target, std::function<void(WebAnswer)> reply);
  /// Whether the provider's documents are loaded.
  bool ready() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace weft::serve
