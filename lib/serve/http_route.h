// Plain HTTP routes on the server's listener besides the control and relay upgrades (the admin
// API under /api/v1/, docs/identity.md): one request with an optional body in, one answer out.
// Beast stays inside control_listener.cc; a route sees plain values.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/ip_prefix.h"

namespace weft::serve {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query as sent
  std::vector<std::pair<std::string, std::string>> headers;  // names as sent
  std::string body;
  util::IpAddress peer;  // the TCP peer
  bool tls = false;      // the connection is TLS

  /// The first header named `name` (case-insensitive); "" when absent.
  std::string_view header(std::string_view name) const;
};

struct HttpAnswer {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra ones (WWW-Authenticate)
};

/// Called on the listener's io_context thread.
using HttpHandler = std::function<HttpAnswer(const HttpRequest&)>;

/// Requests whose path starts with `prefix` go to `handler`, with bodies up to `max_body`
/// bytes (a larger one is answered 413 by the listener).
struct HttpRoute {
  std::string prefix;
  std::size_t max_body = 0;
  HttpHandler handler;
};

}  // namespace weft::serve
