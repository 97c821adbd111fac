// Login attempts of the authorization-code flow with PKCE (OpenID Connect Core 1.0 section
// 3.1.2 and 3.1.3, RFC 7636 section 4): state, nonce and verifier per attempt, single use.
#include "identity/login.h"

#include <algorithm>

#include <openssl/evp.h>

#include "hujson/parser.h"
#include "identity/base64url.h"

namespace weft::identity {
namespace {

std::string random_token(core::Random& rng) {
  uint8_t bytes[32];
  rng.fill(bytes, sizeof bytes);
  return base64url_encode(bytes, sizeof bytes);
}

bool http_url(std::string_view s) {
  return s.rfind("https://", 0) == 0 || s.rfind("http://", 0) == 0;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> url_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      const int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

}  // namespace

std::string url_encode(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::optional<std::string> query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      return url_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

std::string pkce_challenge(std::string_view verifier) {
  uint8_t digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(verifier.data(), verifier.size(), digest, &len, EVP_sha256(), nullptr);
  return base64url_encode(digest, len);
}

Result<ProviderMetadata> parse_discovery(std::string_view text, std::string_view expected_issuer) {
  auto fail = [](std::string d) { return make_error("oidc.discovery", std::move(d)); };
  if (text.size() > kMaxDocumentBytes) return fail("the discovery document is over 256 KiB");
  hujson::ParseOutcome doc = hujson::parse(text, hujson::ParseLimits{kMaxDocumentBytes, 16});
  if (!doc.value || !doc.value->is_object()) return fail("the discovery document is not a JSON object");
  ProviderMetadata out;
  for (auto [name, field] : {std::pair{"issuer", &out.issuer},
                             {"authorization_endpoint", &out.authorization_endpoint},
                             {"token_endpoint", &out.token_endpoint},
                             {"jwks_uri", &out.jwks_uri}}) {
    const hujson::Value* v = doc.value->find(name);
    if (v == nullptr || !v->is_string() || v->text.empty()) {
      return fail(std::string("no \"") + name + "\" string in the discovery document");
    }
    *field = v->text;
  }
  if (out.issuer != expected_issuer) {
    return fail("the discovery document names issuer \"" + out.issuer + "\", not \"" +
                std::string(expected_issuer) + "\"");
  }
  for (const auto* url : {&out.authorization_endpoint, &out.token_endpoint, &out.jwks_uri})
    if (!http_url(*url)) return fail("\"" + *url + "\" is not an http(s) URL");
  if (const hujson::Value* m = doc.value->find("code_challenge_methods_supported")) {
    const bool s256 = m->is_array() && std::any_of(m->items.begin(), m->items.end(), [](const auto& i) {
                        return i.is_string() && i.text == "S256";
                      });
    if (!s256) return fail("the provider does not offer PKCE with S256");
  }
  return out;
}

std::string Logins::begin(std::string login_id, const ProviderMetadata& provider, core::Now now,
                          core::Random& rng) {
  on_deadline(now);
  while (attempts_.size() >= kMaxLoginAttempts) {
    auto oldest = std::min_element(attempts_.begin(), attempts_.end(), [](const auto& a, const auto& b) {
      return a.second.expires < b.second.expires;
    });
    attempts_.erase(oldest);
    ++counters_.evicted;
  }
  Attempt a;
  a.login_id = std::move(login_id);
  a.nonce = random_token(rng);
  a.verifier = random_token(rng);  // 43 characters (RFC 7636 section 4.1)
  a.expires = now.mono + kLoginAttemptLifetime;
  const std::string state = random_token(rng);
  std::string url = provider.authorization_endpoint;
  url += url.find('?') == std::string::npos ? '?' : '&';
  url += "response_type=code&scope=" + url_encode("openid email profile groups") +
         "&client_id=" + url_encode(settings_.client_id) +
         "&redirect_uri=" + url_encode(settings_.redirect_uri) + "&state=" + url_encode(state) +
         "&nonce=" + url_encode(a.nonce) + "&code_challenge=" + pkce_challenge(a.verifier) +
         "&code_challenge_method=S256";
  attempts_.emplace(state, std::move(a));
  ++counters_.started;
  return url;
}

Result<TokenExchange> Logins::callback(std::string_view state, std::string_view code,
                                       std::string_view error, std::string_view error_description,
                                       core::Now now) {
  auto it = attempts_.find(state);
  if (it == attempts_.end() || it->second.expires <= now.mono) {
    if (it != attempts_.end()) attempts_.erase(it);
    ++counters_.unknown_state;
    return make_error("oidc.unknown_state",
                      "this login link was already used or has expired: run weft up again");
  }
  Attempt a = std::move(it->second);
  attempts_.erase(it);  // single use, whatever follows
  if (!error.empty()) {
    ++counters_.provider_errors;
    return make_error("oidc.provider_error", "the identity provider refused the login: " +
                                                 std::string(error) +
                                                 (error_description.empty() ? "" : " (" + std::string(error_description) + ")"));
  }
  if (code.empty()) return make_error("oidc.no_code", "the provider sent no authorization code");
  TokenExchange x;
  x.login_id = std::move(a.login_id);
  x.form_body = "grant_type=authorization_code&code=" + url_encode(code) +
                "&redirect_uri=" + url_encode(settings_.redirect_uri) +
                "&code_verifier=" + url_encode(a.verifier);
  // client_secret_basic (RFC 6749 section 2.3.1): id and secret form-encoded, then base64.
  const std::string credentials = url_encode(settings_.client_id) + ":" + url_encode(settings_.client_secret);
  x.authorization = "Basic " + base64_encode(credentials);
  x.expect = TokenExpectations{settings_.issuer, settings_.client_id, std::move(a.nonce)};
  return x;
}

Result<LoginIdentity> Logins::finish(const TokenExchange& exchange, unsigned status,
                                     std::string_view body, const Jwks& keys, core::WallTime now) {
  auto refuse = [&](Error e) -> Result<LoginIdentity> {
    if (e.code != "oidc.unknown_kid") ++counters_.refused;
    return e;
  };
  hujson::ParseOutcome doc = hujson::parse(body, hujson::ParseLimits{kMaxDocumentBytes, 16});
  const hujson::Value* root = doc.value && doc.value->is_object() ? &*doc.value : nullptr;
  if (status != 200 || root == nullptr) {
    const hujson::Value* err = root ? root->find("error") : nullptr;
    return refuse(make_error("oidc.token_endpoint",
                             "the identity provider refused the code (HTTP " + std::to_string(status) +
                                 (err && err->is_string() ? ", " + err->text : std::string()) + ")"));
  }
  const hujson::Value* id_token = root->find("id_token");
  if (id_token == nullptr || !id_token->is_string()) {
    return refuse(make_error("oidc.token_endpoint", "the token answer has no id_token"));
  }
  auto claims = verify_id_token(id_token->text, keys, exchange.expect, now);
  if (!claims) return refuse(claims.error());
  auto who = admit(*claims, settings_.allowed);
  if (!who) return refuse(who.error());
  ++counters_.admitted;
  return who;
}

std::optional<core::Duration> Logins::next_deadline() const {
  std::optional<core::Duration> next;
  for (const auto& [state, a] : attempts_)
    if (!next || a.expires < *next) next = a.expires;
  return next;
}

void Logins::on_deadline(core::Now now) {
  for (auto it = attempts_.begin(); it != attempts_.end();) {
    it = it->second.expires <= now.mono ? attempts_.erase(it) : std::next(it);
  }
}

}  // namespace weft::identity
