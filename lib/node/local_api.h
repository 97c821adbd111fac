// The node's local API (issue 9, "Local API"; docs/control-plane.md, "Local API"): DIR/weft.sock,
// mode 0600, root and the node's own user only (runtime::UnixRequestServer). Requests, one JSON
// line each: {"op":"status"}, {"op":"ping","peer":NAME-OR-ADDRESS,"count":N,"mode":"disco"|"icmp",
// "until_direct":BOOL} (issue 11: discovery pings; no "mode" is "icmp", as before), {"op":"down"}.
// The agent implements LocalApiHandler; the API owns the ping sessions' timing.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "core/time.h"
#include "engine/engine.h"
#include "runtime/unix_request_server.h"
#include "util/ip_prefix.h"
#include "util/result.h"

namespace boost::asio {
class io_context;
}

namespace weft::node {

/// The socket's file name in the state directory.
inline constexpr const char* kLocalSocketName = "weft.sock";
/// DIR/weft.sock.
std::string local_socket_path(const std::string& state_dir);

/// The most pings (echo requests or discovery pings) one ping request may ask for.
inline constexpr uint32_t kMaxPingCount = 1000;

/// What the node agent offers the local API; every call is made on the io_context's thread.
class LocalApiHandler {
 public:
  virtual ~LocalApiHandler() = default;
  /// The engine's status now (engine::Engine::status).
  virtual engine::EngineStatus status() = 0;
  /// Sends one echo request to `peer` (engine::Engine::ping, then the data path drains). The
  /// agent hands each kPingReply event to LocalApi::ping_reply(). Errors: Engine::ping's.
  virtual Status send_ping(const util::IpAddress& peer, uint16_t seq) = 0;
  /// Sends one discovery ping to `peer` the way its traffic goes now (engine::Engine::disco_ping,
  /// then the data path drains). The agent hands each kDiscoPong event to LocalApi::disco_pong().
  /// Errors: Engine::disco_ping's.
  virtual Status send_disco_ping(const util::IpAddress& peer, uint16_t seq) = 0;
  /// Stops the node cleanly (removes the interface, leaves the loop). Called after the answer
  /// to {"op":"down"} was written.
  virtual void down() = 0;
};

/// What a ping request sends: ICMP echo through the tunnel (the packet filters apply) or a
/// discovery ping (which way the peer is reached: directly or through a relay).
enum class PingMode : uint8_t { kIcmp, kDisco };

struct LocalApiOptions {
  /// Between one echo request and the next (as ping(8)'s default interval).
  std::chrono::milliseconds ping_interval{1000};
  /// How long a request waits for its reply before its "timeout" line.
  std::chrono::milliseconds ping_timeout{2000};
  runtime::UnixRequestLimits limits;
};

struct PingSession;  // local_api.cc

class LocalApi {
 public:
  /// Listens at local_socket_path(state_dir). `handler` outlives the API. Errors as
  /// runtime::UnixRequestServer::open ("runtime.unix_in_use": a node already runs with this
  /// state directory; "local.listen").
  static Result<std::unique_ptr<LocalApi>> open(boost::asio::io_context& io,
                                                const std::string& state_dir,
                                                LocalApiHandler& handler,
                                                LocalApiOptions options = {});
  /// Ends open ping sessions and unlinks the socket.
  ~LocalApi();
  LocalApi(const LocalApi&) = delete;
  LocalApi& operator=(const LocalApi&) = delete;

  /// An echo reply arrived (the engine's kPingReply): the session waiting for it prints it.
  /// A reply nobody waits for (late, after its timeout) is ignored.
  void ping_reply(const util::IpAddress& peer, uint16_t seq, core::Duration rtt);
  /// A discovery pong arrived (the engine's kDiscoPong): `via` is the UDP address it came from
  /// or the relay path, `relay_code` that relay region's code. Matched by `seq` alone (the
  /// engine names the peer by its first address, which need not be the one pinged); a pong
  /// nobody waits for is ignored.
  void disco_pong(uint16_t seq, core::Duration rtt, const core::Path& via,
                  const std::string& relay_code);

  const std::string& path() const;
  const runtime::UnixRequestCounters& counters() const;

 private:
  LocalApi(boost::asio::io_context& io, LocalApiHandler& handler, LocalApiOptions options);
  void handle(std::string_view request, runtime::UnixReply reply);
  void ping(const std::string& peer, uint32_t count, PingMode mode, bool until_direct,
            runtime::UnixReply reply);
  /// Sends the session's next request, or ends it when all were sent and answered.
  void next_probe(uint64_t session);
  /// `via`: how a discovery pong came back (nullptr for an echo reply or a timeout).
  struct Pong;
  void probe_done(uint64_t session, bool replied, core::Duration rtt, const Pong* via = nullptr);

  boost::asio::io_context& io_;
  LocalApiHandler& handler_;
  LocalApiOptions options_;
  std::unique_ptr<runtime::UnixRequestServer> server_;
  std::map<uint64_t, std::unique_ptr<PingSession>> sessions_;
  uint64_t next_session_ = 0;
  /// Sequence numbers run across sessions, so two `weft ping`s at once never share one.
  uint16_t next_seq_ = 1;
  /// Held weakly by timer and posted handlers: they do nothing once the API is gone.
  std::shared_ptr<bool> alive_;
};

}  // namespace weft::node
