// The coordination server's and the relay's network front: accepts TCP (optionally TLS), reads
// one HTTP/1.1 request per connection, answers health checks and refusals itself, and turns an
// accepted control upgrade (or relay upgrade) into a byte pump whose bytes go to that route's
// ConnectionSink (docs/control-plane.md, "Drivers"; docs/connectivity.md, "Relay protocol").
// Beast stays inside control_listener.cc.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/path.h"
#include "serve/http_route.h"
#include "stream/byte_pump.h"
#include "util/result.h"

namespace boost::asio {
class io_context;
}

namespace weft::serve {

/// What the listener feeds: the coordinator, through an adapter the server owns. Called on the
/// io_context's thread, never from inside ControlListener::send or close, and may call both.
class ConnectionSink {
 public:
  virtual ~ConnectionSink() = default;
  /// A connection switched to the control protocol. Ids count up from 1 and are never reused.
  virtual void opened(uint64_t id) = 0;
  /// Bytes read from it, in order (the first call carries any bytes the client sent together
  /// with its HTTP request). The view is valid only during the call.
  virtual void bytes(uint64_t id, core::ByteView data) = 0;
  /// Follows every opened(id) exactly once, whoever closed it (the peer, a read or write
  /// error, a slow reader, the sink's own close or send with close_after).
  virtual void closed(uint64_t id) = 0;
  /// Everything sent to `id` so far has been written (its queue is empty): a sink that holds
  /// output back until the stream can take it (the relay) sends more now. Optional.
  virtual void drained(uint64_t id) { (void)id; }
};

/// A PEM certificate chain (leaf first) and its PEM private key.
struct TlsFiles {
  std::string certificate_chain;
  std::string private_key;
};

/// A plain HTTP answer of a web route (the login pages, docs/identity.md).
struct WebAnswer {
  unsigned status = 200;
  std::string body;
  std::string content_type = "text/html; charset=utf-8";
  std::string location;  // set: sent as Location (a redirect)
};

/// Takes a GET outside the listener's own routes: true when it handles `target` (path and
/// query; it then calls `reply` exactly once, at once or later, e.g. after asking an identity
/// provider), false for a 404. Runs on the io_context's thread.
using WebHandler =
    std::function<bool(std::string_view target, std::function<void(WebAnswer)> reply)>;

struct ControlListenerConfig {
  /// Port 0 picks a free port (see ControlListener::port). IPv6 "::" also accepts IPv4 unless
  /// the system sets bindv6only.
  core::SocketAddress listen;
  /// TLS on every connection when set (TLS 1.2 or later).
  std::optional<TlsFiles> tls;
  /// Connections held at once, before and after the upgrade; one more is answered 503.
  std::size_t max_connections = 20000;
  /// The TLS handshake and the whole request must arrive within this long.
  std::chrono::milliseconds request_timeout{10000};
  /// The request line and headers together.
  std::size_t max_header_bytes = 8 * 1024;
  /// The server's public key (base64), answered at GET kKeyPath so a node can learn it over
  /// TLS (or check what the operator gave it); empty: not served.
  std::string server_key;
  /// Limits of each upgraded connection (queue of unwritten bytes, TLS read buffer, linger).
  stream::PumpLimits pump;
  /// Plain HTTP routes by path prefix, tried in order before the fixed paths (http_route.h).
  std::vector<HttpRoute> routes;
  /// Web routes (GET only); null: none. A web answer must come within web_timeout.
  WebHandler web;
  std::chrono::milliseconds web_timeout{30000};
};

/// Every refusal and ending, counted. Never reset.
struct ControlListenerCounters {
  uint64_t accepted = 0;
  uint64_t upgraded = 0;               // both routes
  uint64_t relay_upgraded = 0;         // of which relay connections
  uint64_t health_checks = 0;
  uint64_t refused_capacity = 0;       // 503: max_connections reached
  uint64_t refused_version = 0;        // 400: missing or other Weft-Control-Version
  uint64_t refused_upgrade = 0;        // 400: the control path without the upgrade headers
  uint64_t refused_method = 0;         // 405
  uint64_t not_found = 0;              // 404
  uint64_t malformed = 0;              // 400: not HTTP/1.1, or a body
  uint64_t header_too_large = 0;       // 431
  uint64_t body_too_large = 0;         // 413: a route's body beyond its max_body
  uint64_t routed = 0;                 // requests handed to a plain route
  uint64_t request_timeouts = 0;       // closed without an answer
  uint64_t tls_handshake_failures = 0;
  uint64_t accept_errors = 0;          // e.g. out of descriptors; accepting resumes shortly
  uint64_t slow_readers_closed = 0;    // upgraded connections closed for their send queue
};

struct ListenerState;  // control_listener.cc

class ControlListener {
 public:
  /// Binds and starts accepting on `io` (single-threaded; the listener and every handler it
  /// calls run on the io_context's thread). Errors: "serve.listen" (bind or listen failed,
  /// e.g. the address is in use), "serve.tls" (the certificate or key file does not load; the
  /// detail names the file and OpenSSL's reason).
  static Result<std::unique_ptr<ControlListener>> open(boost::asio::io_context& io,
                                                       ControlListenerConfig config,
                                                       ConnectionSink& sink);
  /// The same with a route per sink: `control` takes POST control::kControlPath upgrades,
  /// `relay` GET control::kRelayPath upgrades (`Upgrade: weft-relay`, no version header); a
  /// null sink turns its route off (its path answers 404), so `weft derp` runs the relay
  /// alone. Connection ids are shared by both routes. Errors: as above.
  static Result<std::unique_ptr<ControlListener>> open(boost::asio::io_context& io,
                                                       ControlListenerConfig config,
                                                       ConnectionSink* control,
                                                       ConnectionSink* relay);
  /// Stops accepting and closes every connection; the sink is not called any more.
  ~ControlListener();
  ControlListener(const ControlListener&) = delete;
  ControlListener& operator=(const ControlListener&) = delete;

  /// The bound port (the chosen one when the config asked for 0).
  uint16_t port() const;
  /// Queues bytes for an upgraded connection (see BytePump::send). False when `id` is not
  /// open (closed, or never upgraded) or its queue overflowed (it is then closed).
  bool send(uint64_t id, std::vector<uint8_t> bytes, bool close_after = false);
  /// The relay map answered at GET control::kRelayMapPath (JSON, relay/relay_map.h's format);
  /// not served until set.
  void set_relay_map(std::string json);
  /// Closes an upgraded connection now, dropping unwritten bytes; closed(id) follows.
  void close(uint64_t id);
  /// Bytes sent to `id` and not yet written (0 when it is not open).
  std::size_t queued_bytes(uint64_t id) const;
  /// Upgraded connections open now.
  std::size_t connections() const;
  const ControlListenerCounters& counters() const;

 private:
  explicit ControlListener(std::shared_ptr<ListenerState> impl);
  std::shared_ptr<ListenerState> impl_;  // shared with pending handlers, which hold it weakly
};

}  // namespace weft::serve
