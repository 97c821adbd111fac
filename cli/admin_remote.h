// `weft admin --server URL --token-file FILE`: one admin request over the server's HTTP admin
// API (docs/identity.md, "Admin API") instead of the admin socket.
#pragma once

#include <string>
#include <string_view>

#include "util/result.h"

namespace weft::cli {

/// Sends `admin_request` (the admin socket's JSON) as its /api/v1/ request with the token of
/// `token_file`, and returns the server's JSON answer whatever its HTTP status. Refuses to send
/// a token over plain http to a host that is not a loopback address.
/// Errors: "admin.token" (the file cannot be read, or holds no token), "admin.insecure",
/// "admin.request" (no API route for the request), the dial's ("dial.*"), "admin.response" (an
/// answer that is not the API's JSON: the detail has the status and the text).
Result<std::string> api_admin_call(const std::string& server_url, const std::string& token_file,
                                   const std::string& ca_file, std::string_view admin_request);

}  // namespace weft::cli
