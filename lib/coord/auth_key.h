// Pre-auth keys (issue 8): "weftkey-<id>-<secret>", shown once at creation and stored only as a
// keyed BLAKE2s hash; single-use or reusable, ephemeral or not, with expiry, tags and an owning
// user. Sans-IO, C++17-clean; the decisions are recorded in docs/control-plane.md.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "coord/ids.h"
#include "core/random.h"
#include "core/time.h"
#include "crypto/crypto.h"
#include "util/result.h"

namespace weft::coord {

/// "weftkey-" + 16 hex digits of id + "-" + 64 hex digits of secret (256 random bits).
inline constexpr std::string_view kAuthKeyPrefix = "weftkey-";
inline constexpr std::size_t kAuthKeyIdBytes = 8;
inline constexpr std::size_t kAuthKeySecretBytes = 32;
inline constexpr std::size_t kAuthKeyTextSize =
    kAuthKeyPrefix.size() + 2 * kAuthKeyIdBytes + 1 + 2 * kAuthKeySecretBytes;
/// Expiry when the operator names none, and the longest one accepted (Tailscale's limits).
inline constexpr std::chrono::hours kDefaultAuthKeyExpiry{24 * 90};
inline constexpr std::chrono::hours kMaxAuthKeyExpiry{24 * 90};

/// The public half of a key: listed, revoked and logged by it. Not a secret.
struct AuthKeyId {
  std::array<uint8_t, kAuthKeyIdBytes> bytes{};
  /// 16 lowercase hex digits.
  std::string to_string() const;
  friend bool operator==(const AuthKeyId& a, const AuthKeyId& b) { return a.bytes == b.bytes; }
  friend bool operator!=(const AuthKeyId& a, const AuthKeyId& b) { return !(a == b); }
  friend bool operator<(const AuthKeyId& a, const AuthKeyId& b) { return a.bytes < b.bytes; }
};

/// Decides whether `user` may own `tag` under the policy in force (its tagOwners, with groups
/// and autogroups resolved). Supplied by the caller so this core does not depend on lib/policy.
using TagOwnerCheck = std::function<bool(UserId user, std::string_view tag)>;

struct AuthKeyRequest {
  UserId user;
  bool reusable = false;
  bool ephemeral = false;
  /// From creation; nullopt means kDefaultAuthKeyExpiry.
  std::optional<core::Duration> expiry;
  /// "tag:name" each; a device registered with the key carries them (and no user-owned expiry).
  std::vector<std::string> tags;
};

/// What the server keeps of a key: everything but the secret, which only its hash stands for.
/// This is also what the store persists and reloads with `AuthKeys::restore`.
struct StoredAuthKey {
  AuthKeyId id;
  crypto::Hash32 secret_hash{};
  UserId user;
  bool reusable = false;
  bool ephemeral = false;
  std::vector<std::string> tags;
  core::WallTime created{};
  core::WallTime expires{};
  uint64_t uses = 0;
  /// The last registration it granted (nullopt: never used).
  std::optional<core::WallTime> last_used;
  bool revoked = false;
};

/// The key's text, to show once, and its id.
struct CreatedAuthKey {
  std::string text;
  AuthKeyId id;
};

/// What a valid key grants the device registering with it.
struct AuthKeyGrant {
  AuthKeyId id;
  UserId user;
  bool ephemeral = false;
  std::vector<std::string> tags;
};

enum class AuthKeyRefusal : uint8_t {
  kMalformed,  // not "weftkey-<16 hex>-<64 hex>"
  kUnknown,    // no such id, or the secret does not match (the two are not told apart)
  kRevoked,
  kExpired,
  kUsed,       // a single-use key that registered a device already
};

/// Stable code for logs and replies, e.g. "auth_key.expired".
const char* refusal_code(AuthKeyRefusal r);

/// The outcome of checking a presented key: a grant or one typed refusal.
class AuthKeyCheck {
 public:
  AuthKeyCheck(AuthKeyGrant grant) : grant_(std::move(grant)) {}  // NOLINT: implicit by design
  AuthKeyCheck(AuthKeyRefusal refusal) : refusal_(refusal) {}     // NOLINT
  bool ok() const { return !refusal_.has_value(); }
  explicit operator bool() const { return ok(); }
  /// Only when !ok().
  AuthKeyRefusal refusal() const { return *refusal_; }
  /// Only when ok().
  const AuthKeyGrant& grant() const { return grant_; }
  /// The refusal as a weft::Error (code = refusal_code), for callers that return a Result.
  Error error() const;

 private:
  AuthKeyGrant grant_;
  std::optional<AuthKeyRefusal> refusal_;
};

/// The server's pre-auth keys. `hashing_secret` is the server's 32-byte key for hashing key
/// secrets (kept beside the state, apart from the database); it is wiped when this is dropped.
///
/// Calling contract: `restore` every stored key before the first `check`; persist the result of
/// every `create`, `use` and `revoke` (the changed StoredAuthKey) before replying.
class AuthKeys {
 public:
  explicit AuthKeys(const crypto::Key32& hashing_secret) : hashing_secret_(hashing_secret) {}
  ~AuthKeys();
  AuthKeys(const AuthKeys&) = delete;
  AuthKeys& operator=(const AuthKeys&) = delete;

  /// Draws an id and a secret from `rng` and records the key.
  /// Errors: "auth_key.expiry" (expiry not positive or longer than kMaxAuthKeyExpiry),
  /// "auth_key.tag" (a tag not of the form "tag:name"), "auth_key.tag_not_owned" (owns_tag
  /// refuses a tag for request.user), "auth_key.id_collision" (rng gave an existing id 8 times).
  Result<CreatedAuthKey> create(const AuthKeyRequest& request, core::WallTime now,
                                core::Random& rng, const TagOwnerCheck& owns_tag);

  /// Whether `presented` would be accepted at `now`; changes nothing. Refusals, in the order
  /// they are tested: kMalformed, kUnknown, kRevoked, kExpired, kUsed.
  AuthKeyCheck check(std::string_view presented, core::WallTime now) const;
  /// As `check`, and on success counts one use and records it as the last (a single-use key is
  /// then spent).
  AuthKeyCheck use(std::string_view presented, core::WallTime now);

  /// Errors: "auth_key.unknown" when no key has this id. Revoking twice is accepted.
  Status revoke(const AuthKeyId& id);
  /// Reloads a stored key. Errors: "auth_key.duplicate" when the id is already present.
  Status restore(const StoredAuthKey& key);

  const StoredAuthKey* find(const AuthKeyId& id) const;
  /// Every key, by id (for `weft admin keys list` and the store).
  const std::map<AuthKeyId, StoredAuthKey>& keys() const { return keys_; }

  /// Parses "weftkey-<id>-<secret>" (exact length, lowercase hex). nullopt when malformed.
  static std::optional<std::pair<AuthKeyId, crypto::Key32>> parse(std::string_view text);

 private:
  crypto::Hash32 hash_secret(const AuthKeyId& id, const crypto::Key32& secret) const;
  const StoredAuthKey* verify(std::string_view presented, core::WallTime now,
                              AuthKeyRefusal& refusal) const;

  crypto::Key32 hashing_secret_;
  std::map<AuthKeyId, StoredAuthKey> keys_;
};

}  // namespace weft::coord
