// The server's OpenID Connect login in the simulation (see login-driver.h), step for step as
// lib/serve/oidc_login.cc drives the same core on Linux.
#include "login-driver.h"

#include <utility>

#include "core-conversions.h"
#include "ns3/simulator.h"

namespace weft::sim {
namespace {

const ns3::Time kRetry = ns3::Seconds(10);
const ns3::Time kFetchTimeout = ns3::Seconds(10);
// Unknown key ids refetch the JWK Set at most this often (OidcLoginConfig's default).
constexpr core::Duration kJwksMinRefetch = std::chrono::seconds(30);

}  // namespace

LoginDriver::LoginDriver(ns3::Ptr<ns3::Node> server, ns3::InetSocketAddress provider,
                         identity::OidcSettings settings, ns3::Ptr<CoordinatorApp> coordinator,
                         core::WallTime wall_epoch, uint64_t seed, Log log)
    : m_providerAddress(provider),
      m_settings(settings),
      m_coordinator(coordinator),
      m_wallEpoch(wall_epoch),
      m_random(seed),
      m_log(std::move(log)),
      m_http(server),
      m_logins(std::move(settings)) {}

core::Now LoginDriver::Now() const { return to_core_now(ns3::Simulator::Now(), m_wallEpoch); }

HttpRequest LoginDriver::Get(const std::string& url) const {
  HttpRequest r;
  r.method = "GET";
  r.target = UrlPath(url);
  return r;
}

void LoginDriver::Start() { FetchDocuments(); }

void LoginDriver::FetchDocuments() {
  std::string issuer = m_settings.issuer;
  while (!issuer.empty() && issuer.back() == '/') issuer.pop_back();
  const std::string url = issuer + "/.well-known/openid-configuration";
  m_http.Fetch(m_providerAddress, UrlHost(url), Get(url), kFetchTimeout,
               [this](const HttpResponse& a, const std::string& error) {
                 if (!error.empty() || a.status != 200) {
                   return RetryLater(error.empty() ? "discovery answered HTTP " +
                                                         std::to_string(a.status)
                                                   : error);
                 }
                 auto meta = identity::parse_discovery(a.body, m_settings.issuer);
                 if (!meta) return RetryLater(meta.error().detail);
                 m_provider = std::move(*meta);
                 FetchKeys([this](const std::string& e) {
                   if (!e.empty()) return RetryLater(e);
                   m_log("identity provider " + m_provider->issuer + " ready (" +
                         std::to_string(m_keys->keys.size()) + " signing keys)");
                 });
               });
}

void LoginDriver::FetchKeys(std::function<void(const std::string& error)> done) {
  const std::string url = m_provider->jwks_uri;
  m_http.Fetch(m_providerAddress, UrlHost(url), Get(url), kFetchTimeout,
               [this, done](const HttpResponse& a, const std::string& error) {
                 if (!error.empty()) return done(error);
                 if (a.status != 200) {
                   return done("the JWK Set answered HTTP " + std::to_string(a.status));
                 }
                 auto keys = identity::parse_jwks(a.body);
                 if (!keys) return done(keys.error().detail);
                 m_keys = std::move(*keys);
                 done("");
               });
}

void LoginDriver::RetryLater(const std::string& why) {
  m_log("identity provider " + m_settings.issuer + " not ready: " + why + "; retrying in 10 s");
  m_retry.Cancel();
  m_retry = ns3::Simulator::Schedule(kRetry, [this] { FetchDocuments(); });
}

void LoginDriver::ArmExpiry() {
  m_expiry.Arm(m_logins.next_deadline(), [this] {
    m_logins.on_deadline(Now());
    ArmExpiry();
  });
}

LoginDriver::Page LoginDriver::OpenLink(const std::string& login_id, std::string& redirect) {
  if (!Ready()) return Page{503, "the identity provider has not been reached yet"};
  const bool waiting = m_coordinator->Operate(
      [&](coord::Coordinator& c, core::Now, core::Random&) { return c.login_waiting(login_id); });
  if (!waiting) return Page{404, "this login link is not waiting any more"};
  redirect = m_logins.begin(login_id, *m_provider, Now(), m_random);
  ArmExpiry();
  return Page{302, "redirecting to the identity provider"};
}

void LoginDriver::Callback(const std::string& query, std::function<void(const Page&)> done) {
  auto param = [&](const char* name) { return identity::query_param(query, name).value_or(""); };
  auto exchange = m_logins.callback(param("state"), param("code"), param("error"),
                                    param("error_description"), Now());
  if (!exchange) {
    m_log("login refused: " + exchange.error().detail + " (" + exchange.error().code + ")");
    return done(Page{400, exchange.error().detail});
  }
  HttpRequest r = Get(m_provider->token_endpoint);
  r.method = "POST";
  r.content_type = "application/x-www-form-urlencoded";
  r.body = exchange->form_body;
  r.authorization = exchange->authorization;
  auto x = std::make_shared<identity::TokenExchange>(std::move(*exchange));
  m_http.Fetch(m_providerAddress, UrlHost(m_provider->token_endpoint), r, kFetchTimeout,
               [this, x, done](const HttpResponse& a, const std::string& error) {
                 if (!error.empty()) {
                   m_log("token endpoint: " + error);
                   m_coordinator->Operate([&](coord::Coordinator& c, core::Now now, core::Random&) {
                     c.refuse_login(x->login_id, "oidc.token_endpoint",
                                    "the server could not reach the identity provider", now);
                     return 0;
                   });
                   return done(Page{502, "the server could not reach the identity provider"});
                 }
                 Finish(x, a, done, true);
               });
}

void LoginDriver::Finish(const std::shared_ptr<identity::TokenExchange>& x,
                         const HttpResponse& answer, const std::function<void(const Page&)>& done,
                         bool may_refetch) {
  const core::Now now = Now();
  auto who = m_logins.finish(*x, answer.status, answer.body, *m_keys, now.wall);
  if (!who && who.error().code == "oidc.unknown_kid" && may_refetch &&
      (!m_lastRefetch || now.mono - *m_lastRefetch >= kJwksMinRefetch)) {
    // The provider may have rotated its keys: fetch the set once more, then decide.
    m_lastRefetch = now.mono;
    ++m_refetches;
    FetchKeys([this, x, answer, done](const std::string& e) {
      m_log(e.empty() ? "the provider's JWK Set refetched for an unknown key id (" +
                            std::to_string(m_keys->keys.size()) + " signing keys)"
                      : "JWK Set refetch failed: " + e);
      Finish(x, answer, done, false);
    });
    return;
  }
  if (!who) {
    m_log("login refused: " + who.error().detail + " (" + who.error().code + ")");
    m_coordinator->Operate([&](coord::Coordinator& c, core::Now t, core::Random&) {
      c.refuse_login(x->login_id, who.error().code, who.error().detail, t);
      return 0;
    });
    return done(Page{403, who.error().detail});
  }
  const coord::ProvenIdentity proven{who->issuer, who->subject, who->email, who->groups};
  auto result = m_coordinator->Operate([&](coord::Coordinator& c, core::Now t, core::Random& rng) {
    return c.complete_login(x->login_id, proven, t, rng);
  });
  if (!result) return done(Page{409, result.error().detail});
  done(Page{200, "logged in as " + result->user + "; the device " + result->hostname +
                     " is registered"});
}

}  // namespace weft::sim
