// Outbound HTTP(S) requests of the coordination server (the OIDC discovery document, the JWK
// Set, the token endpoint: docs/identity.md): one request per connection with Beast, TLS
// verified against the system's roots (or a CA file) with the host name checked; a deadline on
// the whole exchange and a cap on the answer's size. Asynchronous on the server's io_context.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

#include "util/result.h"

namespace boost::asio {
class io_context;
}

namespace weft::serve {

struct HttpFetchRequest {
  std::string url;  // http:// or https://host[:port]/path?query
  std::string method = "GET";  // GET or POST
  std::string content_type;    // POST: "application/x-www-form-urlencoded"
  std::string authorization;   // sent as Authorization when set
  std::string body;
  std::chrono::milliseconds timeout{10000};
  std::size_t max_answer_bytes = 1u << 20;
  std::string ca_file;  // https: empty = the system's roots
};

struct HttpFetchAnswer {
  unsigned status = 0;
  std::string body;
};

/// Starts the request; `done` runs on `io` exactly once. Errors: "serve.fetch_url" (not an
/// http(s) URL), "serve.fetch" (resolve, connect, TLS, timeout, a malformed or oversized answer;
/// the detail names the URL and the reason). A non-2xx status is an answer, not an error.
void http_fetch(boost::asio::io_context& io, HttpFetchRequest request,
                std::function<void(Result<HttpFetchAnswer>)> done);

}  // namespace weft::serve
