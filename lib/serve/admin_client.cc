// admin_call (admin_client.h): a unix stream socket written and read with poll(2) against one
// deadline, so a hung server cannot hang `weft admin`.
#include "serve/admin_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

#include "runtime/unique_fd.h"
#include "serve/admin_socket.h"

namespace weft::serve {
namespace {

// Node listings of large tailnets are the biggest answers; this bounds a broken server.
constexpr std::size_t kMaxAdminResponse = 256u << 20;

using Clock = std::chrono::steady_clock;

std::string state_dir_of(const std::string& socket_path) {
  auto slash = socket_path.rfind('/');
  return slash == std::string::npos ? std::string(".") : socket_path.substr(0, slash);
}

/// Waits until `fd` is ready for `events` or the deadline passes; false on timeout.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, events, 0};
    int rc = ::poll(&p, 1, static_cast<int>(left.count()));
    if (rc > 0) return true;
    if (rc < 0 && errno != EINTR) return true;  // the following call reports the error
  }
}

}  // namespace

Result<std::string> admin_call(const std::string& socket_path, std::string_view request,
                               std::chrono::milliseconds timeout) {
  if (request.find('\n') != std::string_view::npos) {
    return make_error("admin.request", "an admin request is one line of JSON");
  }
  if (request.size() > kMaxAdminRequest) {
    return make_error("admin.request", "the admin request exceeds " +
                                           std::to_string(kMaxAdminRequest) + " bytes");
  }
  auto deadline = Clock::now() + timeout;
  auto connect_error = [&](const std::string& why) {
    return make_error("admin.connect", "cannot connect to " + socket_path + ": " + why +
                                           "; is weft serve running with --state " +
                                           state_dir_of(socket_path) + "?");
  };
  sockaddr_un addr{};
  if (socket_path.empty() || socket_path.size() >= sizeof(addr.sun_path)) {
    return connect_error("the path is empty or too long for a unix socket");
  }
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, socket_path.data(), socket_path.size());
  runtime::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd.valid()) return make_error("admin.connect", std::string("socket: ") + std::strerror(errno));
  // A unix socket connects at once or fails; EAGAIN means the server's backlog is full.
  while (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return connect_error(std::strerror(errno));
    if (!wait_for(fd.get(), POLLOUT, deadline)) {
      return make_error("admin.timeout", "the admin socket " + socket_path + " is busy");
    }
  }
  auto timed_out = [&] {
    return make_error("admin.timeout", "no answer from " + socket_path + " within " +
                                           std::to_string(timeout.count()) + " ms");
  };
  std::string line(request);
  line.push_back('\n');
  std::size_t sent = 0;
  while (sent < line.size()) {
    ssize_t n = ::send(fd.get(), line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n >= 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN) {
      return make_error("admin.io", "sending to " + socket_path + ": " + std::strerror(errno));
    }
    if (!wait_for(fd.get(), POLLOUT, deadline)) return timed_out();
  }
  std::string answer;
  char buffer[64 * 1024];
  while (true) {
    ssize_t n = ::recv(fd.get(), buffer, sizeof(buffer), 0);
    if (n > 0) {
      answer.append(buffer, static_cast<std::size_t>(n));
      auto newline = answer.find('\n');
      if (newline != std::string::npos) {
        answer.resize(newline);
        return answer;
      }
      if (answer.size() > kMaxAdminResponse) {
        return make_error("admin.response", "the answer from " + socket_path + " exceeds " +
                                                std::to_string(kMaxAdminResponse) + " bytes");
      }
      continue;
    }
    if (n == 0) {
      return make_error("admin.response",
                        "the server at " + socket_path + " closed the connection without " +
                            (answer.empty() ? "an answer" : "finishing its answer"));
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN) {
      return make_error("admin.io", "reading from " + socket_path + ": " + std::strerror(errno));
    }
    if (!wait_for(fd.get(), POLLIN, deadline)) return timed_out();
  }
}

}  // namespace weft::serve
