// The node's side of the control upgrade (docs/control-plane.md, "Drivers"): connects to the
// server URL, verifies TLS, asks for the weft-control upgrade with the protocol version (or a
// relay's weft-relay upgrade, or a plain GET), and hands back the connection as a byte pump, or
// the server's refusal with its status and text.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <optional>
#include <utility>
#include <vector>

#include "control/frame.h"
#include "core/key.h"
#include "util/server_url.h"
#include "stream/byte_pump.h"
#include "util/result.h"

namespace boost::asio {
class io_context;
}

namespace weft::node {

/// Which upgrade a dial asks for: the control stream, or a relay connection
/// (control/upgrade.h has both).
enum class Upgrade : uint8_t { kControl, kRelay };

struct DialOptions {
  Upgrade upgrade = Upgrade::kControl;
  /// PEM file of the certificate authorities to trust for https; empty: the system's roots.
  /// The server's name (or address) is always checked against its certificate.
  std::string ca_file;
  /// Resolving, connecting, the TLS handshake and the upgrade exchange together.
  std::chrono::milliseconds timeout{10000};
  /// When positive (and below `timeout`): resolving and the TCP connect alone must finish
  /// within this long, else "dial.timeout" (controlclient::ClientConfig::dial_timeout: the
  /// client retries a lost SYN as a new dial soon, instead of TCP's doubling SYN timer).
  std::chrono::milliseconds connect_timeout{0};
  /// When positive: TCP keepalive on the connection, a probe after this long without traffic,
  /// then every `keepalive_interval`, and the connection aborted after `keepalive_probes`
  /// unanswered ones (TCP_USER_TIMEOUT the same total, for data left unacknowledged), so a path
  /// that went silent ends the stream in that time instead of TCP's retransmissions into it
  /// (docs/control-plane.md, "Control client", outage behaviour). Zero: the system's defaults.
  std::chrono::seconds keepalive_idle{0};
  std::chrono::seconds keepalive_interval{5};
  int keepalive_probes = 3;
  /// SO_MARK on the connection (0: none): `weft up --exit-node` marks its own connections so
  /// that the exit node's policy routing leaves them in the main table (node_routes.h). Set
  /// before the connect, which then tries the first resolved address only.
  uint32_t mark = 0;
  /// The version asked for; another value than the node's own is for tests of refusals.
  uint16_t version = control::kProtocolVersion;
  /// Limits of the upgraded connection's pump.
  stream::PumpLimits pump;
};

/// The outcome of one dial: the upgraded stream, or why there is none.
struct DialResult {
  /// On success: the control stream, not started (BytePump::start delivers first any bytes
  /// the server sent right behind its 101 answer).
  std::shared_ptr<stream::BytePump> stream;
  /// Otherwise the reason. Codes: "dial.resolve", "dial.connect", "dial.tls" (handshake or
  /// certificate verification), "dial.io" (the request could not be written),
  /// "dial.http" (no valid HTTP answer, or a 101 to another protocol), "dial.refused" (an
  /// answer other than 101: the detail holds the status and the server's text),
  /// "dial.timeout".
  Error error;
  /// The server's status code when it answered (101 on success), else 0.
  unsigned http_status = 0;
  /// The body of a refusal as the server sent it (e.g. which versions each side speaks).
  std::string http_body;

  bool ok() const { return stream != nullptr; }
};

/// A plain HTTP request on a connection of its own (ControlDialer::request).
struct HttpCall {
  std::string method = "GET";
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  /// Hand back the answer whatever its status (else only a 200 is an answer).
  bool any_status = false;
};

struct HttpReply {
  unsigned status = 0;
  std::string body;
};

struct DialerShared;  // control_dial.cc

/// Dials one server, as often as asked (reconnections, or a load program's thousands of
/// connections): the URL is parsed and the TLS trust loaded once.
class ControlDialer {
 public:
  /// Errors: "dial.url", "dial.tls_config" (the CA file or the system's roots do not load).
  static Result<std::unique_ptr<ControlDialer>> create(boost::asio::io_context& io,
                                                       std::string_view server_url,
                                                       DialOptions options = {});
  ~ControlDialer();
  ControlDialer(const ControlDialer&) = delete;
  ControlDialer& operator=(const ControlDialer&) = delete;

  const util::ServerUrl& url() const;
  /// Starts one dial on the io_context. `done` is called exactly once, from the io_context
  /// (never inside dial). Dials in flight continue if the dialer is destroyed.
  void dial(std::function<void(DialResult)> done);
  /// Asks the server for its public key (`GET /key`, over TLS for https: the certificate
  /// vouches for it; over http the first answer is trusted, and kept by the caller). `done` is
  /// called once, from the io_context. Errors: the dial's codes; "dial.refused" (an answer
  /// other than 200), "dial.http" (a body that is not one base64 key).
  void fetch_key(std::function<void(Result<core::MachinePublicKey>)> done);
  /// `GET path` (e.g. control::kRelayMapPath) on its own connection: the body of a 200 answer.
  /// `done` is called once, from the io_context. Errors: the dial's codes; "dial.refused" (an
  /// answer other than 200).
  void get(std::string path, std::function<void(Result<std::string>)> done);
  /// Any plain request (the admin API's, `weft admin --server`), with the server's URL and TLS
  /// trust. `done` is called once, from the io_context. Errors: the dial's codes;
  /// "dial.refused" (an answer other than 200, unless call.any_status).
  void request(HttpCall call, std::function<void(Result<HttpReply>)> done);

 private:
  explicit ControlDialer(std::shared_ptr<const DialerShared> shared);
  /// An upgrade when `call` is empty, else that plain request.
  void start(std::function<void(DialResult)> done, std::optional<HttpCall> call);
  std::shared_ptr<const DialerShared> shared_;  // also held by dials in flight
};

}  // namespace weft::node
