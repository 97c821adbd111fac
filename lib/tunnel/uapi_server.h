// Serves the cross-platform WireGuard UAPI (wireguard.com/xplatform) on a unix socket from the
// node loop: accepts clients, frames their requests, answers each in order, and reports when
// the socket file is deleted (the signal to stop, as that page asks of userspace daemons).
#pragma once

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

class UapiServer {
 public:
  /// Listens at `path` (see runtime::UnixListener) and watches the file. `on_removed` is
  /// called once when the socket file is deleted or moved away. Errors: "runtime.unix_*",
  /// "runtime.inotify".
  static Result<std::unique_ptr<UapiServer>> open(dataplane::Loop& loop, const std::string& path,
                                                  UapiHandler& handler,
                                                  std::function<void()> on_removed);
  /// Closes every client and unlinks the socket file.
  ~UapiServer();
  UapiServer(const UapiServer&) = delete;
  UapiServer& operator=(const UapiServer&) = delete;

  const std::string& path() const { return listener_.path(); }
  /// Complete requests answered so far.
  uint64_t requests() const { return requests_; }

 private:
  struct Client;
  UapiServer(dataplane::Loop& loop, runtime::UnixListener listener, runtime::PathWatch watch,
             UapiHandler& handler, std::function<void()> on_removed);
  bool on_accept();
  bool on_watch();
  void read(uint64_t id);
  void write(uint64_t id);
  /// Answers every complete request; false when an invalid one closed the client.
  bool answer(uint64_t id, Client& c);
  void close(uint64_t id);

  dataplane::Loop& loop_;
  runtime::UnixListener listener_;
  runtime::PathWatch watch_;
  UapiHandler& handler_;
  std::function<void()> on_removed_;
  std::optional<dataplane::ReadWatch> accept_watch_;
  std::optional<dataplane::ReadWatch> file_watch_;
  std::map<uint64_t, std::unique_ptr<Client>> clients_;
  uint64_t next_id_ = 0;
  uint64_t requests_ = 0;
};

}  // namespace weft::tunnel
