// The ID token of an OpenID Connect login (OpenID Connect Core 1.0 section 3.1.3.7): signature
// checked by libjwt with a key of the provider's JWK Set, then iss, aud, azp, exp, iat and nonce.
// Sans-IO: `now` comes in.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"
#include "identity/jwks.h"
#include "util/result.h"

namespace weft::identity {

/// Clock difference tolerated between the provider and this server, both ways.
inline constexpr std::chrono::seconds kClockSkew{60};
/// An ID token issued longer ago than this is refused even if it has not expired.
inline constexpr std::chrono::minutes kMaxTokenAge{10};
inline constexpr std::size_t kMaxIdTokenBytes = 16 * 1024;
inline constexpr std::size_t kMaxGroupsPerUser = 64;

/// What one login attempt expects of its ID token.
struct TokenExpectations {
  std::string issuer;     // exactly the discovery document's "issuer"
  std::string client_id;  // must be in "aud" (and be "azp" when that is present)
  std::string nonce;      // the attempt's nonce
};

/// The claims weft uses, after every check passed.
struct IdTokenClaims {
  std::string issuer;
  std::string subject;
  std::string email;  // may be empty
  bool email_verified = false;
  std::string name;
  /// The "groups" claim's strings, as the provider sent them (at most kMaxGroupsPerUser).
  std::vector<std::string> groups;
};

/// Verifies `token` against `keys`.
/// Errors: "oidc.token_malformed" (not a JWS compact token, header or claims not JSON objects,
/// a claim of the wrong type, larger than 16 KiB), "oidc.token_alg" (alg "none", an HMAC or
/// any algorithm other than the key's), "oidc.unknown_kid" (no key of the set has the token's
/// kid: the driver refetches the set once and tries again), "oidc.token_signature",
/// "oidc.token_issuer", "oidc.token_audience" (aud or azp), "oidc.token_expired" (exp + skew
/// passed, or no exp), "oidc.token_iat" (no iat, issued in the future or too long ago),
/// "oidc.token_nonce" (missing or not this attempt's), "oidc.token_subject" (no sub).
Result<IdTokenClaims> verify_id_token(std::string_view token, const Jwks& keys,
                                      const TokenExpectations& expect, core::WallTime now);

}  // namespace weft::identity
