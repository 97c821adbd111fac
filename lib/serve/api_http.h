// The HTTP admin API (docs/identity.md, "Admin API"): an /api/v1/ request → its route
// (api_routes.h) → the bearer token's check (transport, validity, scope) → the same
// handle_admin_request the admin socket runs → an HTTP status and the JSON answer.
#pragma once

#include <string>

#include "coord/coordinator.h"
#include "core/random.h"
#include "core/time.h"
#include "serve/http_route.h"
#include "util/ip_prefix.h"

namespace weft::serve {

/// 127.0.0.0/8, ::1 and IPv4-mapped 127.0.0.0/8.
bool is_loopback(const util::IpAddress& a);

struct ApiOutcome {
  HttpAnswer answer;
  /// A line for the server's log when the request was refused before the token was checked
  /// (the coordinator logs every token use and refusal itself); "" otherwise.
  std::string log;
};

/// Answers one request of the API. Statuses: 200 (done), 422 (a policy that does not pass),
/// 400 (malformed request), 401 (no bearer token, or one malformed, unknown, revoked or
/// expired: WWW-Authenticate: Bearer), 403 (the token's scope does not cover the operation,
/// or a bearer token over plain HTTP from a peer that is not loopback: refused before the
/// token is looked at), 404 (no such path or object), 405 (another method), 409 (the server
/// refused the operation in the current state), 503 (the store failed). The body is always the
/// admin socket's JSON shape ({"ok": ..., "error": {"code", "message"}}). Never throws.
ApiOutcome handle_api_request(coord::Coordinator& coordinator, const HttpRequest& request,
                              core::Now now, core::Random& rng);

}  // namespace weft::serve
