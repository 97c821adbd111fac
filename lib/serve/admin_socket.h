// The operator's API of `weft serve`: a unix stream socket in the state directory, mode 0600,
// open to root and the server's own user only. One JSON object and a newline in, one JSON
// object and a newline out, then the server closes (docs/control-plane.md, "Drivers").
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

namespace weft::serve {

/// The largest request line, newline excluded.
inline constexpr std::size_t kMaxAdminRequest = 1u << 20;

/// Answers one request (the line without its newline) with one JSON object; called on the
/// io_context's thread. The socket checks only the size and the caller; the request's JSON is
/// the handler's to parse.
using AdminHandler = std::function<std::string(std::string_view request)>;

struct AdminSocketLimits {
  /// Clients served at once; further ones wait in the listen backlog.
  std::size_t max_clients = 16;
  /// A client must send its request, and take the answer, within this long.
  std::chrono::milliseconds timeout{30000};
};

struct AdminSocketCounters {
  uint64_t requests = 0;      // handed to the handler
  uint64_t refused_peer = 0;  // a caller neither root nor the server's user
  uint64_t oversized = 0;     // no newline within kMaxAdminRequest bytes
  uint64_t timeouts = 0;
};

struct AdminState;  // admin_socket.cc

class AdminSocket {
 public:
  /// Listens at `path` (stale socket files are replaced, see runtime::UnixListener) with mode
  /// 0600. Errors: "runtime.unix_path", "runtime.unix_in_use" (a server already runs there),
  /// "runtime.unix_listen", "admin.listen" (chmod or registering the socket failed).
  static Result<std::unique_ptr<AdminSocket>> open(boost::asio::io_context& io,
                                                   const std::string& path,
                                                   AdminHandler handler,
                                                   AdminSocketLimits limits = {});
  /// Closes every client and unlinks the socket file.
  ~AdminSocket();
  AdminSocket(const AdminSocket&) = delete;
  AdminSocket& operator=(const AdminSocket&) = delete;

  const std::string& path() const;
  const AdminSocketCounters& counters() const;

 private:
  explicit AdminSocket(std::shared_ptr<AdminState> state);
  std::shared_ptr<AdminState> state_;  // held weakly by pending handlers
};

/// The answer the socket itself gives to a refused request, in the handler's JSON shape:
/// {"error":{"code":CODE,"message":MESSAGE}}.
std::string admin_error_json(std::string_view code, std::string_view message);

}  // namespace weft::serve
