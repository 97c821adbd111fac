// The authorization-code flow with PKCE (OpenID Connect Core 1.0 section 3.1, RFC 7636) as a
// sans-IO core: login attempts keyed by a single-use `state`, each with its nonce and code
// verifier; the authorization URL, the token request, and the token response's ID token checked
// and mapped. The driver fetches documents and makes the HTTP requests; `now` and randomness
// come in.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/random.h"
#include "core/time.h"
#include "identity/claims.h"
#include "identity/id_token.h"
#include "identity/jwks.h"
#include "util/result.h"

namespace weft::identity {

/// An attempt not finished within this long is forgotten (its state is then refused).
inline constexpr std::chrono::minutes kLoginAttemptLifetime{10};
/// Attempts held at once; the oldest gives way beyond this (a flood of unfinished logins).
inline constexpr std::size_t kMaxLoginAttempts = 4096;
inline constexpr std::size_t kMaxDocumentBytes = 256 * 1024;

/// The provider's discovery document (OpenID Connect Discovery 1.0 section 3), the parts weft uses.
struct ProviderMetadata {
  std::string issuer;
  std::string authorization_endpoint;
  std::string token_endpoint;
  std::string jwks_uri;
};

/// Errors: "oidc.discovery" (not JSON, a member missing or not a string, an issuer other than
/// `expected_issuer` (section 4.3), an endpoint that is not http(s), no S256 in
/// code_challenge_methods_supported when the list is present).
Result<ProviderMetadata> parse_discovery(std::string_view text, std::string_view expected_issuer);

/// `weft serve --oidc-*`.
struct OidcSettings {
  std::string issuer;
  std::string client_id;
  std::string client_secret;
  std::string redirect_uri;  // <server-url>/oidc/callback
  Allowlist allowed;
};

/// A token request for the driver to POST (RFC 6749 section 4.1.3), and what to check after.
struct TokenExchange {
  std::string login_id;  // the coordinator's waiting registration
  std::string form_body;  // application/x-www-form-urlencoded
  std::string authorization;  // "Basic ..." (client_secret_basic)
  TokenExpectations expect;
};

struct LoginCounters {
  uint64_t started = 0;
  uint64_t unknown_state = 0;  // replayed, forged or expired `state`
  uint64_t provider_errors = 0;
  uint64_t refused = 0;        // token, claims or allow-list refusals
  uint64_t admitted = 0;
  uint64_t evicted = 0;
};

/// Calling contract: `begin` when a person opens a login link; `callback` when the provider
/// redirects back (the state is consumed whatever happens next); POST the exchange's request to
/// the token endpoint and hand its body to `finish`. When `finish` says "oidc.unknown_kid",
/// refetch the JWK Set once and call `finish` again with the same exchange. Call
/// `on_deadline(now)` at `next_deadline()`.
class Logins {
 public:
  explicit Logins(OidcSettings settings) : settings_(std::move(settings)) {}
  Logins(const Logins&) = delete;
  Logins& operator=(const Logins&) = delete;

  /// A new attempt for `login_id`: the provider URL to send the browser to.
  std::string begin(std::string login_id, const ProviderMetadata& provider, core::Now now,
                    core::Random& rng);
  /// The redirect back: `state`, and `code` or the provider's `error` (+ description).
  /// Errors: "oidc.unknown_state" (never issued, already used, or expired), "oidc.provider_error"
  /// (the provider refused, e.g. access_denied), "oidc.no_code".
  Result<TokenExchange> callback(std::string_view state, std::string_view code,
                                 std::string_view error, std::string_view error_description,
                                 core::Now now);
  /// The token endpoint's answer (RFC 6749 section 5.1; `status` its HTTP status).
  /// Errors: "oidc.token_endpoint" (not 200, an "error" answer such as invalid_grant for a code
  /// used twice, no id_token), those of verify_id_token and admit.
  Result<LoginIdentity> finish(const TokenExchange& exchange, unsigned status,
                               std::string_view body, const Jwks& keys, core::WallTime now);

  std::optional<core::Duration> next_deadline() const;
  void on_deadline(core::Now now);

  std::size_t attempts() const { return attempts_.size(); }
  const LoginCounters& counters() const { return counters_; }
  const OidcSettings& settings() const { return settings_; }

 private:
  struct Attempt {
    std::string login_id;
    std::string nonce;
    std::string verifier;
    core::Duration expires{};
  };
  OidcSettings settings_;
  std::map<std::string, Attempt, std::less<>> attempts_;  // by state
  LoginCounters counters_;
};

/// RFC 3986 percent-encoding of everything but unreserved characters (for queries and forms).
std::string url_encode(std::string_view s);
/// One parameter of a query string or form body, decoded ('+' as space); nullopt when absent
/// or badly encoded.
std::optional<std::string> query_param(std::string_view query, std::string_view name);
/// The PKCE S256 challenge of a verifier (RFC 7636 section 4.2).
std::string pkce_challenge(std::string_view verifier);

}  // namespace weft::identity
