// Internal: the control client's state behind Client (client.h) — the connection, the node key
// and its pending replacement, the model and the queues. Shared by client.cc (lifecycle, timers,
// sending) and client_receive.cc (the server's messages).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "control/channel.h"
#include "control/message_stream.h"
#include "control/messages.h"
#include "control/transport.h"
#include "controlclient/backoff.h"
#include "controlclient/client.h"
#include "crypto/crypto.h"

namespace weft::controlclient {

/// Why the client holds a node key it has not switched to yet.
enum class KeyChange : uint8_t {
  kNone,
  kRotation,        // the server sent RotateKey: RegisterRequest{old_node_key = current}
  kReregistration,  // the key expired: a new key with a new auth key, no old_node_key
};

/// One connection's channel. Transport and MessageReceiver are not movable, and each
/// connection starts from fresh ones.
struct Connection {
  Connection(const core::MachinePrivateKey& machine, const core::MachinePublicKey& server,
             const control::IkStatics& statics)
      : handshake(machine, server, statics) {}
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() { crypto::secure_zero(hello_seed.data(), hello_seed.size()); }

  control::NodeHandshake handshake;
  /// The hello's ephemeral key, drawn at connected() with the client's other random draws and
  /// turned into the hello (two X25519 operations) only when the driver asks for bytes: a dial
  /// reported failed (connected() then disconnected()) never pays for a hello it cannot send.
  crypto::Key32 hello_seed{};
  bool hello_pending = false;
  control::Transport transport;
  control::MessageSender sender;
  control::MessageReceiver receiver;
  std::vector<uint8_t> reply;  // the server's handshake frame until it is whole
  /// A RegisterRequest rotating the key was sent on this connection and is not answered yet.
  bool rotation_sent = false;
  /// The server sent a byte on this connection (it is reachable, whatever happens next).
  bool heard = false;
  /// The policy version the server last heard from this node on this connection (MapRequest,
  /// then PolicyApplied).
  uint64_t policy_reported = 0;
};

struct Client::Impl {
  explicit Impl(const ClientConfig& c)
      : config(c),
        backoff(c.backoff_initial, c.backoff_max, c.unreachable_retry),
        statics(c.machine_key.bytes, c.server_key.bytes),
        node_key(c.node_key),
        auth_key(c.auth_key) {}

  ClientConfig config;  // its node_key and auth_key are the initial values only
  ClientState state = ClientState::kDisconnected;
  Backoff backoff;
  /// The handshake's static-key work, the same for every connection (machine and server keys
  /// never change): each dial costs two X25519 operations instead of four.
  control::IkStatics statics;
  core::Duration reconnect_at{};  // kDisconnected: when wants_connection() turns true
  uint32_t jitter = 0;            // drawn per connection (and per deadline) for the backoff

  std::unique_ptr<Connection> conn;
  /// Bumped whenever a connection ends, so a handler can tell that its connection is gone.
  uint64_t generation = 0;
  core::Duration connected_at{};
  core::Duration last_sent{};
  core::Duration last_received{};

  std::vector<uint8_t> out;
  bool close_pending = false;
  std::deque<Event> events;

  core::NodePrivateKey node_key;
  std::optional<core::NodePrivateKey> next_key;
  KeyChange key_change = KeyChange::kNone;
  /// The server said the key expired: the next registration needs a new key (and an auth key).
  bool needs_new_key = false;
  std::string auth_key;  // wiped after the server answered a registration without refusing
  std::optional<control::NodeId> node_id;
  std::string stop_code;

  std::vector<core::SocketAddress> endpoints;
  uint16_t home_region = 0;
  NetMap netmap;
  ClientCounters counters;

  bool connected() const {
    return state == ClientState::kHandshaking || state == ClientState::kRegistering ||
           state == ClientState::kPendingApproval || state == ClientState::kAwaitingLogin ||
           state == ClientState::kStreaming;
  }

  // ---- client.cc ----
  /// Seals and queues a message; a failure closes the connection.
  void send(const control::NodeMessage& m, core::Now now);
  /// Tells the server the policy version of the map just taken, unless it knows it already.
  void report_policy(core::Now now);
  void send_register(core::Now now);
  void send_map_request(core::Now now);
  /// Writes the pending hello to the front of `out` (see Connection::hello_seed).
  void write_hello();
  /// Asks the driver to close the connection and waits as `why` says (a refusal unless told).
  void close(core::Now now, Retry why = Retry::kRefused);
  /// The connection is gone (closed by either side): waits as `why` says unless stopped.
  void end_connection(core::Now now, Retry why);
  /// Closes the connection and stops reconnecting until set_auth_key().
  void stop(const std::string& code);
  void emit(Event e) { events.push_back(std::move(e)); }
  void wipe_auth_key();

  // ---- client_receive.cc ----
  /// Counts refused input in `counter` and closes the connection (check → refuse, as
  /// lib/wg/device_receive.cc's drop(reason)).
  void refuse(uint64_t& counter, core::Now now) {
    ++counter;
    close(now);
  }
  void receive(core::ByteView data, core::Now now, core::Random& rng);
  void receive_reply(core::ByteView& data, core::Now now);
  void handle_message(core::ByteView message, core::Now now, core::Random& rng);
  void on_register_response(const control::RegisterResponse& r, core::Now now);
  void on_map_response(control::MapResponse&& m, core::Now now);
  void on_map_delta(control::MapDelta&& d, core::Now now);
  void on_rotate_key(core::Now now, core::Random& rng);
  void on_error(const control::ErrorMessage& e, core::Now now);
  /// The server accepted the node key it was sent (authorized or pending): switch to it.
  void adopt_next_key();
};

/// A fresh Curve25519 node key from `rng`.
core::NodePrivateKey generate_node_key(core::Random& rng);
core::NodePublicKey public_of(const core::NodePrivateKey& key);

}  // namespace weft::controlclient
