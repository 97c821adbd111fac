// The coordinator's token lifecycles (issue 16): API tokens (create, revoke, the authorization of
// each admin request, durable last use), node-key expiry set by the operator, and the log lines
// every use and refusal of a credential leaves (docs/identity.md).
#include <utility>

#include "coord/coordinator.h"
#include "coord/coordinator_impl.h"

namespace weft::coord {
namespace {

constexpr std::size_t kMaxLogLines = 4096;

}  // namespace

void Coordinator::Impl::log(std::string line) {
  if (log_lines.size() >= kMaxLogLines) {
    log_lines.pop_front();
    ++counters.log_lines_dropped;
  }
  log_lines.push_back(std::move(line));
}

void Coordinator::Impl::log_registration(const RegisterInput& in,
                                         const Result<Registration>& reg) {
  const std::string host = " (host \"" + in.hostname.substr(0, 64) + "\")";
  std::string key;
  if (auto parsed = AuthKeys::parse(in.auth_key)) {
    key = "pre-auth key " + parsed->first.to_string();
    crypto::secure_zero(parsed->second.data(), parsed->second.size());
  } else if (!in.auth_key.empty()) {
    key = "a malformed pre-auth key";
  }
  if (!reg) {
    log("registration refused" + host + (key.empty() ? "" : " with " + key) + ": " +
        reg.error().code + ": " + reg.error().detail);
    return;
  }
  const Device& d = reg->device;
  const std::string node = (key.empty() ? "" : key + " used: ") + "node " +
                           std::to_string(d.id.value) + host;
  switch (reg->outcome) {
    case RegisterOutcome::kNew: log(node + " registered"); break;
    case RegisterOutcome::kReregistered:
      log(node + " registered again with a new node key");
      break;
    case RegisterOutcome::kReconnected: log(node + ": node key used (reconnected)"); break;
    case RegisterOutcome::kRotated: log(node + ": node key rotated"); break;
  }
}

bool Coordinator::poll_log(std::string& line) {
  if (impl_->log_lines.empty()) return false;
  line = std::move(impl_->log_lines.front());
  impl_->log_lines.pop_front();
  return true;
}

Result<CreatedApiToken> Coordinator::create_api_token(ApiScope scope,
                                                      std::optional<core::Duration> expiry,
                                                      core::Now now, core::Random& rng) {
  Impl& m = *impl_;
  m.last_now = now;
  auto created = m.api_tokens->create(scope, expiry, now.wall, rng);
  if (!created) return created.error();
  const std::vector<StoredApiToken> rows{*m.api_tokens->find(created->id)};
  if (auto st = m.commit(nullptr, nullptr, &rows); !st) return st.error();
  m.log("api token " + created->id.to_string() + " created, scope " + scope_name(scope));
  return created;
}

Status Coordinator::revoke_api_token(const ApiTokenId& id, core::Now now) {
  Impl& m = *impl_;
  m.last_now = now;
  if (auto st = m.api_tokens->revoke(id); !st) return st;
  const std::vector<StoredApiToken> rows{*m.api_tokens->find(id)};
  if (auto st = m.commit(nullptr, nullptr, &rows); !st) return st;
  m.log("api token " + id.to_string() + " revoked");
  return Ok{};
}

Result<ApiTokenCheck> Coordinator::authorize_api_token(std::string_view presented,
                                                       std::string_view op, core::Now now) {
  Impl& m = *impl_;
  m.last_now = now;
  ApiTokenCheck c = m.api_tokens->use(presented, op, now.wall);
  const std::string name = c.id ? "api token " + c.id->to_string() : "api token";
  if (!c) {
    ++m.counters.api_token_refusals;
    m.log(name + " refused for " + std::string(op) + ": " + c.error().code + ": " +
          c.error().detail);
    return c;
  }
  const std::vector<StoredApiToken> rows{*m.api_tokens->find(*c.id)};
  if (auto st = m.commit(nullptr, nullptr, &rows); !st) {
    ++m.counters.api_token_refusals;
    m.log(name + " refused for " + std::string(op) + ": the store failed: " + st.error().detail);
    return st.error();
  }
  ++m.counters.api_token_uses;
  m.log(name + " used for " + std::string(op) + " (scope " + scope_name(c.scope) + ")");
  return c;
}

const ApiTokens& Coordinator::api_tokens() const { return *impl_->api_tokens; }

Status Coordinator::set_key_expiry(DeviceId id, std::optional<core::Duration> after,
                                   core::Now now) {
  Impl& m = *impl_;
  m.last_now = now;
  std::optional<core::WallTime> at;
  if (after) at = now.wall + std::chrono::duration_cast<core::WallTime::duration>(*after);
  auto change = m.registry->set_key_expiry(id, at, now.wall);
  if (!change) return change.error();
  if (auto st = m.commit(&*change); !st) return st;
  m.apply(*change);
  m.flush(now);
  m.log("node " + std::to_string(id.value) + ": key expiry set to " +
        (at ? "+" + std::to_string(std::chrono::duration_cast<std::chrono::seconds>(*after).count()) + "s"
            : std::string("never")));
  return Ok{};
}

}  // namespace weft::coord
