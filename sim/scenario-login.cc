// The OpenID Connect login of a scenario (docs/simulation.md, "Login"): the provider host, the
// server's login driver, and a person who opens a node's login link and signs in. The
// registration, the login attempt and the ID token are the shipping cores' (coord::Coordinator,
// identity::Logins); the person's browser is not on the simulated network: its two steps (the
// redirect to the provider, the redirect back) happen at the event's instant.
#include "core-conversions.h"
#include "ns3/simulator.h"
#include "scenario-world.h"

namespace weft::sim {
namespace {

constexpr uint16_t kIdpPort = 80;
constexpr const char* kIssuer = "http://idp";
constexpr const char* kClientId = "weft-sim";
constexpr const char* kClientSecret = "weft-sim-secret";
constexpr const char* kRedirectUri = "http://server/oidc/callback";

}  // namespace

bool ScenarioWorld::UsesLogin() const {
  for (const NodeSpec& n : m_spec.nodes) {
    if (!n.login.empty()) return true;
  }
  return false;
}

void ScenarioWorld::StartLogin() {
  if (!UsesLogin()) return;
  OidcClientRegistration client{kClientId, kClientSecret, kRedirectUri};
  m_idp = std::make_unique<OidcProvider>(m_net->Node(kIdpHost), kIdpPort, kIssuer, client,
                                         default_wall_epoch());
  identity::OidcSettings settings;
  settings.issuer = kIssuer;
  settings.client_id = kClientId;
  settings.client_secret = kClientSecret;
  settings.redirect_uri = kRedirectUri;
  settings.allowed.domains = m_spec.oidc.allowed_domains;
  m_login = std::make_unique<LoginDriver>(
      m_net->Node("server"),  // the coordinator's host (scenario-runner.cc)
      ns3::InetSocketAddress(m_net->PublicAddress(kIdpHost), kIdpPort), settings, m_server,
      default_wall_epoch(), 1000 * m_seed + 900, [this](const std::string& line) {
        Log("server", line);
      });
  ns3::Simulator::ScheduleNow([this] { m_login->Start(); });
  if (m_spec.oidc.rotate_key_at) {
    ns3::Simulator::Schedule(ToNs3(*m_spec.oidc.rotate_key_at), [this] {
      m_idp->RotateKey();
      Log("timeline", "the identity provider rotates its signing key");
    });
  }
}

void ScenarioWorld::Login(WorldNode& n) {
  const std::string prefix = kLoginUrlPrefix;
  if (n.login_url.compare(0, prefix.size(), prefix) != 0) {
    Log(n.Name(), n.login_url.empty() ? "login: the node has shown no login link"
                                      : "login: " + n.login_url + " is not this server's link");
    return;
  }
  // GET /login/<id> at the server, then the provider's sign-in page as the node's person.
  std::string redirect;
  const LoginDriver::Page page = m_login->OpenLink(n.login_url.substr(prefix.size()), redirect);
  if (page.status != 302) {
    Log(n.Name(), "login link: HTTP " + std::to_string(page.status) + ", " + page.text);
    return;
  }
  const std::string query = m_idp->Authorize(redirect, n.spec->login);
  Log(n.Name(), n.spec->login + " signed in at the identity provider");
  // The provider's redirect back: GET /oidc/callback?<query> at the server.
  m_login->Callback(query, [this, p = &n](const LoginDriver::Page& done) {
    Log(p->Name(), "login: HTTP " + std::to_string(done.status) + ", " + done.text);
  });
}

}  // namespace weft::sim
