// A listening unix stream socket at a filesystem path, for local control APIs such as the
// WireGuard UAPI socket /var/run/wireguard/NAME.sock (wireguard.com/xplatform).
#pragma once

#include <string>

#include "runtime/unique_fd.h"
#include "util/result.h"

namespace weft::runtime {

class UnixListener {
 public:
  /// Creates the parent directory (0755) if missing, removes a stale socket file nobody
  /// listens on, and listens at `path` accessible to the owner only (umask 077 gives 0700,
  /// as wireguard-go's sockets have: the API can change keys).
  /// Errors: "runtime.unix_path" (path too long), "runtime.unix_in_use" (another process is
  /// listening there), "runtime.unix_listen" (mkdir/socket/bind/listen failed).
  static Result<UnixListener> listen(const std::string& path);

  UnixListener(UnixListener&& o) noexcept;
  UnixListener& operator=(UnixListener&& o) noexcept;
  /// Closes the socket and unlinks its path.
  ~UnixListener();

  int fd() const { return fd_.get(); }
  const std::string& path() const { return path_; }
  /// Accepts one pending connection as a nonblocking descriptor. Errors: kWouldBlock when
  /// none is pending; "runtime.unix_accept" otherwise.
  Result<UniqueFd> accept();

 private:
  UnixListener(UniqueFd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}
  UniqueFd fd_;
  std::string path_;  // empty when moved from
};

}  // namespace weft::runtime
