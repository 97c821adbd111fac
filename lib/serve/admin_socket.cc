// The admin socket (admin_socket.h): runtime::UnixRequestServer with one answer line per
// request and the admin's error codes.
#include "serve/admin_socket.h"

#include <utility>

namespace weft::serve {

Result<std::unique_ptr<AdminSocket>> AdminSocket::open(boost::asio::io_context& io,
                                                       const std::string& path,
                                                       AdminHandler handler,
                                                       AdminSocketLimits limits) {
  runtime::UnixRequestOptions options;
  options.code_prefix = "admin";
  options.forbidden_hint = "run weft admin as root or as the user that runs weft serve";
  options.limits = limits;
  options.limits.max_request = kMaxAdminRequest;
  auto server = runtime::UnixRequestServer::open(
      io, path,
      [handler = std::move(handler)](std::string_view request, runtime::UnixReply reply) {
        reply.line(handler(request));
        reply.end();
      },
      std::move(options));
  if (!server.ok()) return server.error();
  return std::unique_ptr<AdminSocket>(new AdminSocket(std::move(*server)));
}

AdminSocket::AdminSocket(std::unique_ptr<runtime::UnixRequestServer> server)
    : server_(std::move(server)) {}

AdminSocket::~AdminSocket() = default;

const std::string& AdminSocket::path() const { return server_->path(); }

const AdminSocketCounters& AdminSocket::counters() const { return server_->counters(); }

}  // namespace weft::serve
