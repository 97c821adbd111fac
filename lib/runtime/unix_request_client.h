// The client side of a local request API (unix_request_server.h), for `weft admin`, `weft
// status`, `weft ping` and `weft down`: one request, then its answer lines, each under a
// deadline, with errors that tell the operator what to check.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/unique_fd.h"
#include "runtime/unix_request_server.h"
#include "util/result.h"

namespace weft::runtime {

struct UnixRequestClientOptions {
  /// Error codes are "<prefix>.request", "<prefix>.connect", ...
  std::string code_prefix = "unix";
  /// The program that serves the socket, named in the connect error ("is weft serve running
  /// with --state DIR?").
  std::string server_program = "the server";
  /// The largest request the server takes (its UnixRequestLimits::max_request).
  std::size_t max_request = kMaxUnixRequest;
};

class UnixRequestClient {
 public:
  /// Connects to `socket_path` and sends `request` (one line of JSON, without its newline).
  /// Errors: "<prefix>.request" (the request holds a newline or exceeds options.max_request),
  /// "<prefix>.connect" (nothing listens there, or no permission: the detail names the path,
  /// errno's text and asks whether the server runs with that --state directory),
  /// "<prefix>.io", "<prefix>.timeout".
  static Result<UnixRequestClient> send(const std::string& socket_path, std::string_view request,
                                        std::chrono::milliseconds timeout,
                                        const UnixRequestClientOptions& options);
  UnixRequestClient(UnixRequestClient&&) = default;
  UnixRequestClient& operator=(UnixRequestClient&&) = default;

  /// The next answer line without its newline; nullopt when the server closed after whole
  /// lines. Errors: "<prefix>.io", "<prefix>.response" (closed inside a line, or a line beyond
  /// 256 MiB), "<prefix>.timeout" (no whole line within `timeout`).
  Result<std::optional<std::string>> next_line(std::chrono::milliseconds timeout);

 private:
  UnixRequestClient(UniqueFd fd, std::string path, UnixRequestClientOptions options)
      : fd_(std::move(fd)), path_(std::move(path)), options_(std::move(options)) {}
  Error error(const std::string& what, const std::string& detail) const;

  UniqueFd fd_;
  std::string path_;
  UnixRequestClientOptions options_;
  std::string buffer_;  // bytes read beyond the lines returned
};

/// One request and its one-line answer (the first line), under one deadline. Errors as send()
/// and next_line(), and "<prefix>.response" when the server closes without a line.
Result<std::string> unix_request(const std::string& socket_path, std::string_view request,
                                 std::chrono::milliseconds timeout,
                                 const UnixRequestClientOptions& options);

}  // namespace weft::runtime
