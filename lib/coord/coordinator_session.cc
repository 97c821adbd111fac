// The control protocol on one connection (docs/control-plane.md, "Sessions"): handshake,
// registration, the map stream, endpoint updates, keepalives and every refusal.
#include <algorithm>
#include <utility>

#include "control/message_codec.h"
#include "coord/coordinator_impl.h"

namespace weft::coord {
namespace {

/// The most a connection may have buffered towards one message. The channel carries messages
/// up to control::kMaxMessageBytes (16 MiB) because full maps are that large, but nothing a
/// node sends comes near this (a RegisterRequest with every route is about 20 KiB): without
/// it, any machine key that completes a handshake could make the server hold 16 MiB per
/// connection.
constexpr std::size_t kMaxNodeMessageBytes = 256u << 10;

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace

Session* Coordinator::Impl::find(ConnectionId id) {
  auto it = sessions.find(id.value);
  return it == sessions.end() ? nullptr : it->second.get();
}

void Coordinator::Impl::receive(Session& s, core::ByteView bytes, core::Now now,
                                core::Random& rng) {
  if (s.phase == Session::Phase::kClosing) return;
  s.last_received = now.mono;
  if (s.phase == Session::Phase::kHandshake) {
    // The hello is one frame of known size; collect it (bounded: split_frame refuses a length
    // above the frame limit, and a longer hello is malformed).
    const std::size_t take = std::min(bytes.size, control::kMaxFrameSize - s.hello.size());
    s.hello.insert(s.hello.end(), bytes.data, bytes.data + take);
    bytes = core::ByteView{bytes.data + take, bytes.size - take};
    uint8_t reply[control::kServerHelloSize];
    control::Accepted a = s.handshake.accept(core::ByteView{s.hello.data(), s.hello.size()}, rng,
                                             core::MutableBytes{reply, sizeof reply}, s.transport);
    if (a.outcome.refusal == control::Refusal::kTruncated) return;
    if (!a.outcome.ok()) {
      ++counters.handshakes_refused;
      if (a.outcome.refusal == control::Refusal::kVersionMismatch) ++counters.version_mismatches;
      close(s);
      return;
    }
    s.machine = a.node;
    s.phase = Session::Phase::kOpen;
    s.out.insert(s.out.end(), reply, reply + a.outcome.size);
    s.last_sent = now.mono;
    if (!s.ready) {
      s.ready = true;
      ready.push_back(s.id);
    }
    // Bytes after the hello in the same read are transport frames.
    const std::size_t extra = s.hello.size() - a.outcome.consumed;
    std::vector<uint8_t> rest(s.hello.end() - static_cast<std::ptrdiff_t>(extra), s.hello.end());
    s.hello.clear();
    s.hello.shrink_to_fit();
    if (!rest.empty()) receive(s, core::ByteView{rest.data(), rest.size()}, now, rng);
    if (bytes.size == 0 || s.phase == Session::Phase::kClosing) return;
  }
  // In slices of at most one frame, so that a message is measured against kMaxNodeMessageBytes
  // as it grows rather than once it is whole.
  while (bytes.size > 0) {
    core::ByteView slice{bytes.data, std::min(bytes.size, control::kMaxFrameSize)};
    bytes = core::ByteView{bytes.data + slice.size, bytes.size - slice.size};
    for (;;) {
      control::Received r = s.receiver.poll(slice, s.transport);
      if (r.status == control::ReceiveStatus::kNeedMore) break;
      if (r.status == control::ReceiveStatus::kError) {
        ++counters.frames_refused;
        close(s);  // the channel is broken: nothing sealed could be trusted to arrive in order
        return;
      }
      handle_message(s, r.message, now, rng);
      if (s.phase == Session::Phase::kClosing) return;
    }
    if (s.receiver.buffered() > kMaxNodeMessageBytes) {
      ++counters.frames_refused;
      fail(s, "control.message_too_large", "a node message is never this large", now);
      return;
    }
  }
  arm(s);
}

void Coordinator::Impl::handle_message(Session& s, core::ByteView message, core::Now now,
                                       core::Random& rng) {
  auto decoded = control::decode_node_message(message);
  if (!decoded) {
    ++counters.messages_malformed;
    // A newer node's registration may not decode here: say which versions this server takes.
    auto cap = control::capability_version_of(message);
    if (cap && *cap > control::kCapabilityVersion) {
      fail(s, "control.capability",
           "capability version " + std::to_string(*cap) + " is not supported (this server takes " +
               std::to_string(control::kMinCapabilityVersion) + ".." +
               std::to_string(control::kCapabilityVersion) + ")",
           now);
      return;
    }
    fail(s, decoded.error().code, decoded.error().detail, now);
    return;
  }
  std::visit(Overloaded{
                 [&](const control::RegisterRequest& r) { on_register(s, r, now, rng); },
                 [&](const control::MapRequest& r) { on_map_request(s, r, now); },
                 [&](const control::EndpointUpdate& u) { on_endpoint_update(s, u, now); },
                 [&](const control::KeepAlive&) {},
                 [&](const control::VerifyNodeRequest& r) { on_verify_node(s, r, now); },
                 [&](const control::PolicyApplied& p) { on_policy_applied(s, p, now); },
             },
             *decoded);
}

bool Coordinator::Impl::node_key_allowed(const core::NodePublicKey& node_key,
                                         core::WallTime now) const {
  const Device* d = registry->find_by_node_key(node_key);
  return d != nullptr && d->node_key == node_key && d->state == DeviceState::kAuthorized &&
         !(d->key_expiry && *d->key_expiry <= now);
}

// A relay's question (docs/connectivity.md, "Verifying clients"): only on a connection that has
// not registered, which then stays a verifier. The answer says no more than whether the key is
// an authorized, unexpired device's current node key.
void Coordinator::Impl::on_verify_node(Session& s, const control::VerifyNodeRequest& r,
                                       core::Now now) {
  if (s.phase != Session::Phase::kOpen && s.phase != Session::Phase::kVerifier) {
    fail(s, "control.unexpected", "VerifyNodeRequest is not expected on this connection", now);
    return;
  }
  s.phase = Session::Phase::kVerifier;
  const bool allowed = node_key_allowed(r.node_key, now.wall);
  ++counters.node_verifications;
  if (!allowed) ++counters.node_verifications_refused;
  send(s, control::VerifyNodeResponse{r.node_key, allowed}, now);
}

void Coordinator::Impl::on_register(Session& s, const control::RegisterRequest& r, core::Now now,
                                    core::Random& rng) {
  if (r.capability_version < control::kMinCapabilityVersion ||
      r.capability_version > control::kCapabilityVersion) {
    fail(s, "control.capability",
         "capability version " + std::to_string(r.capability_version) +
             " is not supported (this server takes " +
             std::to_string(control::kMinCapabilityVersion) + ".." +
             std::to_string(control::kCapabilityVersion) + ")",
         now);
    return;
  }
  const bool rotation = r.old_node_key.has_value();
  if (s.phase != Session::Phase::kOpen && !(rotation && s.phase == Session::Phase::kStreaming)) {
    fail(s, "control.unexpected", "RegisterRequest is not expected on this connection now", now);
    return;
  }
  RegisterInput in;
  in.machine_key = s.machine;
  in.node_key = r.node_key;
  in.old_node_key = r.old_node_key;
  in.disco_key = r.disco_key;
  in.auth_key = r.auth_key;
  in.hostname = r.hostinfo.hostname;
  in.os = r.hostinfo.os;
  in.os_version = r.hostinfo.os_version;
  in.client_version = r.hostinfo.client_version;
  in.advertised_routes = r.hostinfo.advertised_routes;
  if (!rotation && wants_login(in, r.force_reauth)) {
    start_login(s, std::move(in), now, rng);
    return;
  }
  auto reg = registry->register_device(in, now.wall, rng, tag_owner_check());
  log_registration(in, reg);
  control::RegisterResponse resp;
  if (!reg) {
    ++counters.registrations_refused;
    resp.status = control::RegisterStatus::kRefused;
    resp.error_code = reg.error().code;
    resp.error_message = reg.error().detail;
    send(s, resp, now);
    close(s);
    return;
  }
  if (auto st = commit(&reg->change); !st) {
    resp.status = control::RegisterStatus::kRefused;
    resp.error_code = "control.store";
    resp.error_message = "the server could not record the registration; try again";
    send(s, resp, now);
    close(s);
    return;
  }
  registered(s, *reg, rotation, now);
}

void Coordinator::Impl::registered(Session& s, const Registration& reg, bool rotation,
                                   core::Now now) {
  control::RegisterResponse resp;
  ++counters.registrations;
  const Device& d = reg.device;
  // Another connection of the same machine (a reconnect the server has not noticed yet)
  // gives way to this one.
  for (auto* table : {&streams, &waiting}) {
    auto it = table->find(d.id);
    if (it != table->end() && it->second != s.id) {
      if (Session* old = find(it->second)) {
        fail(*old, "control.replaced", "another connection of this machine registered", now);
      }
      table->erase(d.id);
    }
  }
  s.device = d.id;
  resp.node = control::NodeId{d.id.value};
  resp.key_expiry = d.key_expiry;
  if (d.state == DeviceState::kPending) {
    resp.status = control::RegisterStatus::kPendingApproval;
    s.phase = Session::Phase::kPending;
    waiting[d.id] = s.id;
  } else {
    resp.status = control::RegisterStatus::kAuthorized;
    if (s.phase != Session::Phase::kStreaming) s.phase = Session::Phase::kRegistered;
    streams[d.id] = s.id;
  }
  send(s, resp, now);
  apply(reg.change);
  if (rotation) {
    rotation_requested.erase(d.id);
    pending[d.id].self = true;
  }
  flush(now);
}

void Coordinator::Impl::on_map_request(Session& s, const control::MapRequest& r, core::Now now) {
  if (s.phase != Session::Phase::kRegistered || !s.device) {
    fail(s, "control.unexpected", "MapRequest before an authorized registration", now);
    return;
  }
  const Device* d = registry->find(*s.device);
  if (d == nullptr || d->state != DeviceState::kAuthorized) {
    fail(s, "control.not_authorized", "the device is not authorized", now);
    return;
  }
  if (r.node_key != d->node_key) {
    fail(s, "control.node_key", "MapRequest names a node key this device does not hold", now);
    return;
  }
  const DeviceId id = d->id;
  RegistryChange lazy_change;
  auto put = [&](Result<RegistryChange> c) {
    if (!c) return;
    for (auto& row : c->devices_upserted) lazy_change.devices_upserted.push_back(std::move(row));
  };
  put(registry->set_online(id, true, now.wall));
  put(registry->set_endpoints(id, r.endpoints, r.home_region));
  put(registry->set_policy_version(id, r.policy_version));
  lazy(lazy_change, now);
  s.phase = Session::Phase::kStreaming;
  s.seq = 1;
  send(s, full_map(*registry->find(id), s.seq), now);
  ++counters.full_maps_sent;
  if (rotation_requested.count(id) != 0) send(s, control::RotateKey{}, now);
  // Peers learn that it is online (and where).
  owe_peer_update(id);
  flush(now);
}

void Coordinator::Impl::on_endpoint_update(Session& s, const control::EndpointUpdate& u,
                                           core::Now now) {
  if (s.phase != Session::Phase::kStreaming || !s.device) {
    fail(s, "control.unexpected", "EndpointUpdate outside a map stream", now);
    return;
  }
  auto c = registry->set_endpoints(*s.device, u.endpoints, u.home_region);
  if (!c) {
    fail(s, c.error().code, c.error().detail, now);
    return;
  }
  if (c->empty()) return;
  lazy(*c, now);
  owe_peer_update(*s.device);
  flush(now);
}

// The node's own word on the policy it runs (capability 5): recorded like the version of its
// MapRequest, lazily, for `weft admin nodes show`; peers are not told.
void Coordinator::Impl::on_policy_applied(Session& s, const control::PolicyApplied& p,
                                          core::Now now) {
  if (s.phase != Session::Phase::kStreaming || !s.device) {
    fail(s, "control.unexpected", "PolicyApplied outside a map stream", now);
    return;
  }
  auto c = registry->set_policy_version(*s.device, p.version);
  if (!c) {
    fail(s, c.error().code, c.error().detail, now);
    return;
  }
  lazy(*c, now);
}

void Coordinator::Impl::send(Session& s, const control::ServerMessage& m, core::Now now) {
  // Once a close is queued (or already handed to the driver), nothing more may follow it.
  if (s.phase == Session::Phase::kClosing) return;
  const std::vector<uint8_t> bytes = control::encode(m);
  const std::size_t before = s.out.size();
  if (auto st = s.sender.seal(core::ByteView{bytes.data(), bytes.size()}, s.transport, s.out);
      !st) {
    ++counters.messages_unsendable;
    close(s);
    return;
  }
  counters.bytes_queued += s.out.size() - before;
  s.last_sent = now.mono;
  if (s.out.size() > config.max_queued_bytes) {
    ++counters.slow_readers_closed;
    s.out.clear();
    close(s);
    return;
  }
  if (!s.ready) {
    s.ready = true;
    ready.push_back(s.id);
  }
}

void Coordinator::Impl::fail(Session& s, std::string code, std::string message, core::Now now) {
  if (s.phase != Session::Phase::kHandshake && s.phase != Session::Phase::kClosing &&
      s.transport.started()) {
    send(s, control::ErrorMessage{std::move(code), std::move(message)}, now);
  }
  close(s);
}

void Coordinator::Impl::close(Session& s) {
  // Closed once: a second close (an operator's removal of a device whose connection is already
  // closing) would hand the driver another close after the first.
  if (s.phase == Session::Phase::kClosing) return;
  forget_login(s);  // a closing connection's login link dies with it
  s.phase = Session::Phase::kClosing;
  s.close_after = true;
  if (!s.ready) {
    s.ready = true;
    ready.push_back(s.id);
  }
  if (s.timer_armed) {
    timers.erase({s.timer, s.id.value});
    s.timer_armed = false;
  }
}

void Coordinator::Impl::drop_stream(Session& s, core::Now now) {
  forget_login(s);
  if (!s.device) return;
  const DeviceId id = *s.device;
  auto w = waiting.find(id);
  if (w != waiting.end() && w->second == s.id) waiting.erase(w);
  auto it = streams.find(id);
  if (it != streams.end() && it->second != s.id) return;  // a newer connection holds it
  const bool held = it != streams.end();
  if (held) streams.erase(it);
  const Device* d = registry->find(id);
  if (d == nullptr || d->state == DeviceState::kRemoved) return;
  // Without a stream entry the device may still be marked online: its stream ended when its key
  // expired, or a re-registration on another connection left it pending. Left online, an
  // ephemeral device would never be cleaned up.
  if (!held && !d->online) return;
  auto c = registry->set_online(id, false, now.wall);
  if (!c || c->empty()) return;
  lazy(*c, now);
  // The device may have become due for ephemeral clean-up: the registry's deadline moved.
  if (d->state == DeviceState::kAuthorized) owe_peer_update(id);
  flush(now);
}

void Coordinator::Impl::arm(Session& s) {
  if (s.phase == Session::Phase::kClosing) return;
  core::Duration at;
  if (s.phase == Session::Phase::kStreaming || s.phase == Session::Phase::kPending ||
      s.phase == Session::Phase::kAwaitingLogin || s.phase == Session::Phase::kRegistered ||
      s.phase == Session::Phase::kVerifier) {
    at = std::min(s.last_sent + config.keepalive, s.last_received + 3 * config.keepalive);
  } else {
    at = s.opened + config.handshake_timeout;
  }
  if (s.timer_armed && s.timer == at) return;
  if (s.timer_armed) timers.erase({s.timer, s.id.value});
  s.timer = at;
  s.timer_armed = true;
  timers.insert({at, s.id.value});
}

}  // namespace weft::coord
