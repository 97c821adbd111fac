// The control client's lifecycle (docs/control-plane.md, "Control client"): connecting, the
// registration and map requests it sends, keepalives, timeouts, backoff and the caller's calls.
#include "controlclient/client.h"

#include <algorithm>
#include <cassert>
#include <utility>

#include "control/message_codec.h"
#include "controlclient/client_impl.h"
#include "crypto/crypto.h"

namespace weft::controlclient {
namespace {

uint32_t random_u32(core::Random& rng) {
  uint8_t b[4];
  rng.fill(b, sizeof b);
  return static_cast<uint32_t>(b[0]) | static_cast<uint32_t>(b[1]) << 8 |
         static_cast<uint32_t>(b[2]) << 16 | static_cast<uint32_t>(b[3]) << 24;
}

Error config_error(std::string detail) {
  return make_error("controlclient.config", std::move(detail));
}

Status check_config(const ClientConfig& c) {
  if (c.machine_key.is_zero()) return config_error("the machine key is all zeros");
  if (c.server_key.is_zero()) return config_error("the server key is all zeros");
  if (c.node_key.is_zero()) return config_error("the node key is all zeros");
  if (c.keepalive <= core::Duration::zero()) return config_error("keepalive must be positive");
  if (c.handshake_timeout <= core::Duration::zero())
    return config_error("handshake_timeout must be positive");
  if (c.backoff_initial <= core::Duration::zero())
    return config_error("backoff_initial must be positive");
  if (c.unreachable_retry <= core::Duration::zero())
    return config_error("unreachable_retry must be positive");
  if (c.dial_timeout <= core::Duration::zero())
    return config_error("dial_timeout must be positive");
  // The server's decoder is the judge of the registration's fields (hostname syntax, lengths,
  // counts): a request it would refuse as malformed is refused here, once, rather than on every
  // reconnect.
  control::RegisterRequest probe;
  probe.auth_key = c.auth_key;
  probe.hostinfo = c.hostinfo;
  std::vector<uint8_t> bytes = control::encode(control::NodeMessage{std::move(probe)});
  auto decoded = control::decode_node_message(core::ByteView{bytes.data(), bytes.size()});
  core::secure_wipe(bytes.data(), bytes.size());  // it holds the auth key
  if (!decoded) {
    return config_error("the server would refuse this registration: " + decoded.error().detail);
  }
  return Ok{};
}

}  // namespace

core::NodePrivateKey generate_node_key(core::Random& rng) {
  crypto::Key32 seed{};
  rng.fill(seed.data(), seed.size());
  core::NodePrivateKey key;
  key.bytes = crypto::x25519_private_from_random(seed);
  crypto::secure_zero(seed.data(), seed.size());
  return key;
}

core::NodePublicKey public_of(const core::NodePrivateKey& key) {
  core::NodePublicKey pub;
  pub.bytes = crypto::x25519_public(key.bytes);
  return pub;
}

const char* to_string(ClientState s) {
  switch (s) {
    case ClientState::kDisconnected: return "disconnected";
    case ClientState::kHandshaking: return "handshaking";
    case ClientState::kRegistering: return "registering";
    case ClientState::kPendingApproval: return "pending-approval";
    case ClientState::kAwaitingLogin: return "awaiting-login";
    case ClientState::kStreaming: return "streaming";
    case ClientState::kStopped: return "stopped";
  }
  return "unknown";
}

const char* to_string(EventKind k) {
  switch (k) {
    case EventKind::kRegistered: return "registered";
    case EventKind::kPendingApproval: return "pending-approval";
    case EventKind::kLoginRequired: return "login-required";
    case EventKind::kNetmapChanged: return "netmap-changed";
    case EventKind::kKeyRotated: return "key-rotated";
    case EventKind::kRefused: return "refused";
    case EventKind::kError: return "error";
  }
  return "unknown";
}

// ------------------------------------------------------------------------------ Impl

void Client::Impl::send(const control::NodeMessage& m, core::Now now) {
  if (!conn) return;
  const std::vector<uint8_t> bytes = control::encode(m);
  if (auto st = conn->sender.seal(core::ByteView{bytes.data(), bytes.size()}, conn->transport,
                                  out);
      !st) {
    ++counters.send_failures;
    close(now);
    return;
  }
  last_sent = now.mono;
}

void Client::Impl::send_register(core::Now now) {
  control::RegisterRequest r;
  r.node_key = public_of(next_key ? *next_key : node_key);
  if (next_key && key_change == KeyChange::kRotation) r.old_node_key = public_of(node_key);
  r.disco_key = config.disco_key;
  r.auth_key = auth_key;
  r.force_reauth = config.force_reauth;
  r.hostinfo = config.hostinfo;
  send(control::NodeMessage{std::move(r)}, now);
}

void Client::Impl::send_map_request(core::Now now) {
  control::MapRequest m;
  m.node_key = public_of(node_key);
  m.endpoints = endpoints;
  m.home_region = home_region;
  m.policy_version = netmap.policy_version;
  if (conn) conn->policy_reported = m.policy_version;
  send(control::NodeMessage{std::move(m)}, now);
}

void Client::Impl::report_policy(core::Now now) {
  if (!conn || conn->policy_reported == netmap.policy_version) return;
  conn->policy_reported = netmap.policy_version;
  send(control::NodeMessage{control::PolicyApplied{netmap.policy_version}}, now);
}

void Client::Impl::close(core::Now now, Retry why) {
  if (!connected()) return;
  close_pending = true;
  end_connection(now, why);
}

void Client::Impl::end_connection(core::Now now, Retry why) {
  conn.reset();
  ++generation;
  if (state == ClientState::kStopped) return;
  state = ClientState::kDisconnected;
  ++(why == Retry::kUnreachable ? counters.retries_unreachable : counters.retries_refused);
  reconnect_at = now.mono + backoff.next(why, jitter);
}

void Client::Impl::stop(const std::string& code) {
  if (connected()) close_pending = true;
  conn.reset();
  ++generation;
  state = ClientState::kStopped;
  stop_code = code;
}

void Client::Impl::wipe_auth_key() {
  core::secure_wipe(auth_key.data(), auth_key.size());
  auth_key.clear();
}

// ------------------------------------------------------------------------------ Client

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::~Client() {
  if (impl_) impl_->wipe_auth_key();
}

Result<std::unique_ptr<Client>> Client::create(const ClientConfig& config) {
  if (auto st = check_config(config); !st) return st.error();
  return std::unique_ptr<Client>(new Client(std::make_unique<Impl>(config)));
}

bool Client::wants_connection(core::Now now) const {
  const Impl& m = *impl_;
  return m.state == ClientState::kDisconnected && now.mono >= m.reconnect_at;
}

Status Client::connected(core::Now now, core::Random& rng) {
  Impl& m = *impl_;
  if (m.state != ClientState::kDisconnected) {
    return make_error("controlclient.wrong_state",
                      std::string("connected() while ") + to_string(m.state));
  }
  ++m.counters.connections;
  m.jitter = random_u32(rng);
  m.out.clear();
  m.close_pending = false;
  m.conn = std::make_unique<Connection>(m.config.machine_key, m.config.server_key, m.statics);
  m.connected_at = m.last_sent = m.last_received = now.mono;
  // After a key expiry, the registration that follows carries a new node key.
  if (m.needs_new_key && !(m.next_key && m.key_change == KeyChange::kReregistration)) {
    m.next_key = generate_node_key(rng);
    m.key_change = KeyChange::kReregistration;
  }
  rng.fill(m.conn->hello_seed.data(), m.conn->hello_seed.size());
  m.state = ClientState::kHandshaking;
  if (!m.statics.ss_ok) {
    // A low-order server key, the one hello the handshake refuses to write (the size is
    // fixed): no server can answer.
    ++m.counters.handshakes_refused;
    m.close(now);
    return Ok{};
  }
  m.conn->hello_pending = true;
  return Ok{};
}

void Client::Impl::write_hello() {
  uint8_t hello[control::kNodeHelloSize];
  const control::Outcome o =
      conn->handshake.start(conn->hello_seed, core::MutableBytes{hello, sizeof hello});
  // connected() refused the one server key that fails here.
  assert(o.ok());
  crypto::secure_zero(conn->hello_seed.data(), conn->hello_seed.size());
  conn->hello_pending = false;
  out.insert(out.begin(), hello, hello + o.size);
}

void Client::bytes(core::ByteView data, core::Now now, core::Random& rng) {
  Impl& m = *impl_;
  if (!m.connected() || data.size == 0) return;
  // Bytes before the hello was asked for (a driver that did not poll): the handshake needs
  // its first message written all the same.
  if (m.conn->hello_pending) m.write_hello();
  m.last_received = now.mono;
  m.conn->heard = true;
  m.receive(data, now, rng);
}

void Client::disconnected(core::Now now) {
  Impl& m = *impl_;
  if (!m.connected()) return;
  // Bytes queued for the dead connection are of no use on the next one (its keys differ).
  m.out.clear();
  // Nothing heard (a failed dial) or an answered connection lost: the server or the path went
  // away, and a probe is one SYN. Lost after the server spoke but before it answered the
  // registration: the server is in trouble (closing at once, crashing), so back off.
  const bool answered =
      m.state == ClientState::kPendingApproval || m.state == ClientState::kAwaitingLogin ||
      m.state == ClientState::kStreaming;
  m.end_connection(now, !m.conn->heard || answered ? Retry::kUnreachable : Retry::kRefused);
}

bool Client::poll_transmit(Transmit& out) {
  Impl& m = *impl_;
  if (m.conn && m.conn->hello_pending) m.write_hello();
  if (m.out.empty() && !m.close_pending) return false;
  out.bytes = std::move(m.out);
  out.close = m.close_pending;
  m.out.clear();
  m.close_pending = false;
  return true;
}

std::optional<core::Duration> Client::next_deadline() const {
  const Impl& m = *impl_;
  const core::Duration k = m.config.keepalive;
  switch (m.state) {
    case ClientState::kStopped: return std::nullopt;
    case ClientState::kDisconnected: return m.reconnect_at;
    case ClientState::kHandshaking: return m.connected_at + m.config.handshake_timeout;
    case ClientState::kRegistering:
      return std::min({m.connected_at + m.config.handshake_timeout, m.last_sent + k,
                       m.last_received + 3 * k});
    case ClientState::kPendingApproval:
    case ClientState::kAwaitingLogin:
    case ClientState::kStreaming: return std::min(m.last_sent + k, m.last_received + 3 * k);
  }
  return std::nullopt;
}

void Client::on_deadline(core::Now now, core::Random& rng) {
  Impl& m = *impl_;
  if (!m.connected()) return;
  m.jitter = random_u32(rng);
  const core::Duration k = m.config.keepalive;
  const bool answered =
      m.state == ClientState::kPendingApproval || m.state == ClientState::kAwaitingLogin ||
      m.state == ClientState::kStreaming;
  if (!answered && now.mono >= m.connected_at + m.config.handshake_timeout) {
    // The transport connected but the server does not answer: a server in trouble, which
    // quick retries would load further.
    ++m.counters.timeouts;
    m.close(now, Retry::kRefused);
    return;
  }
  if (m.state == ClientState::kHandshaking) return;
  if (now.mono >= m.last_received + 3 * k) {
    // Silence on an answered connection is a lost path (a cut link), not a refusal.
    ++m.counters.dead_connections;
    m.close(now, Retry::kUnreachable);
    return;
  }
  if (now.mono >= m.last_sent + k) {
    ++m.counters.keepalives_sent;
    m.send(control::NodeMessage{control::KeepAlive{}}, now);
  }
}

Status Client::set_auth_key(const std::string& auth_key, core::Now now) {
  Impl& m = *impl_;
  if (auth_key.size() > control::kMaxAuthKeyBytes) return config_error("the auth key is too long");
  m.wipe_auth_key();
  m.auth_key = auth_key;
  if (m.state == ClientState::kStopped) {
    m.state = ClientState::kDisconnected;
    m.stop_code.clear();
    m.backoff.reset();
    m.reconnect_at = now.mono;
  }
  return Ok{};
}

Status Client::set_endpoints(const std::vector<core::SocketAddress>& endpoints,
                             uint16_t home_region, core::Now now) {
  Impl& m = *impl_;
  if (endpoints.size() > control::kMaxEndpoints) {
    return config_error("more than " + std::to_string(control::kMaxEndpoints) + " endpoints");
  }
  if (endpoints == m.endpoints && home_region == m.home_region) return Ok{};
  m.endpoints = endpoints;
  m.home_region = home_region;
  // Before the stream opens the MapRequest carries them.
  if (m.state == ClientState::kStreaming) {
    m.send(control::NodeMessage{control::EndpointUpdate{endpoints, home_region}}, now);
  }
  return Ok{};
}

bool Client::poll_event(Event& out) {
  Impl& m = *impl_;
  if (m.events.empty()) return false;
  out = std::move(m.events.front());
  m.events.pop_front();
  return true;
}

ClientState Client::state() const { return impl_->state; }
const NetMap& Client::netmap() const { return impl_->netmap; }
const core::NodePrivateKey& Client::node_key() const { return impl_->node_key; }
core::NodePublicKey Client::node_public_key() const { return public_of(impl_->node_key); }
std::optional<control::NodeId> Client::node_id() const { return impl_->node_id; }
const std::string& Client::stop_code() const { return impl_->stop_code; }
const ClientCounters& Client::counters() const { return impl_->counters; }

}  // namespace weft::controlclient
