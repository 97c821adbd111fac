// A local request API on a unix stream socket: mode 0600, callers other than root and this
// process's user refused by SO_PEERCRED; one request line in, one or more answer lines out,
// then the server closes. `weft serve`'s admin socket and `weft up`'s local API both serve it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "util/result.h"

namespace boost::asio {
class io_context;
}

namespace weft::runtime {

/// The largest request line, newline excluded, unless a server's limits say otherwise.
inline constexpr std::size_t kMaxUnixRequest = 1u << 20;

struct UnixRequestLimits {
  /// The largest request line, newline excluded; a longer one is refused "request_too_large".
  std::size_t max_request = kMaxUnixRequest;
  /// Clients served at once; further ones wait in the listen backlog.
  std::size_t max_clients = 16;
  /// A client must send its request within this long; an answer must not pause longer between
  /// lines, and the client must take each line within it.
  std::chrono::milliseconds timeout{30000};
};

struct UnixRequestCounters {
  uint64_t requests = 0;      // handed to the handler
  uint64_t refused_peer = 0;  // a caller neither root nor this process's user
  uint64_t oversized = 0;     // no newline within limits.max_request bytes
  uint64_t timeouts = 0;
};

struct UnixRequestState;  // unix_request_server.cc

/// The answer to one request. Copyable; every copy writes to the same client. Calls after the
/// client went away (or after end()) do nothing. Use on the io_context's thread only.
class UnixReply {
 public:
  UnixReply() = default;
  /// Queues one answer line (a newline is added).
  void line(std::string text);
  /// Ends the answer: queued lines are written, then the server closes its side.
  void end();
  /// False once the client is gone, timed out, or end() was called.
  bool open() const;

 private:
  friend struct UnixRequestState;
  UnixReply(std::weak_ptr<UnixRequestState> state, uint64_t id)
      : state_(std::move(state)), id_(id) {}
  std::weak_ptr<UnixRequestState> state_;
  uint64_t id_ = 0;
};

/// Handles one request (the line without its newline), on the io_context's thread. It may
/// answer at once or keep `reply` and answer later; it must call end() eventually.
using UnixRequestHandler = std::function<void(std::string_view request, UnixReply reply)>;

struct UnixRequestOptions {
  /// Refusals are answered as {"error":{"code":"<prefix>.forbidden"|"<prefix>.request_too_large",
  /// "message":...}}.
  std::string code_prefix = "unix";
  /// Ends the refusal of another uid ("run weft admin as root or as the user that runs weft
  /// serve").
  std::string forbidden_hint;
  UnixRequestLimits limits;
};

class UnixRequestServer {
 public:
  /// Listens at `path` (stale socket files are replaced, see UnixListener) with mode 0600.
  /// Errors: "runtime.unix_path", "runtime.unix_in_use" (a server already runs there),
  /// "runtime.unix_listen", "<prefix>.listen" (chmod or registering the socket failed).
  static Result<std::unique_ptr<UnixRequestServer>> open(boost::asio::io_context& io,
                                                         const std::string& path,
                                                         UnixRequestHandler handler,
                                                         UnixRequestOptions options = {});
  /// Closes every client and unlinks the socket file.
  ~UnixRequestServer();
  UnixRequestServer(const UnixRequestServer&) = delete;
  UnixRequestServer& operator=(const UnixRequestServer&) = delete;

  const std::string& path() const;
  const UnixRequestCounters& counters() const;

 private:
  explicit UnixRequestServer(std::shared_ptr<UnixRequestState> state);
  std::shared_ptr<UnixRequestState> state_;  // held weakly by pending handlers and replies
};

/// The error answer: {"error":{"code":CODE,"message":MESSAGE}}.
std::string json_error(std::string_view code, std::string_view message);

}  // namespace weft::runtime
