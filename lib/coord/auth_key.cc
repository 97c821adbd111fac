// Pre-auth keys: the text form, the keyed hash the server stores instead of the secret, and the
// check / use ladder with one typed refusal per failure.
#include "coord/auth_key.h"

#include <cassert>
#include <cctype>

#include "coord/secret_text.h"

namespace weft::coord {
namespace {

// Binds the hash to this purpose and format version, and to the key's id.
constexpr std::string_view kHashLabel = "weft pre-auth key v1";
constexpr int kIdAttempts = 8;

// Tailscale's tag names: "tag:" then a letter, then letters, digits and dashes.
bool valid_tag(std::string_view tag) {
  constexpr std::string_view kTagPrefix = "tag:";
  if (tag.size() <= kTagPrefix.size() || tag.substr(0, kTagPrefix.size()) != kTagPrefix) {
    return false;
  }
  const std::string_view name = tag.substr(kTagPrefix.size());
  if (!std::isalpha(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
  }
  return true;
}

}  // namespace

std::string AuthKeyId::to_string() const { return lower_hex(bytes.data(), bytes.size()); }

const char* refusal_code(AuthKeyRefusal r) {
  switch (r) {
    case AuthKeyRefusal::kMalformed: return "auth_key.malformed";
    case AuthKeyRefusal::kUnknown: return "auth_key.unknown";
    case AuthKeyRefusal::kRevoked: return "auth_key.revoked";
    case AuthKeyRefusal::kExpired: return "auth_key.expired";
    case AuthKeyRefusal::kUsed: return "auth_key.used";
  }
  return "auth_key.unknown";
}

Error AuthKeyCheck::error() const {
  assert(!ok());
  static constexpr const char* kDetail[] = {
      "not a weft pre-auth key (expected weftkey-<16 hex>-<64 hex>)",
      "no such pre-auth key",
      "the pre-auth key was revoked",
      "the pre-auth key has expired",
      "the single-use pre-auth key was used already",
  };
  return make_error(refusal_code(*refusal_), kDetail[static_cast<int>(*refusal_)]);
}

AuthKeys::~AuthKeys() { crypto::secure_zero(hashing_secret_.data(), hashing_secret_.size()); }

crypto::Hash32 AuthKeys::hash_secret(const AuthKeyId& id, const crypto::Key32& secret) const {
  return coord::hash_secret(hashing_secret_, kHashLabel, id.bytes, secret);
}

std::optional<std::pair<AuthKeyId, crypto::Key32>> AuthKeys::parse(std::string_view text) {
  auto parsed = parse_secret_text(kAuthKeyPrefix, text);
  if (!parsed) return std::nullopt;
  std::pair<AuthKeyId, crypto::Key32> out;
  out.first.bytes = parsed->first;
  out.second = parsed->second;
  crypto::secure_zero(parsed->second.data(), parsed->second.size());
  return out;
}

Result<CreatedAuthKey> AuthKeys::create(const AuthKeyRequest& request, core::WallTime now,
                                        core::Random& rng, const TagOwnerCheck& owns_tag) {
  const core::Duration expiry = request.expiry.value_or(kDefaultAuthKeyExpiry);
  if (expiry <= core::Duration::zero() || expiry > kMaxAuthKeyExpiry) {
    return make_error("auth_key.expiry",
                      "a pre-auth key's expiry must be positive and at most 90 days");
  }
  for (const std::string& tag : request.tags) {
    if (!valid_tag(tag)) {
      return make_error("auth_key.tag", "\"" + tag +
                                            "\" is not a tag (tag:name, a letter first, then "
                                            "letters, digits and dashes)");
    }
    if (!owns_tag || !owns_tag(request.user, tag)) {
      return make_error("auth_key.tag_not_owned",
                        "tagOwners does not let the key's user own " + tag);
    }
  }

  StoredAuthKey key;
  bool fresh = false;
  for (int i = 0; i < kIdAttempts && !fresh; ++i) {
    rng.fill(key.id.bytes.data(), key.id.bytes.size());
    fresh = keys_.count(key.id) == 0;
  }
  if (!fresh) {
    return make_error("auth_key.id_collision",
                      "the random source repeated existing key ids; is it broken?");
  }
  crypto::Key32 secret{};
  rng.fill(secret.data(), secret.size());

  key.secret_hash = hash_secret(key.id, secret);
  key.user = request.user;
  key.reusable = request.reusable;
  key.ephemeral = request.ephemeral;
  key.tags = request.tags;
  key.created = now;
  key.expires = now + std::chrono::duration_cast<core::WallTime::duration>(expiry);

  CreatedAuthKey created;
  created.id = key.id;
  created.text = secret_text(kAuthKeyPrefix, key.id.bytes, secret);
  crypto::secure_zero(secret.data(), secret.size());
  keys_.emplace(key.id, std::move(key));
  return created;
}

const StoredAuthKey* AuthKeys::verify(std::string_view presented, core::WallTime now,
                                      AuthKeyRefusal& refusal) const {
  auto parsed = parse(presented);
  if (!parsed) {
    refusal = AuthKeyRefusal::kMalformed;
    return nullptr;
  }
  const crypto::Hash32 hash = hash_secret(parsed->first, parsed->second);
  crypto::secure_zero(parsed->second.data(), parsed->second.size());
  auto it = keys_.find(parsed->first);
  if (it == keys_.end() ||
      !crypto::constant_time_equal(hash.data(), it->second.secret_hash.data(), hash.size())) {
    refusal = AuthKeyRefusal::kUnknown;
    return nullptr;
  }
  const StoredAuthKey& key = it->second;
  if (key.revoked) {
    refusal = AuthKeyRefusal::kRevoked;
    return nullptr;
  }
  if (now >= key.expires) {
    refusal = AuthKeyRefusal::kExpired;
    return nullptr;
  }
  if (!key.reusable && key.uses > 0) {
    refusal = AuthKeyRefusal::kUsed;
    return nullptr;
  }
  return &key;
}

AuthKeyCheck AuthKeys::check(std::string_view presented, core::WallTime now) const {
  AuthKeyRefusal refusal = AuthKeyRefusal::kMalformed;
  const StoredAuthKey* key = verify(presented, now, refusal);
  if (key == nullptr) return refusal;
  return AuthKeyGrant{key->id, key->user, key->ephemeral, key->tags};
}

AuthKeyCheck AuthKeys::use(std::string_view presented, core::WallTime now) {
  AuthKeyCheck result = check(presented, now);
  if (result) {
    StoredAuthKey& key = keys_.at(result.grant().id);
    ++key.uses;
    key.last_used = now;
  }
  return result;
}

Status AuthKeys::revoke(const AuthKeyId& id) {
  auto it = keys_.find(id);
  if (it == keys_.end()) {
    return make_error("auth_key.unknown", "no pre-auth key with id " + id.to_string());
  }
  it->second.revoked = true;
  return Ok{};
}

Status AuthKeys::restore(const StoredAuthKey& key) {
  if (!keys_.emplace(key.id, key).second) {
    return make_error("auth_key.duplicate",
                      "pre-auth key " + key.id.to_string() + " is already loaded");
  }
  return Ok{};
}

const StoredAuthKey* AuthKeys::find(const AuthKeyId& id) const {
  auto it = keys_.find(id);
  return it == keys_.end() ? nullptr : &it->second;
}

}  // namespace weft::coord
