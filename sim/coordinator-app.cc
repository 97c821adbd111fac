// The coordinator core as an ns-3 application (see coordinator-app.h).
#include "coordinator-app.h"

#include <utility>

#include "core-conversions.h"
#include "ns3/abort.h"
#include "ns3/simulator.h"

namespace weft::sim {

NS_OBJECT_ENSURE_REGISTERED(CoordinatorApp);

ns3::TypeId CoordinatorApp::GetTypeId() {
  static ns3::TypeId tid = ns3::TypeId("weft::sim::CoordinatorApp")
                               .SetParent<ns3::Application>()
                               .SetGroupName("Weft")
                               .AddConstructor<CoordinatorApp>();
  return tid;
}

CoordinatorApp::CoordinatorApp() = default;

CoordinatorApp::~CoordinatorApp() = default;

core::Now CoordinatorApp::Now() const { return to_core_now(ns3::Simulator::Now(), m_wallEpoch); }

Status CoordinatorApp::Setup(const coord::CoordinatorConfig& config,
                             const coord::RegistryConfig& registry, uint16_t port, uint64_t seed,
                             core::WallTime wall_epoch) {
  m_port = port;
  m_wallEpoch = wall_epoch;
  m_random = std::make_unique<core::SeededRandom>(seed);
  auto created = coord::Coordinator::create(config, registry, m_store.state(), m_store, Now(),
                                            *m_random);
  if (!created) return created.error();
  m_core = std::move(created).value();
  return Ok{};
}

ns3::Ptr<CoordinatorApp> CoordinatorApp::Install(ns3::Ptr<ns3::Node> node,
                                                 const coord::CoordinatorConfig& config,
                                                 uint16_t port, uint64_t seed) {
  ns3::Ptr<CoordinatorApp> app = ns3::CreateObject<CoordinatorApp>();
  Status setup = app->Setup(config, coord::RegistryConfig{}, port, seed, default_wall_epoch());
  NS_ABORT_MSG_IF(!setup, "coordinator: " << setup.error().detail);
  node->AddApplication(app);
  app->SetStartTime(ns3::Seconds(0));
  return app;
}

std::string CoordinatorApp::TaggedAuthKey(const std::string& user, const std::string& tag) {
  return Operate([&](coord::Coordinator& c, core::Now now, core::Random& rng) {
    if (c.registry().find_user(user) == nullptr) {
      NS_ABORT_MSG_IF(!c.create_user(user, coord::Role::kMember, now), "user " << user);
    }
    coord::AuthKeyRequest r;
    r.reusable = true;
    r.tags = {tag};
    auto k = c.create_auth_key(user, r, now, rng);
    NS_ABORT_MSG_IF(!k, "auth key: " << k.error().detail);
    return k->text;
  });
}

void CoordinatorApp::DoDispose() {
  m_timer.Cancel();
  m_connections.clear();
  m_closing.clear();
  m_listener.Close();
  m_core.reset();
  ns3::Application::DoDispose();
}

void CoordinatorApp::StartApplication() {
  NS_ABORT_MSG_IF(!m_core, "CoordinatorApp started without Setup()");
  m_listener.Listen(GetNode(), m_port, [this](ns3::Ptr<ns3::Socket> s) { OnAccepted(s); });
  AfterCall();
}

void CoordinatorApp::StopApplication() {
  m_timer.Cancel();
  m_listener.Close();
}

void CoordinatorApp::OnAccepted(ns3::Ptr<ns3::Socket> socket) {
  const uint64_t id = m_nextConnection++;
  auto stream = std::make_unique<StreamSocket>([this, id](core::ByteView b) { OnBytes(id, b); },
                                               [this, id] { OnClosed(id); });
  stream->Adopt(socket);
  m_connections.emplace(id, std::move(stream));
  m_core->connection_opened(coord::ConnectionId{id}, Now());
  AfterCall();
}

void CoordinatorApp::OnBytes(uint64_t id, core::ByteView bytes) {
  m_core->connection_bytes(coord::ConnectionId{id}, bytes, Now(), *m_random);
  AfterCall();
}

void CoordinatorApp::OnClosed(uint64_t id) {
  auto it = m_connections.find(id);
  if (it == m_connections.end()) return;
  m_closing.push_back(std::move(it->second));  // not deleted inside its own callback
  m_connections.erase(it);
  m_core->connection_closed(coord::ConnectionId{id}, Now());
  AfterCall();
}

void CoordinatorApp::OnTimer() {
  m_core->on_deadline(Now(), *m_random);
  AfterCall();
}

void CoordinatorApp::AfterCall() {
  coord::Transmit t;
  std::vector<uint64_t> closed;
  while (m_core->poll_transmit(t)) {
    auto it = m_connections.find(t.connection.value);
    if (it == m_connections.end()) continue;  // already gone; the core was told
    if (!t.bytes.empty()) it->second->Send(t.bytes);
    if (t.close) {
      it->second->CloseAfterSending();
      m_closing.push_back(std::move(it->second));
      m_connections.erase(it);
      closed.push_back(t.connection.value);
    }
  }
  // The driver's close is reported back as any other end of a connection.
  const core::Now now = Now();
  for (uint64_t id : closed) m_core->connection_closed(coord::ConnectionId{id}, now);
  if (!closed.empty()) {
    AfterCall();
    return;
  }
  m_timer.Arm(m_core->next_deadline(), [this] { OnTimer(); });
}

}  // namespace weft::sim
