// The coordinator core's operations (docs/control-plane.md): start from the stored state,
// the driver's connection and timer entry points, the operator's commands and policy changes.
// Every change is committed to the store before anything that depends on it is sent.
#include "coord/coordinator.h"

#include <algorithm>
#include <utility>

#include "coord/coordinator_impl.h"
#include "coord/names.h"
#include "coord/policy_outcome.h"
#include "coord/posture.h"
#include "coord/tag_owners.h"
#include "policy/pipeline.h"

namespace weft::coord {
namespace {

/// How long stream-reported rows (online, endpoints) may wait for a commit of their own.
constexpr core::Duration kLazyFlush = std::chrono::seconds(1);

}  // namespace

// ------------------------------------------------------------------------------ Impl helpers

Status Coordinator::Impl::commit(const RegistryChange* change, const PolicyRecord* policy,
                                 const std::vector<StoredApiToken>* api_tokens) {
  RegistryChange merged;
  const bool has_lazy = !lazy_rows.empty();
  if (has_lazy) {
    // Rows the stream changed ride along; a row the change also carries is written once, as
    // the change has it (newer).
    for (auto& [id, row] : lazy_rows) {
      bool newer = false;
      if (change != nullptr)
        for (const auto& d : change->devices_upserted) newer = newer || d.id == id;
      if (!newer) merged.devices_upserted.push_back(row);
    }
    if (change != nullptr) {
      merged.users_upserted = change->users_upserted;
      merged.users_removed = change->users_removed;
      merged.devices_upserted.insert(merged.devices_upserted.end(),
                                     change->devices_upserted.begin(),
                                     change->devices_upserted.end());
      merged.auth_keys_upserted = change->auth_keys_upserted;
      merged.addresses_assigned = change->addresses_assigned;
      merged.addresses_released = change->addresses_released;
    }
    change = &merged;
  }
  if ((change == nullptr || change->empty()) && policy == nullptr &&
      (api_tokens == nullptr || api_tokens->empty()))
    return Ok{};
  StateChange sc;
  sc.registry = change;
  sc.policy = policy;
  sc.api_tokens = api_tokens;
  Status st = store.commit(sc);
  if (!st) {
    ++counters.store_failures;
    // The registry's memory is now ahead of the disk: the driver must stop and restart from
    // the store (Coordinator::healthy()).
    store_failed = true;
    return st;
  }
  if (has_lazy) {
    lazy_rows.clear();
    lazy_due.reset();
  }
  return st;
}

void Coordinator::Impl::lazy(const RegistryChange& change, core::Now now) {
  for (const auto& d : change.devices_upserted) lazy_rows[d.id] = d;
  if (!lazy_rows.empty() && !lazy_due) lazy_due = now.mono + kLazyFlush;
}

NodeIdentity Coordinator::Impl::identity_of(const Device& d) const {
  NodeIdentity id;
  if (d.tagged()) {
    id.tags = d.tags;
  } else if (const User* u = registry->find_user(d.user)) {
    id.user = u->email;
    if (u->role != Role::kMember) id.roles.push_back(role_name(u->role));
    id.groups = u->groups;
  }
  if (d.addresses) id.addresses = {d.addresses->v4, d.addresses->v6};
  id.posture_attrs = posture_of(d);
  return id;
}

TagOwnerCheck Coordinator::Impl::tag_owner_check() const {
  return [this](UserId user, std::string_view tag) {
    const User* u = registry->find_user(user);
    return u != nullptr && policy && user_owns_tag(*policy, *u, tag);
  };
}

void Coordinator::Impl::apply(const RegistryChange& change) {
  for (const auto& d : change.devices_upserted) {
    const bool visible = d.state == DeviceState::kAuthorized;
    if (visible) {
      const bool joining = !visibility->contains(d.id);
      auto change = visibility->upsert(d.id, identity_of(d));
      owe(change, joining ? std::optional<DeviceId>(d.id) : std::nullopt);
      owe_peer_update(d.id);
      // The device hears of its own row too: an operator's tags and the key expiry they move.
      pending[d.id].self = true;
      continue;
    }
    if (visibility->contains(d.id)) {
      const Leaving left = leaving(d.id);
      owe(visibility->remove(d.id), std::nullopt, &left);
    }
    // An expired or removed device's stream ends; a pending one keeps waiting.
    if (d.state == DeviceState::kExpired || d.state == DeviceState::kRemoved) {
      for (auto* table : {&streams, &waiting}) {
        auto it = table->find(d.id);
        if (it == table->end()) continue;
        if (Session* s = find(it->second)) {
          const bool removed = d.state == DeviceState::kRemoved;
          fail(*s, removed ? "control.removed" : "control.key_expired",
               removed ? "this device was removed from the tailnet"
                       : "this device's key expired: register again with an auth key",
               last_now);
        }
        table->erase(it);
      }
    }
  }
}

// ------------------------------------------------------------------------------ Coordinator

Coordinator::Coordinator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Coordinator::~Coordinator() = default;

Result<std::unique_ptr<Coordinator>> Coordinator::create(const CoordinatorConfig& config,
                                                         const RegistryConfig& registry_config,
                                                         const RestoredState& state,
                                                         StateStore& store, core::Now now,
                                                         core::Random& rng) {
  (void)rng;
  auto impl = std::make_unique<Impl>(config, store);
  impl->last_now = now;
  impl->api_tokens = std::make_unique<ApiTokens>(config.auth_key_secret);
  for (const auto& t : state.api_tokens)
    if (auto st = impl->api_tokens->restore(t); !st) return st.error();
  auto registry = Registry::create(registry_config, config.auth_key_secret);
  if (!registry) return registry.error();
  impl->registry = std::move(registry).value();
  std::map<DeviceId, DeviceAddresses> held;
  for (const auto& d : state.devices)
    if (d.addresses && d.state != DeviceState::kRemoved) held[d.id] = *d.addresses;
  std::vector<Device> devices = state.devices;
  // Nobody is connected to a server that just started; an ephemeral device that was online
  // when the server stopped counts as offline from now.
  for (auto& d : devices) {
    if (d.online && !d.offline_since) d.offline_since = now.wall;
    d.online = false;
  }
  if (auto st = impl->registry->restore(state.users, devices, state.auth_keys, held,
                                        state.quarantined);
      !st)
    return st.error();

  impl->history = state.policies;
  impl->dns = state.dns;
  std::string text = impl->history.empty()
                         ? (config.initial_policy.empty() ? std::string(kDefaultPolicyText)
                                                          : config.initial_policy)
                         : impl->history.back().text;
  auto checked = policy::check_policy(text, policy::RunTests::kNo);
  if (!checked.policy || policy::has_errors(checked.diagnostics))
    return make_error("coord.policy", "the policy in force does not load: " +
                                          (checked.diagnostics.empty()
                                               ? std::string("unknown error")
                                               : checked.diagnostics.front().message));
  impl->policy = std::move(checked.policy);
  auto vis = Visibility::create(text);
  if (!vis) return make_error("coord.policy", vis.error().detail);
  impl->visibility = std::move(vis).value();
  if (impl->history.empty()) {
    PolicyRecord first{1, text, now.wall};
    if (auto st = impl->commit(nullptr, &first); !st) return st.error();
    impl->history.push_back(std::move(first));
  }
  for (const auto& [id, d] : impl->registry->devices())
    if (d.state == DeviceState::kAuthorized) impl->visibility->upsert(id, impl->identity_of(d));
  return std::unique_ptr<Coordinator>(new Coordinator(std::move(impl)));
}

void Coordinator::connection_opened(ConnectionId id, core::Now now) {
  Impl& m = *impl_;
  m.last_now = now;
  auto s = std::make_unique<Session>(id, m.config.server_key);
  s->opened = now.mono;
  s->last_received = now.mono;
  s->last_sent = now.mono;
  Session& ref = *s;
  m.sessions[id.value] = std::move(s);
  ++m.counters.connections;
  m.arm(ref);
}

void Coordinator::connection_bytes(ConnectionId id, core::ByteView bytes, core::Now now,
                                   core::Random& rng) {
  Impl& m = *impl_;
  m.last_now = now;
  if (Session* s = m.find(id)) m.receive(*s, bytes, now, rng);
}

void Coordinator::connection_closed(ConnectionId id, core::Now now) {
  Impl& m = *impl_;
  m.last_now = now;
  Session* s = m.find(id);
  if (s == nullptr) return;
  if (s->timer_armed) m.timers.erase({s->timer, id.value});
  m.drop_stream(*s, now);
  m.sessions.erase(id.value);
}

bool Coordinator::poll_transmit(Transmit& out) {
  Impl& m = *impl_;
  while (!m.ready.empty()) {
    const ConnectionId id = m.ready.front();
    m.ready.pop_front();
    Session* s = m.find(id);
    if (s == nullptr) continue;
    s->ready = false;
    if (s->out.empty() && !s->close_after) continue;
    out.connection = id;
    out.bytes = std::move(s->out);
    s->out.clear();
    out.close = s->close_after;
    if (out.close) {
      // The driver closes after writing and reports connection_closed; input is ignored.
      s->close_after = false;
      s->phase = Session::Phase::kClosing;
    }
    return true;
  }
  return false;
}

std::optional<core::Duration> Coordinator::next_deadline() const {
  const Impl& m = *impl_;
  std::optional<core::Duration> at;
  auto earliest = [&](core::Duration t) { at = at ? std::min(*at, t) : t; };
  if (!m.timers.empty()) earliest(m.timers.begin()->first);
  if (m.lazy_due) earliest(*m.lazy_due);
  if (auto wall = m.registry->next_deadline())
    earliest(m.last_now.mono + std::max(core::Duration::zero(),
                                        std::chrono::duration_cast<core::Duration>(
                                            *wall - m.last_now.wall)));
  return at;
}

void Coordinator::on_deadline(core::Now now, core::Random& rng) {
  (void)rng;
  Impl& m = *impl_;
  m.last_now = now;
  while (!m.timers.empty() && m.timers.begin()->first <= now.mono) {
    const uint64_t conn = m.timers.begin()->second;
    m.timers.erase(m.timers.begin());
    Session* s = m.find(ConnectionId{conn});
    if (s == nullptr) continue;
    s->timer_armed = false;
    if (s->phase == Session::Phase::kClosing) continue;
    const bool live = s->phase == Session::Phase::kStreaming ||
                      s->phase == Session::Phase::kPending ||
                      s->phase == Session::Phase::kRegistered ||
                      s->phase == Session::Phase::kVerifier;
    if (!live) {
      m.fail(*s, "control.timeout", "no registration within the handshake timeout", now);
      continue;
    }
    if (now.mono >= s->last_received + 3 * m.config.keepalive) {
      m.close(*s);  // silent for three keepalive intervals: the node is gone
      continue;
    }
    if (now.mono >= s->last_sent + m.config.keepalive) m.send(*s, control::KeepAlive{}, now);
    m.arm(*s);
  }
  if (auto wall = m.registry->next_deadline(); wall && *wall <= now.wall) {
    RegistryChange c = m.registry->on_deadline(now.wall);
    if (m.commit(&c)) m.apply(c);
  }
  if (m.lazy_due && *m.lazy_due <= now.mono) m.commit(nullptr);
  m.flush(now);
}

// ------------------------------------------------------------------------------ operator

namespace {

// Runs a registry mutation, commits it, applies it: the common shape of operator commands.
template <class F>
Status run_change(Coordinator::Impl& m, core::Now now, F&& mutate) {
  m.last_now = now;
  Result<RegistryChange> c = mutate();
  if (!c) return c.error();
  if (auto st = m.commit(&*c); !st) return st;
  m.apply(*c);
  m.flush(now);
  return Ok{};
}

}  // namespace

Result<User> Coordinator::create_user(std::string_view email, Role role, core::Now now) {
  Impl& m = *impl_;
  auto c = m.registry->create_user(email, role, now.wall);
  if (!c) return c.error();
  if (auto st = m.commit(&*c); !st) return st.error();
  return c->users_upserted.front();
}

Status Coordinator::remove_user(std::string_view email, core::Now now) {
  return run_change(*impl_, now, [&] { return impl_->registry->remove_user(email); });
}

Result<CreatedAuthKey> Coordinator::create_auth_key(std::string_view user_email,
                                                    AuthKeyRequest request, core::Now now,
                                                    core::Random& rng) {
  Impl& m = *impl_;
  const User* u = m.registry->find_user(user_email);
  if (u == nullptr)
    return make_error("coord.unknown_user", "no user " + std::string(user_email));
  request.user = u->id;
  auto created = m.registry->create_auth_key(request, now.wall, rng, m.tag_owner_check());
  if (!created) return created.error();
  if (auto st = m.commit(&created->change); !st) return st.error();
  return created->key;
}

Status Coordinator::revoke_auth_key(const AuthKeyId& id, core::Now now) {
  return run_change(*impl_, now, [&] { return impl_->registry->revoke_auth_key(id); });
}

Status Coordinator::approve(DeviceId id, core::Now now) {
  Impl& m = *impl_;
  Status st = run_change(m, now, [&] { return m.registry->approve(id, now.wall); });
  if (!st) return st;
  // The node waiting on its registration hears that it is in.
  auto w = m.waiting.find(id);
  const Device* d = m.registry->find(id);
  if (w != m.waiting.end() && d != nullptr && d->state == DeviceState::kAuthorized) {
    // A connection already closing is not revived: the node comes back and reconnects.
    if (Session* s = m.find(w->second); s && s->phase == Session::Phase::kPending) {
      control::RegisterResponse resp;
      resp.status = control::RegisterStatus::kAuthorized;
      resp.node = control::NodeId{id.value};
      resp.key_expiry = d->key_expiry;
      s->phase = Session::Phase::kRegistered;
      m.streams[id] = s->id;
      m.send(*s, resp, now);
    }
    m.waiting.erase(w);
  }
  return st;
}

Status Coordinator::expire(DeviceId id, core::Now now) {
  return run_change(*impl_, now, [&] { return impl_->registry->expire(id, now.wall); });
}

Status Coordinator::remove(DeviceId id, core::Now now) {
  return run_change(*impl_, now, [&] { return impl_->registry->remove(id, now.wall); });
}

Status Coordinator::rotate(DeviceId id, core::Now now) {
  Impl& m = *impl_;
  m.last_now = now;
  if (auto st = m.registry->request_rotation(id); !st) return st;
  m.rotation_requested.insert(id);
  auto it = m.streams.find(id);
  if (it != m.streams.end())
    if (Session* s = m.find(it->second); s && s->phase == Session::Phase::kStreaming)
      m.send(*s, control::RotateKey{}, now);
  return Ok{};
}

Status Coordinator::set_tags(DeviceId id, const std::vector<std::string>& tags, core::Now now) {
  Impl& m = *impl_;
  for (const auto& t : tags) {
    bool known = false;
    if (m.policy)
      for (const auto& o : m.policy->tag_owners) known = known || o.tag == t;
    if (!is_valid_tag(t) || !known)
      return make_error("coord.tag", "tag " + t + " is not defined in the policy's tagOwners");
  }
  return run_change(m, now, [&] { return m.registry->set_tags(id, tags, now.wall); });
}

Status Coordinator::set_posture_attributes(DeviceId id,
                                           const std::map<std::string, std::string>& set,
                                           const std::vector<std::string>& unset, core::Now now) {
  Impl& m = *impl_;
  return run_change(m, now,
                    [&] { return m.registry->set_posture_attributes(id, set, unset); });
}

PolicyOutcome Coordinator::check_policy(std::string_view text) const {
  // Tests are decided against the registry as `weft admin tailnet export` writes it.
  return check_against_registry(text, *impl_->registry);
}

PolicyOutcome Coordinator::set_policy(std::string_view text, core::Now now) {
  Impl& m = *impl_;
  m.last_now = now;
  PolicyOutcome out = check_policy(text);
  if (!out.valid) return out;
  auto checked = policy::check_policy(text, policy::RunTests::kNo);
  // The view switches first: a policy the view refuses is never recorded as in force.
  const std::string previous = m.history.empty() ? std::string() : m.history.back().text;
  auto change = m.visibility->set_policy(text);
  if (!change) {
    out.valid = false;
    out.findings.push_back(PolicyFinding{true, 0, 0, change.error().detail});
    return out;
  }
  PolicyRecord record{m.history.empty() ? 1 : m.history.back().version + 1, std::string(text),
                      now.wall};
  if (auto st = m.commit(nullptr, &record); !st) {
    // Back to the policy on disk; the core is unhealthy now anyway (see commit).
    m.visibility->set_policy(previous);
    out.valid = false;
    out.findings.push_back(PolicyFinding{true, 0, 0, "could not record the policy: " +
                                                         st.error().detail});
    return out;
  }
  m.history.push_back(record);
  m.policy = std::move(checked.policy);
  m.owe(*change);
  out.version = record.version;
  m.flush(now);
  return out;
}

const std::vector<PolicyRecord>& Coordinator::policy_history() const { return impl_->history; }
const std::string& Coordinator::dns_domain() const { return impl_->config.dns_domain; }
const std::vector<control::RelayRegion>& Coordinator::relays() const {
  return impl_->config.relays;
}

bool Coordinator::node_key_allowed(const core::NodePublicKey& node_key,
                                   core::WallTime now) const {
  return impl_->node_key_allowed(node_key, now);
}
const Registry& Coordinator::registry() const { return *impl_->registry; }
const CoordinatorCounters& Coordinator::counters() const { return impl_->counters; }
std::size_t Coordinator::streams() const { return impl_->streams.size(); }
bool Coordinator::healthy() const { return !impl_->store_failed; }

}  // namespace weft::coord
