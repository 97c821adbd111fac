// handle_api_request (api_http.h): route, bearer token over an allowed transport, scope, then
// the admin socket's handler; its answer decides the HTTP status.
#include "serve/api_http.h"

#include <rapidjson/document.h>

#include "serve/admin_api.h"
#include "serve/api_routes.h"

namespace weft::serve {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const char x = a[i] >= 'A' && a[i] <= 'Z' ? char(a[i] + 32) : a[i];
    const char y = b[i] >= 'A' && b[i] <= 'Z' ? char(b[i] + 32) : b[i];
    if (x != y) return false;
  }
  return true;
}

HttpAnswer refusal(unsigned status, std::string_view code, std::string_view message) {
  HttpAnswer a;
  a.status = status;
  a.body = admin_error(code, message);
  if (status == 401) a.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"weft\"");
  return a;
}

// The token of "Authorization: Bearer <token>" (RFC 6750 section 2.1); nullopt otherwise.
std::optional<std::string_view> bearer_of(std::string_view header) {
  constexpr std::string_view kScheme = "bearer";
  if (header.size() <= kScheme.size() || !iequals(header.substr(0, kScheme.size()), kScheme) ||
      header[kScheme.size()] != ' ')
    return std::nullopt;
  std::string_view token = header.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.empty()) return std::nullopt;
  return token;
}

// The status an admin answer stands for.
unsigned status_of(const std::string& answer) {
  rapidjson::Document d;
  d.Parse(answer.data(), answer.size());
  if (d.HasParseError() || !d.IsObject()) return 500;
  auto ok = d.FindMember("ok");
  if (ok != d.MemberEnd() && ok->value.IsBool() && ok->value.GetBool()) {
    auto valid = d.FindMember("valid");
    return valid != d.MemberEnd() && valid->value.IsBool() && !valid->value.GetBool() ? 422 : 200;
  }
  auto e = d.FindMember("error");
  if (e == d.MemberEnd() || !e->value.IsObject() || !e->value.HasMember("code") ||
      !e->value["code"].IsString())
    return 500;
  const std::string_view code = e->value["code"].GetString();
  if (code.rfind("store.", 0) == 0) return 503;
  if (code == "admin.request" || code == "admin.role") return 400;
  if (code.find("unknown") != std::string_view::npos) return 404;
  return 409;
}

}  // namespace

bool is_loopback(const util::IpAddress& a) {
  const auto& b = a.bytes();
  if (a.is_v4()) return b[0] == 127;
  bool mapped = b[10] == 0xff && b[11] == 0xff;
  for (int i = 0; i < 10; ++i) mapped = mapped && b[i] == 0;
  if (mapped) return b[12] == 127;
  for (int i = 0; i < 15; ++i)
    if (b[i] != 0) return false;
  return b[15] == 1;
}

ApiOutcome handle_api_request(coord::Coordinator& c, const HttpRequest& r, core::Now now,
                              core::Random& rng) {
  ApiOutcome out;
  const std::string where = r.method + " " + r.target.substr(0, 200) + " from " +
                            r.peer.to_string();
  auto request = admin_request_for(r.method, r.target, r.header("Content-Type"), r.body);
  if (!request) {
    const std::string& code = request.error().code;
    if (code == "api.method") {
      out.answer = refusal(405, code, "use " + request.error().detail);
      out.answer.headers.emplace_back("Allow", request.error().detail);
    } else {
      out.answer = refusal(code == "api.not_found" ? 404 : 400, code, request.error().detail);
    }
    return out;
  }
  auto token = bearer_of(r.header("Authorization"));
  if (!token) {
    out.answer = refusal(401, "api.unauthorized",
                         "the admin API needs 'Authorization: Bearer <token>' (weft admin tokens "
                         "create)");
    out.log = "api: " + where + " refused: no bearer token";
    return out;
  }
  if (!r.tls && !is_loopback(r.peer)) {
    // Checked before the token is: a token sent in the clear is not honoured even when valid.
    out.answer = refusal(403, "api.insecure",
                         "bearer tokens are accepted only over TLS, or from a loopback address; "
                         "this one crossed the network unencrypted: revoke it (weft admin tokens "
                         "revoke ID) and use https");
    out.log = "api: " + where + " refused: a bearer token over plain HTTP from a peer that is "
              "not loopback";
    return out;
  }
  const std::string op = op_of(*request);
  auto check = c.authorize_api_token(*token, op, now);
  if (!check) {
    out.answer = refusal(503, check.error().code, check.error().detail);
    return out;
  }
  if (!check->ok()) {
    const Error e = check->error();
    out.answer = refusal(*check->refusal == coord::ApiTokenRefusal::kScope ? 403 : 401, e.code,
                         e.detail);
    return out;
  }
  out.answer.body = handle_admin_request(c, *request, now, rng);
  out.answer.status = status_of(out.answer.body);
  return out;
}

std::string_view HttpRequest::header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (iequals(n, name)) return v;
  return {};
}

}  // namespace weft::serve
