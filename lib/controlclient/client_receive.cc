// The server's side of the conversation as the control client reads it (docs/control-plane.md,
// "Control client"): the handshake reply, then each message checked against the state — a
// straight ladder of check → count → close, as lib/wg/device_receive.cc does for datagrams.
#include <string>
#include <utility>
#include <variant>

#include "control/message_codec.h"
#include "controlclient/client_impl.h"

namespace weft::controlclient {
namespace {

// ErrorMessage codes after which reconnecting cannot help until a person acts.
bool stops_client(const std::string& code) {
  return code == "control.removed" || code == "control.key_expired";
}

// Registration refusals that say the node key itself expired: the next registration, with a
// new auth key, must also bring a new node key (the server refuses the expired one again).
bool key_expired(const std::string& code) {
  return code == "control.key_expired" || code == "coord.key_expired" ||
         code == "coord.node_key_expired";
}

// A refusal the server gives for its own trouble (a failed durable write): try again later.
bool transient_refusal(const std::string& code) { return code == "control.store"; }

Event registration_event(EventKind kind, const control::RegisterResponse& r) {
  Event e;
  e.kind = kind;
  e.node = r.node;
  e.key_expiry = r.key_expiry;
  return e;
}

Event refusal_event(EventKind kind, const std::string& code, const std::string& message,
                    bool stopped) {
  Event e;
  e.kind = kind;
  e.code = code;
  e.message = message;
  e.stopped = stopped;
  return e;
}

Event netmap_event(const NetMapChange& change) {
  Event e;
  e.kind = EventKind::kNetmapChanged;
  e.change = change;
  return e;
}

}  // namespace

void Client::Impl::receive(core::ByteView data, core::Now now, core::Random& rng) {
  if (state == ClientState::kHandshaking) {
    receive_reply(data, now);
    if (state == ClientState::kHandshaking || !conn) return;
  }
  const uint64_t gen = generation;
  for (;;) {
    control::Received r = conn->receiver.poll(data, conn->transport);
    if (r.status == control::ReceiveStatus::kNeedMore) return;
    // A refused frame breaks the channel: later frames could not be opened in order.
    if (r.status == control::ReceiveStatus::kError) return refuse(counters.frames_refused, now);
    handle_message(r.message, now, rng);
    if (generation != gen) return;  // the message ended the connection
  }
}

// The server's handshake frame has a fixed size, so it is collected up to that size: a frame
// that announces more is malformed at that point rather than buffered up to the frame limit.
void Client::Impl::receive_reply(core::ByteView& data, core::Now now) {
  std::vector<uint8_t>& reply = conn->reply;
  const std::size_t want = control::kServerHelloSize - reply.size();
  const std::size_t take = data.size < want ? data.size : want;
  reply.insert(reply.end(), data.data, data.data + take);
  data = core::ByteView{data.data + take, data.size - take};
  const control::Outcome o =
      conn->handshake.finish(core::ByteView{reply.data(), reply.size()}, conn->transport);
  if (o.refusal == control::Refusal::kTruncated && reply.size() < control::kServerHelloSize) {
    return;
  }
  if (!o.ok()) return refuse(counters.handshakes_refused, now);
  reply.clear();
  reply.shrink_to_fit();
  state = ClientState::kRegistering;
  send_register(now);
}

void Client::Impl::handle_message(core::ByteView message, core::Now now, core::Random& rng) {
  Result<control::ServerMessage> decoded = control::decode_server_message(message);
  if (!decoded) return refuse(counters.messages_malformed, now);
  control::ServerMessage& m = *decoded;
  if (auto* r = std::get_if<control::RegisterResponse>(&m)) {
    on_register_response(*r, now);
  } else if (auto* full = std::get_if<control::MapResponse>(&m)) {
    on_map_response(std::move(*full), now);
  } else if (auto* delta = std::get_if<control::MapDelta>(&m)) {
    on_map_delta(std::move(*delta), now);
  } else if (std::holds_alternative<control::RotateKey>(m)) {
    on_rotate_key(now, rng);
  } else if (auto* e = std::get_if<control::ErrorMessage>(&m)) {
    on_error(*e, now);
  }
  // KeepAlive: receiving it was the point (last_received).
}

void Client::Impl::on_register_response(const control::RegisterResponse& r, core::Now now) {
  // Expected after our RegisterRequest, again while pending (the approval), and in the stream
  // only as the answer to a rotation sent on this connection.
  const bool rotation_answer = state == ClientState::kStreaming && conn->rotation_sent;
  if (state != ClientState::kRegistering && state != ClientState::kPendingApproval &&
      state != ClientState::kAwaitingLogin && !rotation_answer) {
    return refuse(counters.messages_unexpected, now);
  }
  if (r.status == control::RegisterStatus::kRefused) {
    ++counters.registrations_refused;
    const bool transient = transient_refusal(r.error_code);
    emit(refusal_event(EventKind::kRefused, r.error_code, r.error_message, !transient));
    if (transient) {
      close(now);
      return;
    }
    // A refused rotation leaves the device on its current key; the new one is never used.
    if (key_change == KeyChange::kRotation) {
      next_key.reset();
      key_change = KeyChange::kNone;
    }
    if (key_expired(r.error_code)) needs_new_key = true;
    stop(r.error_code);
    return;
  }
  // An authorized stream does not go back to pending or to a login.
  if ((r.status == control::RegisterStatus::kPendingApproval ||
       r.status == control::RegisterStatus::kNeedsLogin) &&
      state == ClientState::kStreaming) {
    return refuse(counters.messages_unexpected, now);
  }
  if (r.status == control::RegisterStatus::kNeedsLogin) {
    // Nothing is registered yet: the keys stay as they are until the login's answer.
    if (state != ClientState::kAwaitingLogin) {
      state = ClientState::kAwaitingLogin;
      Event e;
      e.kind = EventKind::kLoginRequired;
      e.url = r.auth_url;
      emit(std::move(e));
    }
    return;
  }
  // Authorized or pending: the server recorded the node key we sent, and the machine is
  // registered, so the auth key is not needed again.
  adopt_next_key();
  wipe_auth_key();
  config.force_reauth = false;  // the login happened (or was not needed): not again
  node_id = r.node;
  conn->rotation_sent = false;
  if (r.status == control::RegisterStatus::kPendingApproval) {
    if (state != ClientState::kPendingApproval) {
      state = ClientState::kPendingApproval;
      emit(registration_event(EventKind::kPendingApproval, r));
    }
    return;
  }
  if (rotation_answer) return;  // the stream goes on; a delta brings the new self
  emit(registration_event(EventKind::kRegistered, r));
  state = ClientState::kStreaming;
  send_map_request(now);
}

void Client::Impl::adopt_next_key() {
  if (!next_key) return;
  node_key = *next_key;
  next_key.reset();
  key_change = KeyChange::kNone;
  needs_new_key = false;
  ++counters.key_rotations;
  Event e;
  e.kind = EventKind::kKeyRotated;
  e.node_key = node_key;
  emit(std::move(e));
}

void Client::Impl::on_map_response(control::MapResponse&& m, core::Now now) {
  if (state != ClientState::kStreaming) return refuse(counters.messages_unexpected, now);
  Result<NetMapChange> change = replace_netmap(netmap, std::move(m));
  if (!change) return refuse(counters.maps_refused, now);
  ++counters.full_maps;
  // The server is healthy and this node is in: the next outage starts from a short delay.
  backoff.reset();
  emit(netmap_event(*change));
  report_policy(now);
}

void Client::Impl::on_map_delta(control::MapDelta&& d, core::Now now) {
  if (state != ClientState::kStreaming) return refuse(counters.messages_unexpected, now);
  Result<NetMapChange> change = apply_delta(netmap, std::move(d));
  if (!change) {
    // A gap means deltas were lost: only a full map, on a new connection, repairs the model.
    const bool gap = change.error().code == "controlclient.seq_gap";
    return refuse(gap ? counters.seq_gaps : counters.maps_refused, now);
  }
  ++counters.deltas;
  emit(netmap_event(*change));
  report_policy(now);
}

void Client::Impl::on_rotate_key(core::Now now, core::Random& rng) {
  if (state != ClientState::kStreaming) return refuse(counters.messages_unexpected, now);
  if (conn->rotation_sent) return;  // a repeated request while ours is on its way
  // A rotation left unanswered by a lost connection is retried with the same new key: if the
  // server recorded it, the server sees a reconnect of that key; if not, a rotation.
  if (!next_key || key_change != KeyChange::kRotation) {
    next_key = generate_node_key(rng);
    key_change = KeyChange::kRotation;
  }
  conn->rotation_sent = true;
  send_register(now);
}

void Client::Impl::on_error(const control::ErrorMessage& e, core::Now now) {
  ++counters.errors_received;
  const bool stops = stops_client(e.code);
  emit(refusal_event(EventKind::kError, e.code, e.message, stops));
  if (!stops) {
    close(now);
    return;
  }
  if (key_expired(e.code)) {
    needs_new_key = true;
    // A rotation key is not a re-registration key: connected() draws a fresh one.
    next_key.reset();
    key_change = KeyChange::kNone;
  }
  stop(e.code);
}

}  // namespace weft::controlclient
