// A simulated OpenID Connect provider on its own host (docs/simulation.md, "Login"): it serves
// its discovery document, its JWK Set and its token endpoint over simulated TCP (plain
// HTTP/1.1, http-message.h), and plays the authorization endpoint for a person's browser. Its
// ID tokens are real: ES256 JWS signed by a test key (tests/support/jwt_signer.h), with the
// nonce of the authorization request and the simulated wall clock's iat and exp; the code
// exchange checks the client's credentials, the redirect URI and PKCE (RFC 7636, S256).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "core/time.h"
#include "http-exchange.h"
#include "ns3/node.h"
#include "ns3/ptr.h"

namespace weft::testing {
class JwtSigner;
}

namespace weft::sim {

struct OidcClientRegistration {
  std::string client_id;
  std::string client_secret;
  std::string redirect_uri;
};

struct OidcProviderStats {
  uint64_t discovery = 0;      ///< discovery documents served
  uint64_t jwks = 0;           ///< JWK Sets served
  uint64_t tokens = 0;         ///< ID tokens issued
  uint64_t token_refused = 0;  ///< token requests refused (invalid_grant, invalid_client, ...)
  uint64_t authorized = 0;     ///< authorization codes issued to a browser
};

class OidcProvider {
 public:
  /// Listens on `port` of `node`; `issuer` names it ("http://HOST": no TLS in the simulation).
  OidcProvider(ns3::Ptr<ns3::Node> node, uint16_t port, std::string issuer,
               OidcClientRegistration client, core::WallTime wall_epoch);
  ~OidcProvider();
  OidcProvider(const OidcProvider&) = delete;
  OidcProvider& operator=(const OidcProvider&) = delete;

  /// The person's browser at the authorization endpoint: `email` signs in and consents. Returns
  /// the query the provider redirects to the client's redirect URI with: "state=S&code=C", or
  /// "state=S&error=invalid_request" for a request that is not this client's (RFC 6749 4.1.2).
  std::string Authorize(const std::string& url, const std::string& email);

  /// A new signing key with a new key id; the JWK Set publishes only the new one from now on.
  void RotateKey();

  const std::string& Issuer() const { return m_issuer; }
  const OidcProviderStats& Stats() const { return m_stats; }

 private:
  HttpResponse Handle(const HttpRequest& request);
  HttpResponse Token(const HttpRequest& request);

  struct Grant {
    std::string email;
    std::string nonce;
    std::string challenge;
  };

  std::string m_issuer;
  OidcClientRegistration m_client;
  core::WallTime m_wallEpoch;
  std::unique_ptr<weft::testing::JwtSigner> m_signer;
  HttpServer m_server;
  std::map<std::string, Grant> m_codes;  ///< unused codes (a code is good once)
  uint64_t m_nextCode = 1;
  uint64_t m_keyGeneration = 1;
  OidcProviderStats m_stats;
};

}  // namespace weft::sim
