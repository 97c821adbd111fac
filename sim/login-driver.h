// The coordination server's OpenID Connect login in the simulation: the ns-3 driver of
// lib/identity's Logins core beside the coordinator (what lib/serve/oidc_login.cc is on Linux:
// the provider's discovery document and JWK Set fetched at start and retried every 10 s, a
// login link opened -> Logins::begin, the provider's redirect -> Logins::callback, the code
// exchanged at the token endpoint, Logins::finish with one JWK Set refetch on an unknown key
// id, then Coordinator::complete_login or refuse_login). Fetches go over simulated TCP as plain
// HTTP/1.1 (docs/simulation.md, "Login").
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "coordinator-app.h"
#include "core/random.h"
#include "core/time.h"
#include "http-exchange.h"
#include "identity/jwks.h"
#include "identity/login.h"
#include "ns3/inet-socket-address.h"
#include "stream-listener.h"

namespace weft::sim {

class LoginDriver {
 public:
  using Log = std::function<void(const std::string& line)>;
  /// The page the person's browser ends on: an HTTP status and its text.
  struct Page {
    unsigned status = 0;
    std::string text;
  };

  /// The driver on the server's node; `provider` is where the issuer's URLs are served (the
  /// simulation has no DNS for hosts). Call Start() once the network is up.
  LoginDriver(ns3::Ptr<ns3::Node> server, ns3::InetSocketAddress provider,
              identity::OidcSettings settings, ns3::Ptr<CoordinatorApp> coordinator,
              core::WallTime wall_epoch, uint64_t seed, Log log);
  LoginDriver(const LoginDriver&) = delete;
  LoginDriver& operator=(const LoginDriver&) = delete;

  void Start();
  /// GET /login/<login_id>: the provider URL the browser is redirected to (status 302), or
  /// 503 (the provider not reached yet) or 404 (no registration waits on this id).
  Page OpenLink(const std::string& login_id, std::string& redirect);
  /// GET /oidc/callback?<query>: `done` gets the page once the code is exchanged and the login
  /// decided (200 logged in, 400/403/409/502 as lib/serve answers).
  void Callback(const std::string& query, std::function<void(const Page&)> done);

  bool Ready() const { return m_provider.has_value() && m_keys.has_value(); }
  const identity::LoginCounters& Counters() const { return m_logins.counters(); }
  uint64_t JwksRefetches() const { return m_refetches; }

 private:
  HttpRequest Get(const std::string& url) const;
  void FetchDocuments();
  void FetchKeys(std::function<void(const std::string& error)> done);
  void RetryLater(const std::string& why);
  void Finish(const std::shared_ptr<identity::TokenExchange>& x, const HttpResponse& answer,
              const std::function<void(const Page&)>& done, bool may_refetch);
  core::Now Now() const;
  void ArmExpiry();

  ns3::InetSocketAddress m_providerAddress;
  identity::OidcSettings m_settings;
  ns3::Ptr<CoordinatorApp> m_coordinator;
  core::WallTime m_wallEpoch;
  core::SeededRandom m_random;
  Log m_log;
  HttpClient m_http;
  identity::Logins m_logins;
  std::optional<identity::ProviderMetadata> m_provider;
  std::optional<identity::Jwks> m_keys;
  std::optional<core::Duration> m_lastRefetch;
  uint64_t m_refetches = 0;
  DeadlineEvent m_expiry;
  ns3::EventId m_retry;
};

}  // namespace weft::sim
