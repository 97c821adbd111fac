// The provider's signing keys: a JWK Set (RFC 7517 section 5) turned into public keys libjwt
// verifies with. RSA (RFC 7518 section 6.3.1) for RS256 and EC P-256 (section 6.2.1) for ES256;
// every other key type is skipped. Strict: exact member types, canonical base64url, sizes and
// curve points checked. Sans-IO: text in, keys out.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace weft::identity {

/// The signature algorithms weft accepts on an ID token (RFC 7518 section 3.1). Never "none",
/// never an HMAC: the key decides the algorithm, not the token.
enum class JwsAlg : uint8_t { kRs256, kEs256 };
const char* to_string(JwsAlg alg);  // "RS256", "ES256"

/// One usable signing key.
struct Jwk {
  std::string kid;   // may be empty when the set holds one key
  JwsAlg alg = JwsAlg::kRs256;
  std::string pem;   // SubjectPublicKeyInfo, PEM: what libjwt 1.10 takes
};

struct Jwks {
  std::vector<Jwk> keys;
  /// Keys of the set that weft does not use (other kty, crv, "use": "enc", other alg).
  std::size_t skipped = 0;
  /// The key for `kid` and `alg`, or nullptr. An empty kid matches only a set of one key.
  const Jwk* find(std::string_view kid, JwsAlg alg) const;
};

/// Limits of an untrusted JWK Set.
inline constexpr std::size_t kMaxJwksBytes = 256 * 1024;
inline constexpr std::size_t kMaxJwksKeys = 64;
inline constexpr std::size_t kMinRsaBits = 2048;
inline constexpr std::size_t kMaxRsaBits = 8192;

/// Parses a JWK Set document.
/// Errors: "jwks.malformed" (not JSON, no "keys" array, a member of the wrong type, a base64url
/// value that is not canonical, too large or too many keys), "jwks.bad_key" (an RSA modulus
/// outside 2048..8192 bits or an even or tiny exponent, an EC point not on P-256 or of the wrong
/// length, a private key member present), "jwks.duplicate_kid", "jwks.empty" (no usable key).
Result<Jwks> parse_jwks(std::string_view text);

}  // namespace weft::identity
