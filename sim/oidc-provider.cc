// A simulated OpenID Connect provider (see oidc-provider.h).
#include "oidc-provider.h"

#include <chrono>
#include <utility>

#include "core-conversions.h"
#include "identity/base64url.h"
#include "identity/login.h"
#include "ns3/simulator.h"
#include "support/jwt_signer.h"

namespace weft::sim {
namespace {

/// A JSON string (the values here are URLs, e-mail addresses and base64url tokens; quotes and
/// backslashes are escaped all the same).
std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

HttpResponse json(unsigned status, std::string body) {
  return HttpResponse{status, "application/json", std::move(body)};
}

}  // namespace

OidcProvider::OidcProvider(ns3::Ptr<ns3::Node> node, uint16_t port, std::string issuer,
                           OidcClientRegistration client, core::WallTime wall_epoch)
    : m_issuer(std::move(issuer)),
      m_client(std::move(client)),
      m_wallEpoch(wall_epoch),
      m_signer(std::make_unique<weft::testing::JwtSigner>("ES256", "sim-key-1")) {
  m_server.Listen(node, port, [this](const HttpRequest& r) { return Handle(r); });
}

OidcProvider::~OidcProvider() = default;

void OidcProvider::RotateKey() {
  m_signer = std::make_unique<weft::testing::JwtSigner>(
      "ES256", "sim-key-" + std::to_string(++m_keyGeneration));
}

HttpResponse OidcProvider::Handle(const HttpRequest& request) {
  if (request.method == "GET" && request.target == "/.well-known/openid-configuration") {
    ++m_stats.discovery;
    return json(200, "{\"issuer\":" + json_string(m_issuer) +
                         ",\"authorization_endpoint\":" + json_string(m_issuer + "/authorize") +
                         ",\"token_endpoint\":" + json_string(m_issuer + "/token") +
                         ",\"jwks_uri\":" + json_string(m_issuer + "/jwks") +
                         ",\"response_types_supported\":[\"code\"]"
                         ",\"code_challenge_methods_supported\":[\"S256\"]}");
  }
  if (request.method == "GET" && request.target == "/jwks") {
    ++m_stats.jwks;
    return json(200, m_signer->jwks());
  }
  if (request.method == "POST" && request.target == "/token") return Token(request);
  return json(404, "{\"error\":\"not_found\"}");
}

std::string OidcProvider::Authorize(const std::string& url, const std::string& email) {
  const std::string path = UrlPath(url);
  const std::size_t q = path.find('?');
  const std::string query = q == std::string::npos ? "" : path.substr(q + 1);
  auto param = [&](const char* name) { return identity::query_param(query, name).value_or(""); };
  const std::string state = param("state");
  if (path.compare(0, q, "/authorize") != 0 || param("response_type") != "code" ||
      param("client_id") != m_client.client_id || param("redirect_uri") != m_client.redirect_uri ||
      param("code_challenge_method") != "S256" || param("code_challenge").empty()) {
    return "state=" + identity::url_encode(state) + "&error=invalid_request";
  }
  const std::string code = "sim-code-" + std::to_string(m_nextCode++);
  m_codes[code] = Grant{email, param("nonce"), param("code_challenge")};
  ++m_stats.authorized;
  return "state=" + identity::url_encode(state) + "&code=" + identity::url_encode(code);
}

HttpResponse OidcProvider::Token(const HttpRequest& request) {
  auto refuse = [this](const char* error) {
    ++m_stats.token_refused;
    return json(400, std::string("{\"error\":\"") + error + "\"}");
  };
  const std::string expected_client =
      "Basic " + identity::base64_encode(identity::url_encode(m_client.client_id) + ":" +
                                         identity::url_encode(m_client.client_secret));
  if (request.authorization != expected_client) return refuse("invalid_client");
  auto form = [&](const char* name) {
    return identity::query_param(request.body, name).value_or("");
  };
  if (form("grant_type") != "authorization_code") return refuse("unsupported_grant_type");
  auto it = m_codes.find(form("code"));
  if (it == m_codes.end()) return refuse("invalid_grant");  // unknown, or used already
  const Grant grant = it->second;
  m_codes.erase(it);
  if (form("redirect_uri") != m_client.redirect_uri ||
      identity::pkce_challenge(form("code_verifier")) != grant.challenge) {
    return refuse("invalid_grant");
  }
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          to_core_now(ns3::Simulator::Now(), m_wallEpoch).wall.time_since_epoch())
                          .count();
  const std::string claims =
      "{\"iss\":" + json_string(m_issuer) + ",\"sub\":" + json_string("sim|" + grant.email) +
      ",\"aud\":" + json_string(m_client.client_id) + ",\"iat\":" + std::to_string(now) +
      ",\"exp\":" + std::to_string(now + 600) + ",\"nonce\":" + json_string(grant.nonce) +
      ",\"email\":" + json_string(grant.email) + ",\"email_verified\":true}";
  ++m_stats.tokens;
  return json(200, "{\"access_token\":\"sim-access\",\"token_type\":\"Bearer\",\"expires_in\":600,"
                   "\"id_token\":" +
                       json_string(m_signer->sign(claims)) + "}");
}

}  // namespace weft::sim
