// The HTTP admin API's routes (docs/identity.md, "Admin API"): one table between REST-style
// requests under /api/v1/ and the admin socket's JSON requests ({"op": ...}), read one way by the
// server and the other way by `weft admin --server`. Parsing untrusted requests, never throws.
#pragma once

#include <string>
#include <string_view>

#include "util/result.h"

namespace weft::serve {

inline constexpr std::string_view kApiPrefix = "/api/v1/";
/// The largest request body the API takes (a policy of 16 MiB, escaped as JSON); the admin
/// socket takes requests of the same size (kMaxAdminRequest).
inline constexpr std::size_t kMaxApiBody = 40u << 20;

/// An HTTP request of the API, as the client sends it.
struct ApiCall {
  std::string method;
  std::string target;  // "/api/v1/nodes/3/expire"
  std::string body;    // a JSON object, or "" for none
};

/// Server side: the admin request (a JSON object with "op") that `method target` with `body`
/// stands for. A body is a JSON object whose fields join the request; for the policy routes a
/// body whose content type is not application/json is the policy text itself. The path's own
/// parameter (a node id, a key or token id, an e-mail) wins over a body field of that name.
/// Errors: "api.not_found" (no route for the path), "api.method" (the path exists, not with
/// this method; the detail lists the methods it takes), "api.request" (a body that is not a
/// JSON object, a malformed path parameter or query).
Result<std::string> admin_request_for(std::string_view method, std::string_view target,
                                      std::string_view content_type, std::string_view body);

/// Client side: the HTTP request for an admin request (the inverse of admin_request_for).
/// Errors: "api.request" (not a JSON object with a known "op", or without the field its path
/// needs).
Result<ApiCall> api_call_for(std::string_view admin_request);

/// The op of an admin request ("" when it has none): what a token's scope is checked against.
std::string op_of(std::string_view admin_request);

}  // namespace weft::serve
