// admin_call (admin_client.h): runtime::unix_request with the admin's error codes, so a hung
// server cannot hang `weft admin`.
#include "serve/admin_client.h"

#include "runtime/unix_request_client.h"
#include "serve/admin_socket.h"

namespace weft::serve {

Result<std::string> admin_call(const std::string& socket_path, std::string_view request,
                               std::chrono::milliseconds timeout) {
  runtime::UnixRequestClientOptions options;
  options.code_prefix = "admin";
  options.server_program = "weft serve";
  options.max_request = kMaxAdminRequest;
  return runtime::unix_request(socket_path, request, timeout, options);
}

}  // namespace weft::serve
