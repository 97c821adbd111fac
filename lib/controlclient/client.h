// The control client core (docs/control-plane.md, "Control client"): a node's side of the control
// protocol — the channel handshake, registration, the map stream, key rotation, keepalives and
// reconnects — keeping the node's netmap. Sans-IO and C++17-clean: the node and ns-3 drive it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "control/messages.h"
#include "controlclient/netmap.h"
#include "core/bytes.h"
#include "core/key.h"
#include "core/path.h"
#include "core/random.h"
#include "core/time.h"
#include "util/result.h"

namespace weft::controlclient {

struct ClientConfig {
  core::MachinePrivateKey machine_key{};  // proves this machine on the channel
  core::MachinePublicKey server_key{};    // the coordination server's static key
  /// The node key, also the WireGuard static key. The client owns it from here on: it rotates
  /// it when the server asks (and after key expiry) and reports each new key in an event.
  core::NodePrivateKey node_key{};
  core::DiscoPublicKey disco_key{};
  /// A pre-auth key for the first registration (empty for a machine already registered).
  std::string auth_key;
  /// Log in at the server's identity provider again although the machine is registered
  /// (`weft up --force-reauth`): sent with every registration until one is authorized.
  bool force_reauth = false;
  control::Hostinfo hostinfo;
  /// A KeepAlive is sent after this long without sending; a connection silent for three
  /// intervals is dead.
  core::Duration keepalive = std::chrono::seconds(60);
  /// The handshake and the registration's answer must arrive within this long of connecting
  /// (a pending approval then waits without limit, kept alive by keepalives).
  core::Duration handshake_timeout = std::chrono::seconds(10);
  /// Reconnect delays after the server refused, errored or stalled (Retry::kRefused): from
  /// `backoff_initial`, doubling up to `backoff_max`, with jitter; back to the initial one after
  /// a full map.
  core::Duration backoff_initial = std::chrono::seconds(1);
  core::Duration backoff_max = std::chrono::seconds(60);
  /// Reconnect delay while the server is unreachable (Retry::kUnreachable: a failed or timed-out
  /// dial, a connection lost before the server's first byte, a lost stream): uniform in
  /// [unreachable_retry / 2, unreachable_retry], never doubling. With dial_timeout, an unanswered
  /// SYN is repeated every 1.4-1.8 s, so the node is back within 1.8 s plus the handshake's four
  /// round trips (TCP, Noise, registration, map) of the server's return: within 2 s up to 50 ms.
  core::Duration unreachable_retry = std::chrono::milliseconds(800);
  /// For the driver: a dial whose transport has not connected (TCP: no SYN-ACK) within this long
  /// is abandoned and reported as a failed dial. RFC 6298's initial RTO: an unanswered SYN was
  /// most likely lost, and the next attempt is the probe TCP would send, without TCP's doubling
  /// SYN timer (Linux: 1, 3, 7, 15 ... s) that would leave a returning server unseen for up to a
  /// minute. TLS and the HTTP upgrade after the connect are bounded by handshake_timeout.
  core::Duration dial_timeout = std::chrono::seconds(1);
};

enum class ClientState : uint8_t {
  kDisconnected,     // no connection; wants_connection() says when to open one
  kHandshaking,      // hello sent, waiting for the server's reply
  kRegistering,      // RegisterRequest sent, waiting for the answer
  kPendingApproval,  // registered, waiting (on this connection) for the operator's approval
  kAwaitingLogin,    // waiting (on this connection) for a person to log in at auth_url
  kStreaming,        // MapRequest sent: the full map, then deltas
  kStopped,          // refused, removed or expired: nothing happens until set_auth_key()
};

const char* to_string(ClientState s);

enum class EventKind : uint8_t {
  kRegistered,       // node, key_expiry
  kPendingApproval,  // node
  kLoginRequired,    // url: a person logs in there; the client waits on the connection
  kNetmapChanged,    // change
  kKeyRotated,       // node_key: the new key, for the caller to persist and give to WireGuard
  kRefused,          // the server refused the registration: code, message, stopped
  kError,            // the server closed the stream with an ErrorMessage: code, message, stopped
};

const char* to_string(EventKind k);

/// Something the caller should know. Only the fields named for its kind are set.
struct Event {
  EventKind kind = EventKind::kRegistered;
  control::NodeId node{};
  std::optional<core::WallTime> key_expiry;
  NetMapChange change;
  core::NodePrivateKey node_key{};
  std::string code;
  std::string message;
  std::string url;  // kLoginRequired
  /// kRefused / kError: the client stopped reconnecting until set_auth_key().
  bool stopped = false;
};

/// Bytes for the driver to write to the connection, and whether to close it after them.
struct Transmit {
  std::vector<uint8_t> bytes;
  bool close = false;
};

/// Every refusal and protocol event, counted (never fatal).
struct ClientCounters {
  uint64_t connections = 0;          // connected() calls taken
  uint64_t handshakes_refused = 0;   // the server's reply did not complete the handshake
  uint64_t frames_refused = 0;       // a frame the channel refused (forged, replayed, oversized)
  uint64_t messages_malformed = 0;   // a message that does not decode
  uint64_t messages_unexpected = 0;  // a message that does not fit the state
  uint64_t maps_refused = 0;         // a full map or delta the model refused (not a seq gap)
  uint64_t seq_gaps = 0;
  uint64_t registrations_refused = 0;
  uint64_t errors_received = 0;  // ErrorMessage from the server
  uint64_t timeouts = 0;         // no handshake or registration answer in time
  uint64_t dead_connections = 0;  // nothing received for three keepalive intervals
  uint64_t send_failures = 0;     // sealing failed (nonce exhausted)
  uint64_t full_maps = 0;
  uint64_t deltas = 0;
  uint64_t keepalives_sent = 0;
  uint64_t key_rotations = 0;
  uint64_t retries_unreachable = 0;  // attempts ended with nothing heard, or a lost stream
  uint64_t retries_refused = 0;      // attempts ended by a refusal, an error or a stall
};

/// The node's control client: one connection to the coordination server at a time.
///
/// Calling contract (single-threaded; every entry point takes `now`; never throws):
///  - When wants_connection(now) is true, open a connection (a TCP connection after the HTTP
///    upgrade, or an ns-3 socket) and call connected(); give every byte read to bytes(), in
///    order; when the connection ends by itself, call disconnected(). A dial that fails, or does
///    not connect within config.dial_timeout, is reported as connected() then disconnected().
///  - After ANY call, drain poll_transmit() until it returns false: write its bytes, and when
///    `close` is set close the connection after them. The client already counts that
///    connection as ended (disconnected() for it is then a no-op), so do not hand it more bytes.
///  - When next_deadline() passes, call on_deadline() (keepalives, timeouts, and the time to
///    reconnect, after which wants_connection() is true).
///  - Drain poll_event() after any call.
/// `rng` must be cryptographically secure outside tests and simulations: it draws the channel's
/// ephemeral keys and new node keys.
class Client {
 public:
  /// Errors: "controlclient.config" (a zero machine, server or node key, keepalive, timeout,
  /// backoff_initial, unreachable_retry or dial_timeout not positive, or an auth key or Hostinfo the server's decoder would refuse:
  /// the hostname must be empty or one lowercase DNS label, lengths and counts within the
  /// limits of control/messages.h).
  static Result<std::unique_ptr<Client>> create(const ClientConfig& config);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // ---- the connection ----
  /// True when no connection is open, the client is not stopped and the backoff has passed.
  bool wants_connection(core::Now now) const;
  /// A new connection is open: queues the hello. Errors: "controlclient.wrong_state" (a
  /// connection is already open, or the client is stopped: close the new one).
  Status connected(core::Now now, core::Random& rng);
  /// Bytes read from the connection. Refused input (a failed handshake, a refused frame, a
  /// malformed or unexpected message, a seq gap) is counted and closes the connection; the
  /// client then backs off and reconnects (for a full map).
  void bytes(core::ByteView data, core::Now now, core::Random& rng);
  /// The connection ended (closed by the peer, a read or write error, a failed dial). Retries
  /// soon when the server was unreachable (nothing heard on this connection) or an answered
  /// connection was lost; backs off (doubling) when it ended after the server spoke and before
  /// it answered the registration.
  void disconnected(core::Now now);
  /// The next bytes to write; false when nothing is queued.
  bool poll_transmit(Transmit& out);

