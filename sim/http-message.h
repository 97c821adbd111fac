// HTTP/1.1 messages as the simulated identity provider and the server's login driver exchange
// them over simulated TCP (RFC 9112: a request or status line, headers, a body framed by
// Content-Length; one exchange per connection). Plain HTTP: the simulation has no TLS
// (docs/simulation.md, "Login"). No ns-3 here.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace weft::sim {

struct HttpRequest {
  std::string method;  ///< "GET", "POST"
  std::string target;  ///< origin-form: "/token", "/.well-known/openid-configuration"
  std::string authorization;
  std::string content_type;
  std::string body;
};

struct HttpResponse {
  unsigned status = 0;
  std::string content_type;
  std::string body;
};

/// The host of an absolute URL ("http://idp/jwks" -> "idp").
std::string UrlHost(const std::string& url);
/// The path and query of an absolute URL ("http://idp/p?q" -> "/p?q"; "/" when it has none).
std::string UrlPath(const std::string& url);

/// The bytes of `request` for `host` (Host header), with Content-Length and Connection: close.
std::string FormatHttpRequest(const HttpRequest& request, const std::string& host);
/// The bytes of `response`, with Content-Length and Connection: close.
std::string FormatHttpResponse(const HttpResponse& response);

enum class HttpParse : unsigned char {
  kIncomplete,  ///< more bytes needed
  kDone,        ///< a whole message was read into the output
  kBad,         ///< not an HTTP/1.1 message this reader takes, or larger than the limit
};

/// Reads one request from the bytes received so far (at most `max_bytes` in all).
HttpParse ParseHttpRequest(std::string_view bytes, std::size_t max_bytes, HttpRequest& out);
/// Reads one response from the bytes received so far (at most `max_bytes` in all).
HttpParse ParseHttpResponse(std::string_view bytes, std::size_t max_bytes, HttpResponse& out);

}  // namespace weft::sim
