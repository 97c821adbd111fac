// UnixRequestClient (unix_request_client.h): a unix stream socket written and read with poll(2)
// against deadlines, so a hung server cannot hang the command.
#include "runtime/unix_request_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

#include "runtime/unix_request_server.h"

namespace weft::runtime {
namespace {

// Node listings of large tailnets are the biggest answers; this bounds a broken server.
constexpr std::size_t kMaxLine = 256u << 20;

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

Error UnixRequestClient::error(const std::string& what, const std::string& detail) const {
  return make_error(options_.code_prefix + "." + what, detail);
}

Result<UnixRequestClient> UnixRequestClient::send(const std::string& socket_path,
                                                  std::string_view request,
                                                  std::chrono::milliseconds timeout,
                                                  const UnixRequestClientOptions& options) {
  UnixRequestClient c(UniqueFd(), socket_path, options);
  if (request.find('\n') != std::string_view::npos) {
    return c.error("request", "a request is one line of JSON");
  }
  if (request.size() > options.max_request) {
    return c.error("request",
                   "the request exceeds " + std::to_string(options.max_request) + " bytes");
  }
  auto deadline = Clock::now() + timeout;
  auto connect_error = [&](const std::string& why) {
    return c.error("connect", "cannot connect to " + socket_path + ": " + why + "; is " +
                                  options.server_program + " running with --state " +
                                  state_dir_of(socket_path) + "?");
  };
  sockaddr_un addr{};
  if (socket_path.empty() || socket_path.size() >= sizeof(addr.sun_path)) {
    return connect_error("the path is empty or too long for a unix socket");
  }
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, socket_path.data(), socket_path.size());
  c.fd_ = UniqueFd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!c.fd_.valid()) return c.error("connect", std::string("socket: ") + std::strerror(errno));
  const int fd = c.fd_.get();
  // A unix socket connects at once or fails; EAGAIN means the server's backlog is full.
  while (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return connect_error(std::strerror(errno));
    if (!wait_for(fd, POLLOUT, deadline)) {
      return c.error("timeout", "the socket " + socket_path + " is busy");
    }
  }
  std::string line(request);
  line.push_back('\n');
  std::size_t sent = 0;
  while (sent < line.size()) {
    ssize_t n = ::send(fd, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n >= 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN) {
      return c.error("io", "sending to " + socket_path + ": " + std::strerror(errno));
    }
    if (!wait_for(fd, POLLOUT, deadline)) {
      return c.error("timeout", "no answer from " + socket_path + " within " +
                                    std::to_string(timeout.count()) + " ms");
    }
  }
  return c;
}

Result<std::optional<std::string>> UnixRequestClient::next_line(
    std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  char chunk[64 * 1024];
  while (true) {
    auto newline = buffer_.find('\n');
    if (newline != std::string::npos) {
      std::string line = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      return std::optional<std::string>(std::move(line));
    }
    if (buffer_.size() > kMaxLine) {
      return error("response", "an answer line from " + path_ + " exceeds " +
                                   std::to_string(kMaxLine) + " bytes");
    }
    ssize_t n = ::recv(fd_.get(), chunk, sizeof(chunk), 0);
    if (n > 0) {
      buffer_.append(chunk, static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0) {
      if (buffer_.empty()) return std::optional<std::string>();
      return error("response", "the server at " + path_ +
                                   " closed the connection without finishing its answer");
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN) {
      return error("io", "reading from " + path_ + ": " + std::strerror(errno));
    }
    if (!wait_for(fd_.get(), POLLIN, deadline)) {
      return error("timeout", "no answer from " + path_ + " within " +
                                  std::to_string(timeout.count()) + " ms");
    }
  }
}

Result<std::string> unix_request(const std::string& socket_path, std::string_view request,
                                 std::chrono::milliseconds timeout,
                                 const UnixRequestClientOptions& options) {
  auto deadline = Clock::now() + timeout;
  auto client = UnixRequestClient::send(socket_path, request, timeout, options);
  if (!client.ok()) return client.error();
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (left.count() < 1) left = std::chrono::milliseconds(1);
  auto line = client->next_line(left);
  if (!line.ok()) {
    // Keep the whole deadline in the message, not what was left of it.
    if (line.error().code == options.code_prefix + ".timeout") {
      return make_error(line.error().code, "no answer from " + socket_path + " within " +
                                               std::to_string(timeout.count()) + " ms");
    }
    return line.error();
  }
  if (!line->has_value()) {
    return make_error(options.code_prefix + ".response",
                      "the server at " + socket_path + " closed the connection without an answer");
  }
  return std::move(**line);
}

}  // namespace weft::runtime
