// Serves the cross-platform WireGuard UAPI (wireguard.com/xplatform) on a unix socket from the
// node loop: accepts clients, frames their requests, answers each in order, bounds what idle or
// flooding clients can hold, and reports when the socket file is deleted (the signal to stop).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/local/stream_protocol.hpp>

#include "dataplane/loop.h"
#include "runtime/path_watch.h"
#include "runtime/unix_listener.h"
#include "tunnel/uapi.h"
#include "util/result.h"

namespace weft::tunnel {

/// What the server asks of the device it serves. Called on the loop's thread.
class UapiHandler {
 public:
  virtual ~UapiHandler() = default;
  /// The full `get=1` answer, errno line included.
  virtual std::string get() = 0;
  /// Applies a `set=1` body; returns the answer (errno line).
  virtual std::string set(const std::string& body) = 0;
};

/// How many clients the server keeps and for how long. The defaults serve wg(8), which
/// connects, writes one request and reads its answer within milliseconds.
struct UapiServerLimits {
  /// Connections held at once; each costs a descriptor and a read buffer.
  std::size_t max_clients = 128;
  /// A client that neither sends nor takes a byte for this long is closed. Long enough for a
  /// request typed or pasted into socat, short enough that forgotten connections free their
  /// slots soon.
  std::chrono::milliseconds idle_timeout{10'000};
  /// With every slot taken, a client idle at least this long is closed to admit a new one
  /// (the longest-idle first); until one is, new clients wait in the listen backlog, where
  /// wg(8)'s blocking connect() waits with them. Never zero: a client just accepted has had no
  /// chance to be read yet.
  std::chrono::milliseconds evict_after{1'000};
};

class UapiServer {
 public:
  /// Listens at `path` (see runtime::UnixListener) and watches the file. `on_removed` is
  /// called once when the socket file is deleted or moved away. Errors: "runtime.unix_*",
  /// "runtime.inotify".
  static Result<std::unique_ptr<UapiServer>> open(dataplane::Loop& loop, const std::string& path,
                                                  UapiHandler& handler,
                                                  std::function<void()> on_removed,
                                                  UapiServerLimits limits = {});
  /// Closes every client and unlinks the socket file.
  ~UapiServer();
  UapiServer(const UapiServer&) = delete;
  UapiServer& operator=(const UapiServer&) = delete;

  const std::string& path() const { return listener_.path(); }
  /// Requests answered so far, refused ones (oversized, malformed) included.
  uint64_t requests() const { return requests_; }
  /// Connections open now.
  std::size_t clients() const { return clients_.size(); }
  /// Clients closed for idling (idle_timeout) or evicted for a newcomer (evict_after).
  uint64_t idle_closed() const { return idle_closed_; }

 private:
  struct Client;
  UapiServer(dataplane::Loop& loop, runtime::UnixListener listener, runtime::PathWatch watch,
             UapiHandler& handler, std::function<void()> on_removed, UapiServerLimits limits);
  bool on_accept();
  bool on_watch();
  void on_timer();
  /// Stops accepting until a slot frees up, or with `retry_at` (after an accept error) until
  /// then.
  void pause_accepting(std::optional<core::Duration> retry_at);
  /// Closes the longest-idle client if it has idled for evict_after; false if none has.
  bool evict_idlest(core::Duration now);
  /// Answers what is complete, then writes, reads or closes as the client's state asks.
  void pump(uint64_t id);
  void start_read(uint64_t id, Client& c);
  void start_write(uint64_t id, Client& c);
  void close(uint64_t id);
  void arm_timer();
  core::Duration now() const { return loop_.clock().now().mono; }

  dataplane::Loop& loop_;
  runtime::UnixListener listener_;
  runtime::PathWatch watch_;
  UapiHandler& handler_;
  std::function<void()> on_removed_;
  UapiServerLimits limits_;
  std::optional<dataplane::ReadWatch> accept_watch_;
  std::optional<dataplane::ReadWatch> file_watch_;
  dataplane::DeadlineTimer timer_;  // idle timeouts, evictions and resuming accept
  std::map<uint64_t, std::unique_ptr<Client>> clients_;
  bool accept_paused_ = false;
  std::optional<core::Duration> accept_retry_at_;  // after an accept error
  uint64_t next_id_ = 0;
  uint64_t requests_ = 0;
  uint64_t idle_closed_ = 0;
};

}  // namespace weft::tunnel
