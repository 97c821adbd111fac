// API tokens: scopes, the check / use ladder with one typed refusal per failure, and the store
// of hashed tokens.
#include "coord/api_token.h"

#include <cassert>
#include <ctime>

namespace weft::coord {
namespace {

constexpr std::string_view kHashLabel = "weft api token v1";
constexpr int kIdAttempts = 8;

// Every operation a token can ever run, with the narrow scope that covers it (kAll: only the
// all scope). tokens.create is absent: tokens are minted over the admin socket only.
struct OpScope {
  std::string_view op;
  std::optional<ApiScope> narrow;
};
constexpr OpScope kOps[] = {
    {"status", ApiScope::kPolicy},  // read by both narrow scopes, see scope_permits
    {"policy.get", ApiScope::kPolicy},
    {"policy.history", ApiScope::kPolicy},
    {"policy.check", ApiScope::kPolicy},
    {"policy.set", ApiScope::kPolicy},
    {"tailnet.export", ApiScope::kPolicy},
    {"dns.show", ApiScope::kPolicy},  // tailnet-wide settings, as the policy is
    {"dns.set", ApiScope::kPolicy},
    {"nodes.list", ApiScope::kNodes},
    {"nodes.show", ApiScope::kNodes},
    {"nodes.set_attr", ApiScope::kNodes},
    {"nodes.approve", ApiScope::kNodes},
    {"nodes.expire", ApiScope::kNodes},
    {"nodes.set_expiry", ApiScope::kNodes},
    {"nodes.rotate", ApiScope::kNodes},
    {"nodes.tag", ApiScope::kNodes},
    {"nodes.remove", ApiScope::kNodes},
    {"routes.list", ApiScope::kNodes},
    {"routes.approve", ApiScope::kNodes},
    {"routes.reject", ApiScope::kNodes},
    {"users.list", std::nullopt},
    {"users.create", std::nullopt},
    {"users.remove", std::nullopt},
    {"keys.list", std::nullopt},
    {"keys.create", std::nullopt},
    {"keys.revoke", std::nullopt},
    {"tokens.list", std::nullopt},
    {"tokens.revoke", std::nullopt},
};

std::string utc(core::WallTime t) {
  const std::time_t s = static_cast<std::time_t>(
      std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count());
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

const char* scope_name(ApiScope scope) {
  switch (scope) {
    case ApiScope::kPolicy: return "policy";
    case ApiScope::kNodes: return "nodes";
    case ApiScope::kAll: return "all";
  }
  return "policy";
}

std::optional<ApiScope> parse_scope(std::string_view text) {
  for (ApiScope s : {ApiScope::kPolicy, ApiScope::kNodes, ApiScope::kAll})
    if (text == scope_name(s)) return s;
  return std::nullopt;
}

bool scope_permits(ApiScope scope, std::string_view op) {
  for (const OpScope& o : kOps) {
    if (o.op != op) continue;
    if (scope == ApiScope::kAll) return true;
    if (op == "status") return true;
    return o.narrow == scope;
  }
  return false;
}

std::optional<ApiTokenId> ApiTokenId::parse(std::string_view text) {
  ApiTokenId id;
  if (!parse_lower_hex(text, id.bytes.data(), id.bytes.size())) return std::nullopt;
  return id;
}

const char* refusal_code(ApiTokenRefusal r) {
  switch (r) {
    case ApiTokenRefusal::kMalformed: return "api_token.malformed";
    case ApiTokenRefusal::kUnknown: return "api_token.unknown";
    case ApiTokenRefusal::kRevoked: return "api_token.revoked";
    case ApiTokenRefusal::kExpired: return "api_token.expired";
    case ApiTokenRefusal::kScope: return "api_token.scope";
  }
  return "api_token.unknown";
}

Error ApiTokenCheck::error() const {
  assert(!ok());
  const std::string name = id ? "API token " + id->to_string() : "the API token";
  switch (*refusal) {
    case ApiTokenRefusal::kMalformed:
      return make_error(refusal_code(*refusal),
                        "not a weft API token (expected weftapi-<16 hex>-<64 hex>)");
    case ApiTokenRefusal::kUnknown:
      return make_error(refusal_code(*refusal), "no such API token");
    case ApiTokenRefusal::kRevoked:
      return make_error(refusal_code(*refusal), name + " was revoked");
    case ApiTokenRefusal::kExpired:
      return make_error(refusal_code(*refusal), name + " expired at " + utc(expires) +
                                                    "; create a new one with weft admin tokens "
                                                    "create");
    case ApiTokenRefusal::kScope:
      if (op == "tokens.create")
        return make_error(refusal_code(*refusal),
                          "no API token can create tokens: run weft admin --state DIR tokens "
                          "create on the server");
      return make_error(refusal_code(*refusal),
                        name + " has scope " + scope_name(scope) + ", which does not cover " +
                            (op.empty() ? std::string("this") : op));
  }
  return make_error("api_token.unknown", "no such API token");
}

ApiTokens::~ApiTokens() { crypto::secure_zero(hashing_secret_.data(), hashing_secret_.size()); }

Result<CreatedApiToken> ApiTokens::create(ApiScope scope, std::optional<core::Duration> expiry,
                                          core::WallTime now, core::Random& rng) {
  const core::Duration lifetime = expiry.value_or(kDefaultApiTokenExpiry);
  if (lifetime <= core::Duration::zero() || lifetime > kMaxApiTokenExpiry) {
    return make_error("api_token.expiry",
                      "an API token's expiry must be positive and at most 365 days");
  }
  StoredApiToken token;
  bool fresh = false;
  for (int i = 0; i < kIdAttempts && !fresh; ++i) {
    rng.fill(token.id.bytes.data(), token.id.bytes.size());
    fresh = tokens_.count(token.id) == 0;
  }
  if (!fresh) {
    return make_error("api_token.id_collision",
                      "the random source repeated existing token ids; is it broken?");
  }
  crypto::Key32 secret{};
  rng.fill(secret.data(), secret.size());
  token.secret_hash = hash_secret(hashing_secret_, kHashLabel, token.id.bytes, secret);
  token.scope = scope;
  token.created = now;
  token.expires = now + std::chrono::duration_cast<core::WallTime::duration>(lifetime);
  CreatedApiToken created{secret_text(kApiTokenPrefix, token.id.bytes, secret), token.id};
  crypto::secure_zero(secret.data(), secret.size());
  tokens_.emplace(token.id, std::move(token));
  return created;
}

ApiTokenCheck ApiTokens::check(std::string_view presented, std::string_view op,
                               core::WallTime now) const {
  ApiTokenCheck out;
  out.op = std::string(op.substr(0, 64));
  auto parsed = parse_secret_text(kApiTokenPrefix, presented);
  if (!parsed) {
    out.refusal = ApiTokenRefusal::kMalformed;
    return out;
  }
  const ApiTokenId id{parsed->first};
  const crypto::Hash32 hash = hash_secret(hashing_secret_, kHashLabel, id.bytes, parsed->second);
  crypto::secure_zero(parsed->second.data(), parsed->second.size());
  auto it = tokens_.find(id);
  if (it == tokens_.end() ||
      !crypto::constant_time_equal(hash.data(), it->second.secret_hash.data(), hash.size())) {
    out.refusal = ApiTokenRefusal::kUnknown;
    return out;
  }
  const StoredApiToken& t = it->second;
  out.id = t.id;
  out.scope = t.scope;
  out.expires = t.expires;
  if (t.revoked) {
    out.refusal = ApiTokenRefusal::kRevoked;
  } else if (now >= t.expires) {
    out.refusal = ApiTokenRefusal::kExpired;
  } else if (!scope_permits(t.scope, op)) {
    out.refusal = ApiTokenRefusal::kScope;
  }
  return out;
}

ApiTokenCheck ApiTokens::use(std::string_view presented, std::string_view op,
                             core::WallTime now) {
  ApiTokenCheck out = check(presented, op, now);
  if (out) {
    StoredApiToken& t = tokens_.at(*out.id);
    ++t.uses;
    t.last_used = now;
  }
  return out;
}

Status ApiTokens::revoke(const ApiTokenId& id) {
  auto it = tokens_.find(id);
  if (it == tokens_.end())
    return make_error("api_token.unknown", "no API token with id " + id.to_string());
  it->second.revoked = true;
  return Ok{};
}

Status ApiTokens::restore(const StoredApiToken& token) {
  if (!tokens_.emplace(token.id, token).second)
    return make_error("api_token.duplicate",
                      "API token " + token.id.to_string() + " is already loaded");
  return Ok{};
}

const StoredApiToken* ApiTokens::find(const ApiTokenId& id) const {
  auto it = tokens_.find(id);
  return it == tokens_.end() ? nullptr : &it->second;
}

}  // namespace weft::coord