  // ---- timers ----
  /// The monotonic time at which on_deadline must run; nullopt when stopped.
  std::optional<core::Duration> next_deadline() const;
  /// Runs what is due: a KeepAlive after `keepalive` without sending, closing a connection
  /// silent for three intervals (a lost stream: retried soon) or without a registration answer
  /// within the handshake timeout (a stalled server: backs off). `rng` draws the jitter of the
  /// delay that follows a close.
  void on_deadline(core::Now now, core::Random& rng);

  // ---- the caller ----
  /// A new pre-auth key: used by the next registration; a stopped client starts again now
  /// with a fresh backoff (a key-expired one also with a new node key).
  /// Errors: "controlclient.config" (longer than control::kMaxAuthKeyBytes).
  Status set_auth_key(const std::string& auth_key, core::Now now);
  /// The node's endpoints and home relay region: an EndpointUpdate when streaming, else kept
  /// for the next MapRequest. Unchanged values send nothing.
  /// Errors: "controlclient.config" (more than control::kMaxEndpoints).
  Status set_endpoints(const std::vector<core::SocketAddress>& endpoints, uint16_t home_region,
                       core::Now now);

  /// The next event; false when none is queued.
  bool poll_event(Event& out);

  // ---- the model ----
  ClientState state() const;
  /// The last full map with the deltas since; kept across reconnects until a new full map.
  const NetMap& netmap() const;
  /// The node key in use (the WireGuard static key).
  const core::NodePrivateKey& node_key() const;
  core::NodePublicKey node_public_key() const;
  /// The server's id for this device, once a registration was answered.
  std::optional<control::NodeId> node_id() const;
  /// The last stop's reason ("auth_key.expired", "control.removed", ...) while stopped.
  const std::string& stop_code() const;
  const ClientCounters& counters() const;

  struct Impl;  // internal (client_impl.h)

 private:
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace weft::controlclient
