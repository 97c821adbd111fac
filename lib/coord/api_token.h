// API access tokens for automation (issue 16): "weftapi-<id>-<secret>", shown once at creation and
// stored only as a keyed BLAKE2s hash, with a scope, an expiry, the last use and revocation. The
// scopes decide which admin operations a token may run (docs/identity.md, "Tokens and scopes").
// Sans-IO, C++17-clean.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "coord/secret_text.h"
#include "core/random.h"
#include "core/time.h"
#include "crypto/crypto.h"
#include "util/result.h"

namespace weft::coord {

inline constexpr std::string_view kApiTokenPrefix = "weftapi-";
/// Expiry when the operator names none, and the longest one accepted.
inline constexpr std::chrono::hours kDefaultApiTokenExpiry{24 * 90};
inline constexpr std::chrono::hours kMaxApiTokenExpiry{24 * 365};

/// What a token may do. kPolicy: read and set the policy, export the tailnet, read the status;
/// kNodes: list and act on nodes, read the status; kAll: every operation but creating tokens
/// (a token never mints another, so a leaked one dies with its expiry).
enum class ApiScope : uint8_t { kPolicy = 0, kNodes = 1, kAll = 2 };

/// "policy", "nodes", "all".
const char* scope_name(ApiScope scope);
/// The inverse of scope_name; nullopt for anything else.
std::optional<ApiScope> parse_scope(std::string_view text);
/// Whether a token of `scope` may run the admin operation `op` ("policy.set", "nodes.remove",
/// ...; docs/operations.md lists them). Unknown operations are refused for every scope.
bool scope_permits(ApiScope scope, std::string_view op);

struct ApiTokenId {
  SecretIdBytes bytes{};
  /// 16 lowercase hex digits.
  std::string to_string() const { return lower_hex(bytes.data(), bytes.size()); }
  /// The inverse of to_string; nullopt for anything else.
  static std::optional<ApiTokenId> parse(std::string_view text);
  friend bool operator==(const ApiTokenId& a, const ApiTokenId& b) { return a.bytes == b.bytes; }
  friend bool operator!=(const ApiTokenId& a, const ApiTokenId& b) { return !(a == b); }
  friend bool operator<(const ApiTokenId& a, const ApiTokenId& b) { return a.bytes < b.bytes; }
};

/// What the server keeps of a token (never the secret); what the store persists and restores.
struct StoredApiToken {
  ApiTokenId id;
  crypto::Hash32 secret_hash{};
  ApiScope scope = ApiScope::kPolicy;
  core::WallTime created{};
  core::WallTime expires{};
  std::optional<core::WallTime> last_used;
  uint64_t uses = 0;
  bool revoked = false;
};

struct CreatedApiToken {
  std::string text;  // shown once
  ApiTokenId id;
};

enum class ApiTokenRefusal : uint8_t {
  kMalformed,  // not "weftapi-<16 hex>-<64 hex>"
  kUnknown,    // no such id, or the secret does not match (not told apart)
  kRevoked,
  kExpired,
  kScope,      // a valid token whose scope does not cover the operation
};

/// Stable code for logs and replies, e.g. "api_token.expired".
const char* refusal_code(ApiTokenRefusal r);

/// The outcome of presenting a token for an operation: the token or one typed refusal.
struct ApiTokenCheck {
  std::optional<ApiTokenRefusal> refusal;
  /// Set unless the refusal is kMalformed or kUnknown.
  std::optional<ApiTokenId> id;
  ApiScope scope = ApiScope::kPolicy;
  /// The expiry of the token found (for the message of kExpired).
  core::WallTime expires{};
  /// The operation asked for (for the message of kScope).
  std::string op;

  bool ok() const { return !refusal.has_value(); }
  explicit operator bool() const { return ok(); }
  /// The refusal as a weft::Error, with a message a person can act on. Only when !ok().
  Error error() const;
};

/// The server's API tokens. `hashing_secret` is the server's 32-byte key for hashing secrets
/// (the pre-auth keys' one, under another label); it is wiped when this is dropped.
///
/// Calling contract: `restore` every stored token before the first `check`; persist the changed
/// StoredApiToken of every `create`, `use` and `revoke` before replying.
class ApiTokens {
 public:
  explicit ApiTokens(const crypto::Key32& hashing_secret) : hashing_secret_(hashing_secret) {}
  ~ApiTokens();
  ApiTokens(const ApiTokens&) = delete;
  ApiTokens& operator=(const ApiTokens&) = delete;

  /// Draws an id and a secret from `rng`; `expiry` nullopt means kDefaultApiTokenExpiry.
  /// Errors: "api_token.expiry" (not positive, or beyond kMaxApiTokenExpiry),
  /// "api_token.id_collision" (rng gave an existing id 8 times).
  Result<CreatedApiToken> create(ApiScope scope, std::optional<core::Duration> expiry,
                                 core::WallTime now, core::Random& rng);
  /// Whether `presented` may run `op` at `now`; changes nothing. Refusals, in the order they
  /// are tested: kMalformed, kUnknown, kRevoked, kExpired, kScope.
  ApiTokenCheck check(std::string_view presented, std::string_view op, core::WallTime now) const;
  /// As `check`, and on success counts the use and records it as the last.
  ApiTokenCheck use(std::string_view presented, std::string_view op, core::WallTime now);
  /// Errors: "api_token.unknown". Revoking twice is accepted.
  Status revoke(const ApiTokenId& id);
  /// Errors: "api_token.duplicate".
  Status restore(const StoredApiToken& token);

  const StoredApiToken* find(const ApiTokenId& id) const;
  const std::map<ApiTokenId, StoredApiToken>& tokens() const { return tokens_; }

 private:
  crypto::Key32 hashing_secret_;
  std::map<ApiTokenId, StoredApiToken> tokens_;
};

}  // namespace weft::coord
