// Interactive login on the control protocol (capability 3, docs/identity.md "Login flow"): a
// registration without an auth key waits on its connection under a login id while a person
// logs in at the identity provider; the driver (lib/serve, with lib/identity) reports the
// proven identity, and the waiting node is registered as that user's device.
#include <cstdio>

#include "coord/coordinator_impl.h"

namespace weft::coord {
namespace {

constexpr std::size_t kLoginIdBytes = 16;

std::string random_hex(core::Random& rng, std::size_t n) {
  std::vector<uint8_t> bytes(n);
  rng.fill(bytes.data(), bytes.size());
  std::string out;
  char buf[3];
  for (uint8_t b : bytes) {
    std::snprintf(buf, sizeof buf, "%02x", b);
    out += buf;
  }
  return out;
}

// How the log names a login: the identity it proved, for the operator to find the person.
std::string login_text(const ProvenIdentity& who) {
  return who.email.substr(0, 256) + " (subject \"" + who.subject.substr(0, 128) + "\")";
}

std::string host_text(const RegisterInput& in) {
  return " (host \"" + in.hostname.substr(0, 64) + "\")";
}

// Tells the waiting node why it is not registered, and closes its connection.
void refuse_waiting(Coordinator::Impl& m, Session& s, const std::string& code,
                    const std::string& message, core::Now now) {
  ++m.counters.registrations_refused;
  control::RegisterResponse resp;
  resp.status = control::RegisterStatus::kRefused;
  resp.error_code = code;
  resp.error_message = message;
  m.send(s, resp, now);
  m.close(s);
  m.flush(now);
}

}  // namespace

bool Coordinator::Impl::wants_login(const RegisterInput& in, bool force_reauth) const {
  if (config.login_url_prefix.empty() || !in.auth_key.empty()) return false;
  const Device* known = registry->find_by_machine_key(in.machine_key);
  // A removed machine is refused by the registry as always; a known machine presenting its
  // current, unexpired node key reconnects without a login unless asked to log in again.
  if (known == nullptr) return true;
  if (known->state == DeviceState::kRemoved) return false;
  return force_reauth || known->state == DeviceState::kExpired || known->node_key != in.node_key;
}

void Coordinator::Impl::start_login(Session& s, RegisterInput in, core::Now now,
                                    core::Random& rng) {
  const std::string id = random_hex(rng, kLoginIdBytes);
  s.phase = Session::Phase::kAwaitingLogin;
  s.login_id = id;
  logins[id] = WaitingLogin{s.id, std::move(in)};
  control::RegisterResponse resp;
  resp.status = control::RegisterStatus::kNeedsLogin;
  resp.auth_url = config.login_url_prefix + id;
  send(s, resp, now);
}

void Coordinator::Impl::forget_login(Session& s) {
  if (s.login_id.empty()) return;
  logins.erase(s.login_id);
  s.login_id.clear();
}

bool Coordinator::login_waiting(std::string_view login_id) const {
  return impl_->logins.find(login_id) != impl_->logins.end();
}

Result<LoginResult> Coordinator::complete_login(std::string_view login_id,
                                                const ProvenIdentity& who, core::Now now,
                                                core::Random& rng) {
  Impl& m = *impl_;
  m.last_now = now;
  auto it = m.logins.find(login_id);
  Session* s = it == m.logins.end() ? nullptr : m.find(it->second.connection);
  if (s == nullptr || s->phase != Session::Phase::kAwaitingLogin) {
    Error e{"coord.unknown_login",
            "this login link is no longer waiting: the node stopped or reconnected; run weft up "
            "again for a new link"};
    m.log("login of " + login_text(who) + " refused: " + e.code + ": " + e.detail);
    return e;
  }
  const RegisterInput input = it->second.input;
  m.forget_login(*s);
  const std::string who_text = login_text(who);
  auto refuse = [&](const Error& e) -> Result<LoginResult> {
    m.log("login of " + who_text + " refused" + host_text(input) + ": " + e.code + ": " + e.detail);
    refuse_waiting(m, *s, e.code, e.detail, now);
    return e;
  };
  auto user = m.registry->login_user(who, now.wall);
  if (!user) return refuse(user.error());
  auto reg = m.registry->register_login(input, user->user, now.wall, rng);
  if (!reg) {
    // The user row changed in memory already: it is written anyway, so memory and disk agree.
    if (auto st = m.commit(&user->change); !st) return refuse(st.error());
    m.apply(user->change);
    return refuse(reg.error());
  }
  // One commit for the user and the device.
  RegistryChange change = std::move(user->change);
  for (auto& d : reg->change.devices_upserted) {
    std::erase_if(change.devices_upserted, [&](const Device& x) { return x.id == d.id; });
    change.devices_upserted.push_back(d);
  }
  change.addresses_assigned = reg->change.addresses_assigned;
  if (auto st = m.commit(&change); !st) {
    return refuse(make_error("control.store", "the server could not record the login; try again"));
  }
  reg->change = std::move(change);
  LoginResult out;
  out.user = m.registry->find_user(user->user)->email;
  out.user_created = user->created;
  out.device = reg->device.id;
  out.hostname = reg->device.hostname;
  m.log("login of " + who_text + " used: " + out.user + (out.user_created ? " (new user)" : "") +
        ", node " + std::to_string(out.device.value) + host_text(input) +
        (reg->outcome == RegisterOutcome::kNew ? " registered" : " registered again"));
  m.registered(*s, *reg, false, now);
  return out;
}

void Coordinator::refuse_login(std::string_view login_id, const std::string& code,
                               const std::string& message, core::Now now) {
  Impl& m = *impl_;
  auto it = m.logins.find(login_id);
  Session* s = it == m.logins.end() ? nullptr : m.find(it->second.connection);
  m.log("login refused" + (it == m.logins.end() ? std::string() : host_text(it->second.input)) +
        ": " + code + ": " + message);
  if (s == nullptr) return;
  m.forget_login(*s);
  refuse_waiting(m, *s, code, message, now);
}

}  // namespace weft::coord
