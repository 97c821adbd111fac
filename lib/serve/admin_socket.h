// The operator's API of `weft serve`: a unix stream socket in the state directory, mode 0600,
// open to root and the server's own user only. One JSON object and a newline in, one JSON
// object and a newline out, then the server closes (docs/control-plane.md, "Drivers"). The
// socket itself is runtime::UnixRequestServer, shared with the node's local API.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "runtime/unix_request_server.h"
#include "serve/api_routes.h"
#include "util/result.h"

namespace weft::serve {

/// The largest request line, newline excluded: the HTTP admin API's body limit, so a request
/// (a policy) that one transport takes, the other takes too.
inline constexpr std::size_t kMaxAdminRequest = kMaxApiBody;

/// Answers one request (the line without its newline) with one JSON object; called on the
/// io_context's thread. The socket checks only the size and the caller; the request's JSON is
/// the handler's to parse.
using AdminHandler = std::function<std::string(std::string_view request)>;

using AdminSocketLimits = runtime::UnixRequestLimits;
using AdminSocketCounters = runtime::UnixRequestCounters;

class AdminSocket {
 public:
  /// Listens at `path` (stale socket files are replaced, see runtime::UnixListener) with mode
  /// 0600; refusals are "admin.forbidden" and "admin.request_too_large" (beyond
  /// kMaxAdminRequest, whatever `limits` say). Errors:
  /// "runtime.unix_path", "runtime.unix_in_use" (a server already runs there),
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
  explicit AdminSocket(std::unique_ptr<runtime::UnixRequestServer> server);
  std::unique_ptr<runtime::UnixRequestServer> server_;
};

/// The answer the socket itself gives to a refused request, in the handler's JSON shape:
/// {"error":{"code":CODE,"message":MESSAGE}}.
inline std::string admin_error_json(std::string_view code, std::string_view message) {
  return runtime::json_error(code, message);
}

}  // namespace weft::serve
